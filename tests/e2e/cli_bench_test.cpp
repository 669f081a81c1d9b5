// int8rt bench: times an engine from --onnx or --engine, prints latency and throughput.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "e2e/cli_runner.h"
#include "testing/testing.h"

namespace int8rt::testing {
namespace {

TEST(CliBench, TimesAnOnnxModelAndReportsConsistentFigures) {
  CliResult r = run_cli({"bench", "--onnx", source_path("models/lenet5_mnist.onnx"), "--batch", "4",
                         "--warmup", "2", "--iterations", "30", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.command << "\n" << r.err;
  EXPECT_EQ(json_number(r.out, "batch"), 4.0) << r.out;
  EXPECT_EQ(json_number(r.out, "iterations"), 30.0) << r.out;
  const double min = json_number(r.out, "min"), median = json_number(r.out, "median");
  const double p99 = json_number(r.out, "p99"), max = json_number(r.out, "max");
  const double mean = json_number(r.out, "mean");
  EXPECT_GT(min, 0.0) << r.out;
  EXPECT_LE(min, median);
  EXPECT_LE(median, p99);
  EXPECT_LE(p99, max);
  // Throughput is the batch over the mean latency.
  EXPECT_NEAR(json_number(r.out, "samples_per_second"), 4000.0 / mean, 1e-6 * 4000.0 / mean)
      << r.out;
}

TEST(CliBench, RefusesBadFlagsWithExitOne) {
  const std::string model = source_path("models/lenet5_mnist.onnx");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"bench"},
        {"bench", "--onnx", model, "--iterations", "0"},
        {"bench", "--onnx", model, "--batch", "x"},
        {"bench", "--onnx", model, "--threads", "0"},
        {"bench", "--onnx", model, "--threads", "100000"},  // once a crash inside OpenMP
        {"bench", "--onnx", model, "--threads", "-2"},
        {"bench", "--engine", "/nonexistent/int8rt.plan"},
        {"bench", "--onnx", model, "--engine", "/nonexistent/int8rt.plan"}}) {
    CliResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 1) << r.command << "\n" << r.err;
    EXPECT_NE(r.err.find("int8rt bench: error: "), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace int8rt::testing
