#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "int8rt/builder.h"
#include "unit/builder/calibration_testing.h"

namespace int8rt {
namespace {

using testing::MemoryCalibrator;
using testing::RecordingLogger;

constexpr int64_t kBatch = 4, kWidth = 8;

// x [N, 8] -> Relu -> y
std::unique_ptr<Network> relu_network() {
  auto net = std::make_unique<Network>();
  Tensor* x = net->add_input("x", DataType::kFloat, Dims{Dims::kDynamic, kWidth}).value();
  Layer* relu = net->add_layer(OpType::kRelu, "relu", {x}, NoAttrs{}, {"y"}).value();
  EXPECT_TRUE(net->mark_output(relu->output(0)).is_ok());
  return net;
}

std::vector<std::vector<float>> random_batches(int count, float scale, uint32_t seed) {
  return testing::normal_batches(count, kBatch * kWidth, scale, seed);
}

const TensorRangeInfo* find(const CalibrationReport& report, std::string_view name) {
  return testing::find_named(report.tensors, name);
}

TEST(Calibrate, MinMaxSeesEveryBatch) {
  auto batches = random_batches(5, 2.0f, 1);
  float x_max = 0, y_max = 0;  // computed here, independently of the library
  for (const auto& b : batches) {
    for (float v : b) {
      x_max = std::max(x_max, std::fabs(v));
      y_max = std::max(y_max, v);
    }
  }
  MemoryCalibrator calibrator(CalibrationAlgorithm::kMinMax, kBatch, batches);
  Builder builder;
  BuilderConfig config;
  config.set_int8_calibrator(&calibrator);
  auto report = builder.calibrate(*relu_network(), config);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_FALSE(report->from_cache);
  EXPECT_EQ(report->batches, 5);
  EXPECT_EQ(report->samples, 5 * kBatch);
  ASSERT_NE(find(*report, "x"), nullptr);
  ASSERT_NE(find(*report, "y"), nullptr);
  EXPECT_EQ(find(*report, "x")->amax, x_max);
  EXPECT_EQ(find(*report, "y")->amax, y_max);
  EXPECT_TRUE(report->missing.empty());
  EXPECT_EQ(calibrator.writes, 1);
  EXPECT_EQ(calibrator.cache.substr(0, calibrator.cache.find('\n')), "TRT-8601-MinMaxCalibration");
}

TEST(Calibrate, CacheIsReusedAndDeterministic) {
  auto batches = random_batches(3, 1.0f, 2);
  Builder builder;
  auto net = relu_network();
  MemoryCalibrator first(CalibrationAlgorithm::kEntropy2, kBatch, batches);
  MemoryCalibrator second(CalibrationAlgorithm::kEntropy2, kBatch, batches);
  BuilderConfig config;
  config.set_int8_calibrator(&first);
  auto a = builder.calibrate(*net, config);
  config.set_int8_calibrator(&second);
  auto b = builder.calibrate(*net, config);
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  EXPECT_EQ(first.cache, second.cache);  // same network + same data: byte-identical caches

  RecordingLogger log;
  log.text.clear();
  Builder quiet(log);
  config.set_int8_calibrator(&first);
  first.rewind();
  auto again = quiet.calibrate(*net, config);
  ASSERT_TRUE(again.is_ok());
  EXPECT_TRUE(again->from_cache);
  EXPECT_EQ(again->batches, 0);
  EXPECT_EQ(first.writes, 1);
  EXPECT_NE(log.text.find("calibration skipped"), std::string::npos) << log.text;
  for (const auto& t : again->tensors) {
    EXPECT_EQ(t.source, RangeSource::kCache);
    EXPECT_NEAR(t.amax, find(*a, t.name)->amax, 1e-6f * t.amax) << t.name;
  }
}

TEST(Calibrate, CacheOfAnotherAlgorithmIsIgnored) {
  auto batches = random_batches(2, 1.0f, 3);
  MemoryCalibrator calibrator(CalibrationAlgorithm::kMinMax, kBatch, batches);
  calibrator.cache = "TRT-8601-EntropyCalibration2\nx: 3c008912\ny: 3c008912\n";
  RecordingLogger log;
  Builder builder(log);
  BuilderConfig config;
  config.set_int8_calibrator(&calibrator);
  auto report = builder.calibrate(*relu_network(), config);
  ASSERT_TRUE(report.is_ok());
  EXPECT_FALSE(report->from_cache);
  EXPECT_EQ(report->batches, 2);
  EXPECT_NE(log.text.find("EntropyCalibration2"), std::string::npos) << log.text;
}

TEST(Calibrate, GarbageCacheIsIgnoredWithAWarning) {
  MemoryCalibrator calibrator(CalibrationAlgorithm::kMinMax, kBatch, random_batches(1, 1.0f, 4));
  calibrator.cache = std::string("\x00\x01garbage\xff", 11);
  RecordingLogger log;
  Builder builder(log);
  BuilderConfig config;
  config.set_int8_calibrator(&calibrator);
  auto report = builder.calibrate(*relu_network(), config);
  ASSERT_TRUE(report.is_ok());
  EXPECT_EQ(report->batches, 1);
  EXPECT_NE(log.text.find("ignoring the calibration cache"), std::string::npos) << log.text;
}

TEST(Calibrate, StaleCacheIsRecalibratedSayingWhatChanged) {
  auto batches = random_batches(2, 1.0f, 5);
  MemoryCalibrator calibrator(CalibrationAlgorithm::kMinMax, kBatch, batches);
  Builder builder;
  BuilderConfig config;
  config.set_int8_calibrator(&calibrator);
  ASSERT_TRUE(builder.calibrate(*relu_network(), config).is_ok());

  // The same tensor names, a different network: y = Relu(x) * 1 instead of Relu(x).
  auto changed = std::make_unique<Network>();
  Tensor* x = changed->add_input("x", DataType::kFloat, Dims{Dims::kDynamic, kWidth}).value();
  Tensor* r = changed->add_layer(OpType::kRelu, "relu", {x}, NoAttrs{}, {"r"}).value()->output(0);
  Tensor* y = changed->add_layer(OpType::kIdentity, "id", {r}, NoAttrs{}, {"y"}).value()->output(0);
  ASSERT_TRUE(changed->mark_output(y).is_ok());
  RecordingLogger log;
  Builder watched(log);
  calibrator.rewind();
  auto report = watched.calibrate(*changed, config);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_FALSE(report->from_cache);
  EXPECT_NE(log.text.find("stale (changed since it was written: network)"), std::string::npos)
      << log.text;
}

TEST(Calibrate, ManualRangesWin) {
  auto net = relu_network();
  ASSERT_TRUE(net->find_tensor("x")->set_dynamic_range(-5.0f, 3.0f).is_ok());
  MemoryCalibrator calibrator(CalibrationAlgorithm::kMinMax, kBatch, random_batches(2, 1.0f, 6));
  Builder builder;
  BuilderConfig config;
  config.set_int8_calibrator(&calibrator);
  auto report = builder.calibrate(*net, config);
  ASSERT_TRUE(report.is_ok());
  EXPECT_EQ(find(*report, "x")->source, RangeSource::kManual);
  EXPECT_EQ(find(*report, "x")->amax, 5.0f);
  EXPECT_EQ(find(*report, "y")->source, RangeSource::kCalibration);

  // Every range set by hand: nothing to calibrate, the calibrator is not asked for data.
  ASSERT_TRUE(net->find_tensor("y")->set_dynamic_range(0.0f, 2.0f).is_ok());
  MemoryCalibrator unused(CalibrationAlgorithm::kMinMax, kBatch, {});
  config.set_int8_calibrator(&unused);
  auto manual = builder.calibrate(*net, config);
  ASSERT_TRUE(manual.is_ok()) << manual.status().to_string();
  EXPECT_EQ(manual->batches, 0);
  EXPECT_EQ(unused.writes, 0);
}

TEST(Calibrate, WithoutCalibratorReportsMissingRanges) {
  auto net = relu_network();
  ASSERT_TRUE(net->find_tensor("x")->set_dynamic_range(-1.0f, 1.0f).is_ok());
  RecordingLogger log;
  Builder builder(log);
  BuilderConfig config;
  config.set_input_shape("x", Dims{1, kWidth});
  auto report = builder.calibrate(*net, config);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  ASSERT_EQ(report->missing, std::vector<std::string>{"y"});
  EXPECT_NE(log.text.find("tensor \"y\" has no dynamic range"), std::string::npos) << log.text;
}

TEST(Calibrate, WithoutCalibratorKeepsAFixedBatch) {
  auto net = std::make_unique<Network>();
  Tensor* x = net->add_input("x", DataType::kFloat, Dims{2, kWidth}).value();
  Layer* relu = net->add_layer(OpType::kRelu, "relu", {x}, NoAttrs{}, {"y"}).value();
  ASSERT_TRUE(net->mark_output(relu->output(0)).is_ok());
  ASSERT_TRUE(x->set_dynamic_range(-1.0f, 1.0f).is_ok());
  Builder builder;
  auto report = builder.calibrate(*net, BuilderConfig{});
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_EQ(report->missing, std::vector<std::string>{"y"});
}

// Input normalization (x - mean) / std takes the input's range mapped through the ops, not a
// threshold of its own: [-1, 1] - 0.25 = [-1.25, 0.75], / 0.5 -> amax 2.5 (its own values reach
// only |(1 - 0.25) / 0.5| = 1.5).
TEST(Calibrate, NormalizedInputsInheritTheInputRange) {
  auto net = std::make_unique<Network>();
  Tensor* x = net->add_input("x", DataType::kFloat, Dims{Dims::kDynamic, kWidth}).value();
  Tensor* mean = net->add_constant("mean", Weights::from_vector(DataType::kFloat, Dims{},
                                                                std::vector<float>{0.25f}))
                     .value();
  Tensor* stdev = net->add_constant("std", Weights::from_vector(DataType::kFloat, Dims{},
                                                                std::vector<float>{0.5f}))
                      .value();
  Tensor* centered =
      net->add_layer(OpType::kSub, "sub", {x, mean}, NoAttrs{}, {"centered"}).value()->output(0);
  Tensor* scaled = net->add_layer(OpType::kDiv, "div", {centered, stdev}, NoAttrs{}, {"scaled"})
                       .value()
                       ->output(0);
  Tensor* y = net->add_layer(OpType::kRelu, "relu", {scaled}, NoAttrs{}, {"y"}).value()->output(0);
  ASSERT_TRUE(net->mark_output(y).is_ok());
  std::vector<std::vector<float>> batches(2, std::vector<float>(kBatch * kWidth));
  for (size_t b = 0; b < batches.size(); ++b) {
    for (size_t i = 0; i < batches[b].size(); ++i) {
      batches[b][i] = static_cast<float>((i + b) % 5) / 4.0f;  // 0, 0.25, ..., 1
    }
  }
  MemoryCalibrator calibrator(CalibrationAlgorithm::kMinMax, kBatch, batches);
  Builder builder;
  BuilderConfig config;
  config.set_int8_calibrator(&calibrator);
  auto report = builder.calibrate(*net, config);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_EQ(find(*report, "x")->amax, 1.0f);
  EXPECT_EQ(find(*report, "centered")->amax, 1.25f);
  EXPECT_EQ(find(*report, "scaled")->amax, 2.5f);
  EXPECT_EQ(find(*report, "y")->amax, 1.5f);  // past the affine chain: its own histogram
}

TEST(Calibrate, ErrorsInGetBatchStopCalibration) {
  MemoryCalibrator calibrator(CalibrationAlgorithm::kEntropy2, kBatch, random_batches(3, 1.0f, 7));
  calibrator.fail_at(1);
  Builder builder;
  BuilderConfig config;
  config.set_int8_calibrator(&calibrator);
  auto report = builder.calibrate(*relu_network(), config);
  ASSERT_FALSE(report.is_ok());
  EXPECT_NE(report.status().message().find("camera unplugged"), std::string::npos);
  EXPECT_NE(report.status().message().find("batch 1"), std::string::npos);
  EXPECT_EQ(calibrator.writes, 0);  // no cache from a failed calibration
}

TEST(Calibrate, EmptyCalibrationSetIsAnError) {
  MemoryCalibrator calibrator(CalibrationAlgorithm::kEntropy2, kBatch, {});
  Builder builder;
  BuilderConfig config;
  config.set_int8_calibrator(&calibrator);
  auto report = builder.calibrate(*relu_network(), config);
  ASSERT_FALSE(report.is_ok());
  EXPECT_NE(report.status().message().find("no batches"), std::string::npos);
}

TEST(Calibrate, NonFiniteValuesAreCountedAndLeftOut) {
  auto batches = random_batches(2, 1.0f, 8);
  batches[1][3] = NAN;
  batches[1][5] = INFINITY;
  float x_max = 0;
  for (const auto& b : batches) {
    for (float v : b) {
      if (std::isfinite(v)) x_max = std::max(x_max, std::fabs(v));
    }
  }
  MemoryCalibrator calibrator(CalibrationAlgorithm::kMinMax, kBatch, batches);
  RecordingLogger log;
  Builder builder(log);
  BuilderConfig config;
  config.set_int8_calibrator(&calibrator);
  auto report = builder.calibrate(*relu_network(), config);
  ASSERT_TRUE(report.is_ok());
  const TensorRangeInfo* x = find(*report, "x");
  EXPECT_EQ(x->amax, x_max);
  EXPECT_EQ(x->nan_count, 1u);
  EXPECT_EQ(x->inf_count, 1u);
  EXPECT_NE(log.text.find("tensor \"x\": 1 NaN and 1 infinite"), std::string::npos) << log.text;
}

TEST(Calibrate, RejectsBadParameters) {
  class BadPercentile : public MemoryCalibrator {
   public:
    BadPercentile() : MemoryCalibrator(CalibrationAlgorithm::kPercentile, kBatch, {}) {}
    double percentile() const override { return 120.0; }
  } calibrator;
  Builder builder;
  BuilderConfig config;
  config.set_int8_calibrator(&calibrator);
  auto report = builder.calibrate(*relu_network(), config);
  ASSERT_FALSE(report.is_ok());
  EXPECT_NE(report.status().message().find("120"), std::string::npos);
}

}  // namespace
}  // namespace int8rt
