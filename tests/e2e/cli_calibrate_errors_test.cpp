// int8rt cache show on TensorRT's published cache, and the errors of calibrate and cache show:
// each one exits 1 with a message naming what is wrong, and leaves no partial file behind.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "e2e/calibrate_util.h"

namespace int8rt {
namespace {

using testing::CliResult;
using testing::json_tensors;
using testing::run_cli;
using testing::slurp;
using testing::source_path;
using testing::TempDir;

class CliCalibrateErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(testing::cli_path()))
        << testing::cli_path() << " is missing: build the int8rt_cli target";
    // 40 images of a pattern in [0, 1]: enough for one batch of 32.
    std::vector<float> images(40 * 28 * 28);
    for (size_t i = 0; i < images.size(); ++i)
      images[i] = static_cast<float>((i * 37) % 256) / 255.0f;
    ASSERT_TRUE(write_npy(x_, DataType::kFloat, Dims{40, 1, 28, 28}, images.data()).is_ok());
    ASSERT_TRUE(
        write_npy(dir_.file("few.npy"), DataType::kFloat, Dims{10, 1, 28, 28}, images.data())
            .is_ok());
    ASSERT_TRUE(
        write_npy(dir_.file("empty.npy"), DataType::kFloat, Dims{0, 1, 28, 28}, images.data())
            .is_ok());
    ASSERT_TRUE(
        write_npy(dir_.file("32x32.npy"), DataType::kFloat, Dims{32, 1, 32, 32}, images.data())
            .is_ok());
  }

  std::vector<std::string> args(std::vector<std::string> extra,
                                const std::string& spec = std::string()) {
    std::vector<std::string> argv = {
        "calibrate", "--onnx", lenet_, "--data", spec.empty() ? "npy:" + x_ : spec,
        "--cache",   cache_};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }

  // A clean user error whose stderr holds every one of `parts`, and no cache written.
  void expect_user_error(const std::vector<std::string>& argv,
                         const std::vector<std::string>& parts) {
    CliResult result = run_cli(argv, 120);
    EXPECT_EQ(result.exit_code, 1)
        << result.command << "\nstdout: " << result.out << "\nstderr: " << result.err;
    EXPECT_TRUE(result.out.empty()) << result.command << "\n" << result.out;
    for (const std::string& part : parts) {
      EXPECT_NE(result.err.find(part), std::string::npos)
          << result.command << "\nstderr should mention \"" << part << "\": " << result.err;
    }
    EXPECT_FALSE(std::filesystem::exists(cache_)) << result.command;
    EXPECT_TRUE(testing::temp_files(dir_.path()).empty()) << result.command;
  }

  TempDir dir_;
  const std::string lenet_ = source_path("models/lenet5_mnist.onnx");
  const std::string x_ = dir_.file("x.npy");
  const std::string cache_ = dir_.file("out.cache");
};

TEST_F(CliCalibrateErrors, CacheShowDecodesNvidiaSampleCache) {
  const std::string file = dir_.write("sample_int8.cache", testing::kNvidiaSampleCache);
  CliResult json = run_cli({"cache", "show", file, "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(testing::json_number(json.out, "version"), 7000) << json.out;
  EXPECT_NE(json.out.find("\"algorithm\": \"EntropyCalibration2\""), std::string::npos) << json.out;
  const auto tensors = json_tensors(json.out);
  ASSERT_EQ(tensors.size(), 7u) << json.out;
  const char* names[] = {"data", "conv1", "pool1", "conv2", "ip1", "ip2", "prob"};
  const char* hexes[] = {"3c008912", "3c88edfc", "3c88edfc", "3ddc858b",
                         "3db6bd6e", "3e691968", "3c010a14"};
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(tensors[i].name, names[i]);
    EXPECT_EQ(tensors[i].hex, hexes[i]) << names[i];
    const float scale = testing::float_from_hex(hexes[i]);
    EXPECT_FLOAT_EQ(static_cast<float>(tensors[i].scale), scale) << names[i];
    EXPECT_FLOAT_EQ(static_cast<float>(tensors[i].amax), scale * 127.0f) << names[i];
  }
  // The amax values CALIBRATION.md gives for the published cache, to the digits given there.
  EXPECT_NEAR(tensors[0].amax, 0.99634, 5e-6);
  EXPECT_NEAR(tensors[1].amax, 2.1228, 5e-5);
  EXPECT_NEAR(tensors[3].amax, 13.675, 5e-4);
  EXPECT_NEAR(tensors[6].amax, 1.00024, 5e-6);
  // TensorRT's entropy thresholds: (2040 + 0.5)/2048 and (2048 + 0.5)/2048 of the [0, 1] range.
  EXPECT_FLOAT_EQ(static_cast<float>(tensors[0].amax), 2040.5f / 2048.0f);
  EXPECT_FLOAT_EQ(static_cast<float>(tensors[6].amax), 2048.5f / 2048.0f);

  CliResult text = run_cli({"cache", "show", file});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("TRT-7000-EntropyCalibration2"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("version 7000, algorithm EntropyCalibration2, 7 tensors"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("0.996338"), std::string::npos) << text.out;  // %.6g of 0.99633789
  EXPECT_NE(text.out.find("3ddc858b"), std::string::npos) << text.out;
}

// TensorRT's Legacy calibrator starts its cache with its two parameters as float64 bit patterns.
TEST_F(CliCalibrateErrors, CacheShowDecodesLegacyCalibratorCaches) {
  const std::string file = dir_.write("legacy.cache",
                                      "03ff0000000000000 03feffffde7210be9\n"
                                      "data: 3c008912\nconv1: 3c88edfc\n");
  CliResult text = run_cli({"cache", "show", file});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("algorithm LegacyCalibration, 2 tensors"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("regression cutoff 1, quantile 0.999999"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("3c88edfc"), std::string::npos) << text.out;

  CliResult json = run_cli({"cache", "show", file, "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(testing::json_number(json.out, "regression_cutoff"), 1.0) << json.out;
  EXPECT_EQ(testing::json_number(json.out, "quantile"), 0.999999) << json.out;
  EXPECT_EQ(json_tensors(json.out).size(), 2u) << json.out;
}

TEST_F(CliCalibrateErrors, CacheShowErrorsNameTheFileAndLine) {
  const std::string missing = dir_.file("missing.cache");
  CliResult result = run_cli({"cache", "show", missing});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find(missing), std::string::npos) << result.err;

  const std::string garbage = dir_.write("garbage.cache",
                                         "\n\x7f"
                                         "ELF binary junk\n");
  result = run_cli({"cache", "show", garbage});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find(garbage + ":2"), std::string::npos) << result.err;

  const std::string bad_line =
      dir_.write("bad.cache", "TRT-8601-EntropyCalibration2\ninput: 3c010a14\nconv: 3c01zz14\n");
  result = run_cli({"cache", "show", bad_line});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find(bad_line + ":3"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("conv"), std::string::npos) << result.err;

  result = run_cli({"cache", "show"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  result = run_cli({"cache", "show", bad_line, bad_line});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  result = run_cli({"cache", "drop", bad_line});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("show"), std::string::npos) << result.err;
}

TEST_F(CliCalibrateErrors, HelpExitsZero) {
  for (const std::vector<std::string>& argv : {std::vector<std::string>{"calibrate", "--help"},
                                               {"cache", "show", "--help"},
                                               {"cache", "--help"},
                                               {"--help"}}) {
    CliResult result = run_cli(argv);
    EXPECT_EQ(result.exit_code, 0) << result.command << "\n" << result.err;
    EXPECT_NE(result.out.find("usage: int8rt"), std::string::npos) << result.out;
  }
  CliResult help = run_cli({"calibrate", "--help"});
  for (const char* flag : {"--calibrator", "--percentile", "--quantile", "--regression-cutoff",
                           "--max-batches", "--ranges-out", "--cache", "idx:"}) {
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
  }
}

TEST_F(CliCalibrateErrors, BadDataIsAUserErrorNamingTheInput) {
  expect_user_error(args({}, "npy:" + dir_.file("empty.npy")), {"0 samples"});
  expect_user_error(args({}, "npy:" + dir_.file("few.npy")),
                    {"10 samples", "not one full batch of 32"});
  expect_user_error(args({}, "npy:" + dir_.file("32x32.npy")),
                    {"input \"input\"", "1x32x32", "1x28x28"});
  expect_user_error(args({}, "npy:" + dir_.file("nothing.npy")), {dir_.file("nothing.npy")});
  expect_user_error(args({}, "idx"), {"data spec"});
}

TEST_F(CliCalibrateErrors, BadFlagsAreUserErrors) {
  expect_user_error(args({"--calibrator", "kl"}), {"--calibrator \"kl\"", "entropy2", "mse"});
  expect_user_error(args({"--calibrator", "percentile", "--percentile", "150"}),
                    {"percentile", "150"});
  expect_user_error(args({"--calibrator", "percentile", "--percentile", "0"}), {"percentile"});
  expect_user_error(args({"--calibrator", "percentile", "--percentile", "high"}),
                    {"--percentile", "high"});
  expect_user_error(args({"--calibrator", "minmax", "--percentile", "99"}),
                    {"--percentile", "minmax"});
  expect_user_error(args({"--calibrator", "legacy", "--quantile", "2"}), {"quantile", "2"});
  expect_user_error(args({"--calibrator", "legacy", "--regression-cutoff", "0"}),
                    {"regression cutoff"});
  expect_user_error(args({"--calibrator", "entropy2", "--quantile", "0.9"}), {"--quantile"});
  expect_user_error(args({"--batch", "0"}), {"--batch"});
  expect_user_error(args({"--max-batches", "0"}), {"--max-batches"});
  expect_user_error(args({"--max-batches", "-3"}), {"--max-batches"});
  expect_user_error(args({"--backend", "gpu"}), {"--backend"});
  expect_user_error(args({"--frobnicate"}), {"--frobnicate"});
  expect_user_error({"calibrate", "--onnx", lenet_, "--data", "npy:" + x_}, {"--cache"});
  expect_user_error({"calibrate", "--onnx", lenet_, "--cache", cache_}, {"--data"});
  expect_user_error({"calibrate", "--data", "npy:" + x_, "--cache", cache_}, {"--onnx"});
}

TEST_F(CliCalibrateErrors, MissingFilesAreUserErrors) {
  const std::string model = dir_.file("missing.onnx");
  std::vector<std::string> argv = args({});
  argv[2] = model;
  expect_user_error(argv, {model});
  // A cache in a directory that does not exist: refused before calibrating, nothing created.
  const std::string nowhere = dir_.file("no/such/dir/out.cache");
  argv = args({});
  argv[6] = nowhere;
  expect_user_error(argv, {"--cache", nowhere});
  EXPECT_FALSE(std::filesystem::exists(dir_.file("no")));
  expect_user_error(args({"--ranges-out", dir_.file("no/ranges.txt")}), {"--ranges-out"});
}

TEST_F(CliCalibrateErrors, UnwritableCacheLeavesNoPartialFile) {
  // The cache path is an existing directory: calibration runs, the final rename fails, and the
  // temporary file is removed.
  const std::string target = dir_.file("a-directory");
  std::filesystem::create_directory(target);
  std::vector<std::string> argv = args({"--max-batches", "1"});
  argv[6] = target;
  CliResult result = run_cli(argv, 120);
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.err.find(target), std::string::npos) << result.err;
  EXPECT_TRUE(std::filesystem::is_directory(target));
  EXPECT_TRUE(std::filesystem::is_empty(target));
  EXPECT_TRUE(testing::temp_files(dir_.path()).empty());
  EXPECT_FALSE(std::filesystem::exists(target + ".fingerprint"));

  // A successful run leaves exactly the cache and its fingerprint.
  result = run_cli(args({"--max-batches", "1"}), 120);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(std::filesystem::exists(cache_));
  EXPECT_TRUE(std::filesystem::exists(cache_ + ".fingerprint"));
  EXPECT_TRUE(testing::temp_files(dir_.path()).empty());
}

}  // namespace
}  // namespace int8rt
