// int8rt calibrate on LeNet-5 with its training digits: caches named for their algorithm, reused
// when they fit, ignored (with a warning) when they don't, written atomically and reproducibly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>

#include "e2e/calibrate_util.h"
#include "int8rt/calibrator.h"

namespace int8rt {
namespace {

using testing::CliResult;
using testing::json_tensors;
using testing::JsonTensor;
using testing::run_cli;
using testing::slurp;
using testing::source_path;
using testing::TempDir;

constexpr int64_t kBatch = 32;
constexpr int64_t kBatches = 2;
constexpr int64_t kImages = 96;  // three batches; --max-batches 2 uses the first two

class CliCalibrate : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_dir_ = new TempDir();
    auto digits = testing::training_digits(kImages, 37);
    ASSERT_TRUE(digits.is_ok()) << digits.status().to_string() << " (run scripts/fetch-data)";
    ASSERT_EQ(digits->size(), kImages);
    digits_ = new Dataset(std::move(digits).value());
    ASSERT_TRUE(write_npy(data_dir_->file("train.npy"), DataType::kFloat, Dims{kImages, 1, 28, 28},
                          digits_->data.data())
                    .is_ok());
    // Other training digits, for a change of data.
    auto others = testing::training_digits(kImages, 41);
    ASSERT_TRUE(others.is_ok()) << others.status().to_string();
    ASSERT_TRUE(write_npy(data_dir_->file("other.npy"), DataType::kFloat, Dims{kImages, 1, 28, 28},
                          others->data.data())
                    .is_ok());
  }
  static void TearDownTestSuite() {
    delete data_dir_;
    delete digits_;
  }

  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(testing::cli_path()))
        << testing::cli_path() << " is missing: build the int8rt_cli target";
    ASSERT_NE(digits_, nullptr);
  }

  static std::string data(const std::string& file = "train.npy") {
    return "npy:" + data_dir_->file(file);
  }

  // `int8rt calibrate` on LeNet-5 with two batches of 32 training digits.
  std::vector<std::string> args(const std::string& cache, const std::string& calibrator,
                                const std::string& spec = data()) {
    return {"calibrate",
            "--onnx",
            lenet_,
            "--data",
            spec,
            "--calibrator",
            calibrator,
            "--cache",
            cache,
            "--batch",
            std::to_string(kBatch),
            "--max-batches",
            std::to_string(kBatches)};
  }

  static CliResult run_ok(std::vector<std::string> argv) {
    CliResult result = run_cli(argv, 120);
    EXPECT_EQ(result.exit_code, 0)
        << result.command << "\nstdout: " << result.out << "\nstderr: " << result.err;
    return result;
  }

  static std::map<std::string, JsonTensor> by_name(const std::string& json) {
    std::map<std::string, JsonTensor> map;
    for (const JsonTensor& t : json_tensors(json))
      map[t.name] = t;
    return map;
  }

  inline static TempDir* data_dir_ = nullptr;
  inline static Dataset* digits_ = nullptr;
  const std::string lenet_ = source_path("models/lenet5_mnist.onnx");
  TempDir dir_;
};

TEST_F(CliCalibrate, EachAlgorithmWritesACacheNamedForIt) {
  const std::map<std::string, std::string> headers = {
      {"entropy2", "TRT-8601-EntropyCalibration2"},     {"entropy", "TRT-8601-EntropyCalibration"},
      {"minmax", "TRT-8601-MinMaxCalibration"},         {"legacy", "TRT-8601-LegacyCalibration"},
      {"percentile", "TRT-8601-PercentileCalibration"}, {"mse", "TRT-8601-MSECalibration"}};
  for (const auto& [calibrator, header] : headers) {
    SCOPED_TRACE("--calibrator " + calibrator);
    const std::string cache = dir_.file(calibrator + ".cache");
    std::vector<std::string> argv = args(cache, calibrator);
    argv.push_back("--json");
    CliResult result = run_ok(argv);
    EXPECT_TRUE(result.err.empty())
        << "no warnings, no progress bar off a terminal: " << result.err;
    EXPECT_NE(result.out.find("\"cache_reused\": false"), std::string::npos) << result.out;
    EXPECT_EQ(testing::json_number(result.out, "batches"), kBatches) << result.out;
    EXPECT_EQ(testing::json_number(result.out, "samples"), kBatch * kBatches) << result.out;

    // The file: the header, then "<name>: <8 hex digits>" for every tensor of the report.
    std::string text = slurp(cache);
    if (calibrator == "legacy") {
      // TensorRT's Legacy cache starts with its parameters as float64 bits: cutoff 1, quantile
      // 0.9999.
      ASSERT_EQ(text.substr(0, text.find('\n')), "03ff0000000000000 03fefff2e48e8a71e") << text;
      text.erase(0, text.find('\n') + 1);
    }
    ASSERT_EQ(text.substr(0, text.find('\n')), header) << text;
    std::map<std::string, std::string> lines;
    std::istringstream in(text.substr(text.find('\n') + 1));
    std::string line;
    while (std::getline(in, line)) {
      const size_t colon = line.rfind(": ");
      ASSERT_NE(colon, std::string::npos) << line;
      const std::string hex = line.substr(colon + 2);
      EXPECT_EQ(hex.size(), 8u) << line;
      EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos) << line;
      lines[line.substr(0, colon)] = hex;
    }
    const std::vector<JsonTensor> tensors = json_tensors(result.out);
    EXPECT_GE(tensors.size(), 10u) << result.out;  // LeNet-5: 15 activations
    EXPECT_EQ(lines.size(), tensors.size()) << text;
    for (const JsonTensor& t : tensors) {
      EXPECT_EQ(t.source, "calibration") << t.name;
      EXPECT_EQ(lines[t.name], t.hex) << t.name;
      // The hex is the float32 bits of amax / 127.
      EXPECT_EQ(testing::float_hex(static_cast<float>(t.amax) / 127.0f), t.hex) << t.name;
      EXPECT_GT(t.amax, 0) << t.name;
    }
    EXPECT_TRUE(testing::temp_files(dir_.path()).empty());
  }
}

TEST_F(CliCalibrate, MinMaxInputRangeIsTheLargestPixelAndRangesFileMatches) {
  const std::string cache = dir_.file("minmax.cache");
  const std::string ranges = dir_.file("ranges.txt");
  std::vector<std::string> argv = args(cache, "minmax");
  argv.insert(argv.end(), {"--json", "--ranges-out", ranges});
  CliResult result = run_ok(argv);
  // The largest |pixel| of the samples calibrated on (the first two batches).
  float largest = 0;
  for (int64_t i = 0; i < kBatch * kBatches * 784; ++i)
    largest = std::max(largest, std::fabs(digits_->data[static_cast<size_t>(i)]));
  auto tensors = by_name(result.out);
  ASSERT_EQ(tensors.count("input"), 1u) << result.out;
  EXPECT_EQ(tensors["input"].hex, testing::float_hex(largest / 127.0f))
      << "largest pixel " << largest << "\n"
      << result.out;
  EXPECT_FLOAT_EQ(static_cast<float>(tensors["input"].amax), largest);

  // The ranges file (sampleINT8API's format) holds the same amax for every tensor.
  auto read = read_ranges_file(ranges);
  ASSERT_TRUE(read.is_ok()) << read.status().to_string();
  EXPECT_EQ(read->size(), tensors.size());
  for (const TensorRange& range : *read) {
    ASSERT_EQ(tensors.count(range.name), 1u) << range.name;
    EXPECT_FLOAT_EQ(range.amax, static_cast<float>(tensors[range.name].amax)) << range.name;
  }
}

TEST_F(CliCalibrate, SecondRunReusesTheCache) {
  const std::string cache = dir_.file("lenet.cache");
  std::vector<std::string> argv = args(cache, "entropy2");
  argv.push_back("--json");
  CliResult first = run_ok(argv);
  const std::string written = slurp(cache);
  ASSERT_FALSE(written.empty());

  CliResult second = run_ok(argv);
  EXPECT_NE(second.out.find("\"cache_reused\": true"), std::string::npos) << second.out;
  EXPECT_EQ(testing::json_number(second.out, "batches"), 0) << second.out;
  EXPECT_EQ(slurp(cache), written) << "a reused cache is not rewritten";
  auto before = by_name(first.out);
  auto after = by_name(second.out);
  ASSERT_EQ(before.size(), after.size());
  for (const auto& [name, t] : after) {
    EXPECT_EQ(t.source, "cache") << name;
    EXPECT_EQ(t.hex, before[name].hex) << name;
  }

  // The text form says so.
  argv.pop_back();
  CliResult text = run_ok(argv);
  EXPECT_NE(text.out.find("calibration skipped"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("reused; 0 batches"), std::string::npos) << text.out;
}

TEST_F(CliCalibrate, CacheOfAnotherAlgorithmIsIgnoredWithAWarning) {
  const std::string cache = dir_.file("lenet.cache");
  run_ok(args(cache, "minmax"));
  ASSERT_EQ(slurp(cache).rfind("TRT-8601-MinMaxCalibration\n", 0), 0u);

  std::vector<std::string> argv = args(cache, "entropy2");
  argv.push_back("--json");
  CliResult result = run_ok(argv);
  EXPECT_NE(result.err.find("MinMaxCalibration"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("recalibrating"), std::string::npos) << result.err;
  EXPECT_NE(result.out.find("\"cache_reused\": false"), std::string::npos) << result.out;
  EXPECT_EQ(testing::json_number(result.out, "batches"), kBatches) << result.out;
  EXPECT_EQ(slurp(cache).rfind("TRT-8601-EntropyCalibration2\n", 0), 0u) << slurp(cache);
}

// A Legacy cache carries its quantile and cutoff: reused when they match, recalibrated otherwise.
TEST_F(CliCalibrate, LegacyCacheCarriesItsParameters) {
  const std::string cache = dir_.file("lenet.cache");
  std::vector<std::string> argv = args(cache, "legacy");
  argv.insert(argv.end(), {"--quantile", "0.999", "--json"});
  run_ok(argv);
  // 0.999 is 0x3feff7ced916872b, the cutoff 1.0 is 0x3ff0000000000000.
  EXPECT_EQ(
      slurp(cache).rfind("03ff0000000000000 03feff7ced916872b\nTRT-8601-LegacyCalibration\n", 0),
      0u)
      << slurp(cache);

  CliResult same = run_ok(argv);
  EXPECT_NE(same.out.find("\"cache_reused\": true"), std::string::npos) << same.out;

  argv = args(cache, "legacy");
  argv.insert(argv.end(), {"--quantile", "0.99", "--json"});
  CliResult other = run_ok(argv);
  EXPECT_NE(other.err.find("quantile 0.999"), std::string::npos) << other.err;
  EXPECT_NE(other.err.find("recalibrating"), std::string::npos) << other.err;
  EXPECT_NE(other.out.find("\"cache_reused\": false"), std::string::npos) << other.out;
  EXPECT_EQ(testing::json_number(other.out, "batches"), kBatches) << other.out;
}

TEST_F(CliCalibrate, GarbageCacheIsIgnoredWithAWarning) {
  const std::string cache = dir_.file("lenet.cache");
  for (const std::string& garbage :
       {std::string("not a calibration cache\n\x01\x02\xff"),
        std::string("TRT-8601-EntropyCalibration2\ninput: 3c010a14\nconv: zz\n")}) {
    SCOPED_TRACE(garbage);
    dir_.write("lenet.cache", garbage);
    std::vector<std::string> argv = args(cache, "entropy2");
    argv.push_back("--json");
    CliResult result = run_ok(argv);
    EXPECT_NE(result.err.find("ignoring the calibration cache"), std::string::npos) << result.err;
    EXPECT_NE(result.out.find("\"cache_reused\": false"), std::string::npos) << result.out;
    EXPECT_EQ(testing::json_number(result.out, "batches"), kBatches) << result.out;
    EXPECT_EQ(slurp(cache).rfind("TRT-8601-EntropyCalibration2\n", 0), 0u) << slurp(cache);
    std::filesystem::remove(cache + ".fingerprint");
  }
}

TEST_F(CliCalibrate, ChangedDataMakesTheCacheStale) {
  const std::string cache = dir_.file("lenet.cache");
  run_ok(args(cache, "entropy2"));
  std::vector<std::string> argv = args(cache, "entropy2", data("other.npy"));
  argv.push_back("--json");
  CliResult result = run_ok(argv);
  EXPECT_NE(result.err.find("stale"), std::string::npos) << result.err;
  EXPECT_NE(result.out.find("\"cache_reused\": false"), std::string::npos) << result.out;
}

// A run killed between writing the cache and its fingerprint leaves a new cache beside the old
// fingerprint. The fingerprint names the cache it was written with, so the next run on the old
// data recalibrates instead of trusting ranges computed from other data.
TEST_F(CliCalibrate, CacheReplacedBehindItsFingerprintIsRecalibrated) {
  const std::string cache = dir_.file("lenet.cache");
  run_ok(args(cache, "entropy2"));
  const std::string first_cache = slurp(cache);
  const std::string first_fingerprint = slurp(cache + ".fingerprint");
  EXPECT_NE(first_fingerprint.find("\ncache: "), std::string::npos) << first_fingerprint;
  run_ok(args(cache, "entropy2", data("other.npy")));
  ASSERT_NE(slurp(cache), first_cache) << "other data should give other ranges";
  std::ofstream(cache + ".fingerprint", std::ios::binary) << first_fingerprint;  // old, over new

  std::vector<std::string> argv = args(cache, "entropy2");
  argv.push_back("--json");
  CliResult result = run_ok(argv);
  EXPECT_NE(result.err.find("not the one its fingerprint was written with"), std::string::npos)
      << result.err;
  EXPECT_NE(result.out.find("\"cache_reused\": false"), std::string::npos) << result.out;
  EXPECT_EQ(slurp(cache), first_cache);
  CliResult again = run_ok(argv);
  EXPECT_NE(again.out.find("\"cache_reused\": true"), std::string::npos) << again.out;
}

// Data at the edges of float32: values near FLT_MAX (thresholds past the largest float) and values
// too small for a normal INT8 scale. Every algorithm writes only valid scales (finite, 0 or
// normal), says what it did, and the cache reads back.
TEST_F(CliCalibrate, ExtremeValuesGiveValidScalesAndSaySo) {
  struct Case {
    std::string name;
    float magnitude;
    std::string warning;
  };
  for (const Case& c : {Case{"huge", 3e38f, "INT8 ranges overflow float32"},
                        Case{"tiny", 1e-39f, "its range is 0"}}) {
    std::vector<float> values(static_cast<size_t>(kBatch * kBatches * 28 * 28));
    for (size_t i = 0; i < values.size(); ++i)
      values[i] = c.magnitude * (static_cast<float>(i % 201) / 100.0f - 1.0f);
    const std::string npy = dir_.file(c.name + ".npy");
    ASSERT_TRUE(write_npy(npy, DataType::kFloat, Dims{kBatch * kBatches, 1, 28, 28}, values.data())
                    .is_ok());
    for (const std::string calibrator : {"entropy2", "minmax", "percentile", "mse", "legacy"}) {
      SCOPED_TRACE(c.name + " " + calibrator);
      const std::string cache = dir_.file(c.name + "." + calibrator + ".cache");
      const CliResult result = run_ok(args(cache, calibrator, "npy:" + npy));
      EXPECT_NE(result.err.find(c.warning), std::string::npos) << result.err;
      auto table = read_calibration_cache_file(cache);
      ASSERT_TRUE(table.is_ok()) << table.status().message() << "\n" << slurp(cache);
      for (const CacheEntry& entry : table->entries) {
        EXPECT_TRUE(std::isfinite(entry.scale * 127.0f)) << entry.name;
        EXPECT_TRUE(entry.scale == 0.0f || std::isnormal(entry.scale)) << entry.name;
      }
    }
  }
}

// --per-tensor-thresholds keeps the calibrator's TensorRT header, but a cache written without it
// is stale with it (and the other way round); with it, the second run reuses its own cache.
TEST_F(CliCalibrate, PerTensorThresholdsHaveTheirOwnCache) {
  const std::string cache = dir_.file("lenet.cache");
  run_ok(args(cache, "entropy2"));
  std::vector<std::string> argv = args(cache, "entropy2");
  argv.insert(argv.end(), {"--per-tensor-thresholds", "--json"});
  CliResult searched = run_ok(argv);
  EXPECT_NE(searched.err.find("stale"), std::string::npos) << searched.err;
  EXPECT_NE(searched.err.find("thresholds"), std::string::npos) << searched.err;
  EXPECT_NE(searched.out.find("\"cache_reused\": false"), std::string::npos) << searched.out;
  EXPECT_EQ(slurp(cache).rfind("TRT-8601-EntropyCalibration2\n", 0), 0u) << slurp(cache);

  CliResult again = run_ok(argv);
  EXPECT_NE(again.out.find("\"cache_reused\": true"), std::string::npos) << again.out;

  argv.erase(argv.end() - 2);  // without --per-tensor-thresholds: stale again
  CliResult plain = run_ok(argv);
  EXPECT_NE(plain.out.find("\"cache_reused\": false"), std::string::npos) << plain.out;
}

TEST_F(CliCalibrate, SameNetworkAndDataGiveByteIdenticalCaches) {
  TempDir other;
  for (const std::string calibrator : {"entropy2", "mse"}) {
    SCOPED_TRACE(calibrator);
    const std::string a = dir_.file(calibrator + ".cache");
    const std::string b = other.file(calibrator + ".cache");
    run_ok(args(a, calibrator));
    run_ok(args(b, calibrator));
    ASSERT_FALSE(slurp(a).empty());
    EXPECT_EQ(slurp(a), slurp(b));
  }
}

TEST_F(CliCalibrate, NonFiniteValuesAreCountedAndLeftOutOfTheRange) {
  std::vector<float> images(digits_->data.begin(), digits_->data.begin() + kBatch * 784);
  images[100] = std::numeric_limits<float>::quiet_NaN();
  images[784 + 200] = std::numeric_limits<float>::infinity();
  const std::string x = dir_.file("nonfinite.npy");
  ASSERT_TRUE(write_npy(x, DataType::kFloat, Dims{kBatch, 1, 28, 28}, images.data()).is_ok());
  float largest = 0;
  for (float v : images)
    if (std::isfinite(v)) largest = std::max(largest, std::fabs(v));

  std::vector<std::string> argv = args(dir_.file("c.cache"), "minmax", "npy:" + x);
  CliResult json = run_ok([&] {
    auto a = argv;
    a.push_back("--json");
    return a;
  }());
  auto tensors = by_name(json.out);
  EXPECT_EQ(tensors["input"].nan, 1) << json.out;
  EXPECT_EQ(tensors["input"].inf, 1) << json.out;
  EXPECT_FLOAT_EQ(static_cast<float>(tensors["input"].amax), largest) << json.out;
  EXPECT_NE(json.err.find("\"input\": 1 NaN and 1 infinite"), std::string::npos) << json.err;

  // The table grows nan/inf columns.
  std::filesystem::remove(dir_.file("c.cache"));
  CliResult text = run_ok(argv);
  EXPECT_NE(text.out.find("nan"), std::string::npos) << text.out;
  std::istringstream lines(text.out);
  std::string line;
  bool found = false;
  while (std::getline(lines, line)) {
    if (line.rfind("input ", 0) != 0) continue;
    found = true;
    std::istringstream words(line);
    std::vector<std::string> columns;
    for (std::string word; words >> word;)
      columns.push_back(word);
    // tensor, amax, scale, hex, source, nan, inf
    ASSERT_EQ(columns.size(), 7u) << line;
    EXPECT_EQ(columns[4], "calibration") << line;
    EXPECT_EQ(columns[5], "1") << line;
    EXPECT_EQ(columns[6], "1") << line;
  }
  EXPECT_TRUE(found) << text.out;
}

TEST_F(CliCalibrate, TableShowsEveryTensor) {
  CliResult result = run_ok(args(dir_.file("t.cache"), "entropy2"));
  EXPECT_EQ(result.out.rfind("tensor ", 0), 0u) << result.out;
  EXPECT_NE(result.out.find("\ninput "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("\nlogits "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("calibrated "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("with entropy2: 2 batches, 64 samples in"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("images/s"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("TRT-8601-EntropyCalibration2"), std::string::npos) << result.out;
}

}  // namespace
}  // namespace int8rt
