#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "int8rt/builder.h"
#include "unit/builder/calibration_testing.h"

namespace int8rt {
namespace {

using testing::MemoryCalibrator;
using testing::RecordingLogger;

constexpr int64_t kBatch = 4, kWidth = 16;

// x [N, 16] -> Sub(0.25) -> Div(0.5) -> Relu -> y: "scaled" is affine in the input.
std::unique_ptr<Network> normalized_relu_network() {
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
  EXPECT_TRUE(net->mark_output(y).is_ok());
  return net;
}

std::vector<std::vector<float>> normal_batches(int count, float sigma, uint32_t seed) {
  return testing::normal_batches(count, kBatch * kWidth, sigma, seed);
}

const TensorHistogram* find(const CalibrationAnalysis& analysis, std::string_view name) {
  return testing::find_named(analysis.tensors, name);
}

float candidate(const TensorHistogram& h, CalibrationAlgorithm algorithm) {
  for (const auto& c : h.thresholds) {
    if (c.algorithm == algorithm) return c.amax;
  }
  ADD_FAILURE() << "no " << to_string(algorithm) << " threshold for \"" << h.name << "\"";
  return -1.0f;
}

TEST(AnalyzeCalibration, HistogramAndSimpleThresholdsOfAKnownDistribution) {
  // Per batch: 48 values at ±0.25 (|x| in bin 512 of width 1/2048), 8 at 0.75 (bin 1536), 4 at
  // -1.0 (R = 1, so the last bin), 4 zeros. Percentile 50 lands in the 0.25 bin: its upper edge.
  std::vector<float> batch;
  for (int i = 0; i < 48; ++i)
    batch.push_back(i % 2 ? 0.25f : -0.25f);
  for (int i = 0; i < 8; ++i)
    batch.push_back(0.75f);
  for (int i = 0; i < 4; ++i)
    batch.push_back(-1.0f);
  for (int i = 0; i < 4; ++i)
    batch.push_back(0.0f);
  ASSERT_EQ(batch.size(), static_cast<size_t>(kBatch * kWidth));
  MemoryCalibrator calibrator(CalibrationAlgorithm::kMinMax, kBatch, {batch, batch, batch}, 50.0);
  BuilderConfig config;
  config.set_int8_calibrator(&calibrator);
  Builder builder;
  auto analysis = builder.analyze_calibration(*normalized_relu_network(), config);
  ASSERT_TRUE(analysis.is_ok()) << analysis.status().to_string();
  EXPECT_EQ(analysis->algorithm, CalibrationAlgorithm::kMinMax);
  EXPECT_EQ(analysis->batches, 3);
  EXPECT_EQ(analysis->samples, 3 * kBatch);
  const TensorHistogram* x = find(*analysis, "x");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->bin_width, 1.0 / 2048);
  ASSERT_EQ(x->counts.size(), 2048u);  // the last bin holds the 1.0s
  EXPECT_EQ(x->counts[512], 3u * 48);
  EXPECT_EQ(x->counts[1536], 3u * 8);
  EXPECT_EQ(x->counts[2047], 3u * 4);
  uint64_t binned = 0;
  for (uint64_t c : x->counts)
    binned += c;
  EXPECT_EQ(binned, 3u * 60);
  EXPECT_EQ(x->zero_count, 3u * 4);
  EXPECT_EQ(x->max_abs, 1.0f);
  EXPECT_EQ(candidate(*x, CalibrationAlgorithm::kMinMax), 1.0f);
  EXPECT_EQ(candidate(*x, CalibrationAlgorithm::kPercentile), 513.0f / 2048);
  EXPECT_EQ(x->amax, 1.0f);  // the calibrator's algorithm: MinMax

  // y = relu((x - 0.25) / 0.5): values 0 (the -0.25s, ±0 rounding aside), 1.0 (the 0.75s), and
  // zeros elsewhere; its own histogram, not the input's.
  const TensorHistogram* y = find(*analysis, "y");
  ASSERT_NE(y, nullptr);
  EXPECT_EQ(y->max_abs, 1.0f);
  EXPECT_EQ(y->zero_count, 3u * (48 + 4 + 4));
  EXPECT_EQ(y->amax, 1.0f);
  // The normalized input takes the input's range through the ops: (1 + 0.25) / 0.5.
  const TensorHistogram* scaled = find(*analysis, "scaled");
  ASSERT_NE(scaled, nullptr);
  EXPECT_EQ(scaled->amax, 2.5f);
  EXPECT_EQ(candidate(*scaled, CalibrationAlgorithm::kMinMax), 2.5f);  // |(-1 - 0.25) / 0.5|
  // Network order.
  ASSERT_EQ(analysis->tensors.size(), 4u);
  EXPECT_EQ(analysis->tensors[0].name, "x");
  EXPECT_EQ(analysis->tensors[3].name, "y");
}

// D(i) for one candidate, bin by bin, exactly as docs/calibration.md words it.
double naive_divergence(const std::vector<uint64_t>& counts_in, int kept) {
  std::vector<double> counts(2048, 0.0);
  for (size_t b = 0; b < counts_in.size(); ++b)
    counts[b] = static_cast<double>(counts_in[b]);
  const auto n = static_cast<size_t>(kept);
  std::vector<double> p(counts.begin(), counts.begin() + static_cast<std::ptrdiff_t>(n));
  for (size_t b = n; b < counts.size(); ++b)
    p[n - 1] += counts[b];
  std::vector<double> q(n, 0.0);
  const size_t group = n / 128;
  for (size_t g = 0; g < 128; ++g) {
    const size_t begin = g * group, end = g == 127 ? n : begin + group;
    double mass = 0.0;
    int nonzero = 0;
    for (size_t b = begin; b < end; ++b) {
      mass += counts[b];
      nonzero += p[b] > 0.0;
    }
    for (size_t b = begin; b < end; ++b)
      q[b] = p[b] > 0.0 ? mass / nonzero : 0.0;
  }
  double p_sum = 0.0, q_sum = 0.0;
  for (size_t b = 0; b < n; ++b)
    p_sum += p[b], q_sum += q[b];
  double d = 0.0;
  for (size_t b = 0; b < n; ++b) {
    if (p[b] == 0.0) continue;
    if (q[b] == 0.0) return INFINITY;
    d += p[b] / p_sum * std::log((p[b] / p_sum) / (q[b] / q_sum));
  }
  return d;
}

TEST(AnalyzeCalibration, EntropyCurveMatchesItsDefinitionAndItsArgminIsTheThreshold) {
  // Normal data with a few far outliers, so the search clips well inside the range.
  auto batches = normal_batches(6, 1.0f, 11);
  batches[2][5] = 40.0f;
  batches[4][9] = -35.0f;
  MemoryCalibrator calibrator(CalibrationAlgorithm::kEntropy2, kBatch, batches);
  BuilderConfig config;
  config.set_int8_calibrator(&calibrator);
  auto analysis = Builder().analyze_calibration(*normalized_relu_network(), config);
  ASSERT_TRUE(analysis.is_ok()) << analysis.status().to_string();
  for (const TensorHistogram& h : analysis->tensors) {
    SCOPED_TRACE("tensor " + h.name + ", normal data sigma 1, seed 11");
    ASSERT_EQ(h.entropy_divergence.size(), 2048u - 128 + 1);
    ASSERT_EQ(h.entropy_amax.size(), h.entropy_divergence.size());
    size_t best = 0;
    for (size_t k = 0; k < h.entropy_divergence.size(); ++k) {
      if (h.entropy_divergence[k] < h.entropy_divergence[best]) best = k;
    }
    EXPECT_EQ(h.entropy_amax[best], candidate(h, CalibrationAlgorithm::kEntropy2));
    EXPECT_FLOAT_EQ(h.entropy_amax[0], static_cast<float>(128.5 * h.bin_width));
    for (int kept : {128, 129, 300, 1000, 1777, 2048}) {
      const double expected = naive_divergence(h.counts, kept);
      const double got = h.entropy_divergence[static_cast<size_t>(kept - 128)];
      if (std::isinf(expected)) {
        EXPECT_TRUE(std::isinf(got)) << "kept " << kept;
      } else {
        EXPECT_NEAR(got, expected, 1e-9 + 1e-7 * std::fabs(expected)) << "kept " << kept;
      }
    }
  }
  const TensorHistogram* x = find(*analysis, "x");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(candidate(*x, CalibrationAlgorithm::kMinMax), 40.0f);
  EXPECT_EQ(x->amax, candidate(*x, CalibrationAlgorithm::kEntropy2));
}

TEST(AnalyzeCalibration, AmaxIsWhatCalibrateGivesAndTheCacheIsLeftAlone) {
  for (CalibrationAlgorithm algorithm :
       {CalibrationAlgorithm::kEntropy2, CalibrationAlgorithm::kEntropy,
        CalibrationAlgorithm::kMinMax, CalibrationAlgorithm::kPercentile,
        CalibrationAlgorithm::kMse, CalibrationAlgorithm::kLegacy}) {
    SCOPED_TRACE(std::string("algorithm ") + std::string(to_string(algorithm)) + ", seed 5");
    auto batches = normal_batches(4, 2.0f, 5);
    MemoryCalibrator calibrator(algorithm, kBatch, batches);
    BuilderConfig config;
    config.set_int8_calibrator(&calibrator);
    Builder builder;
    auto report = builder.calibrate(*normalized_relu_network(), config);
    ASSERT_TRUE(report.is_ok()) << report.status().to_string();
    ASSERT_EQ(calibrator.writes, 1);
    // A usable cache is there now; the analysis still runs the batches and writes nothing.
    calibrator.rewind();
    auto analysis = builder.analyze_calibration(*normalized_relu_network(), config);
    ASSERT_TRUE(analysis.is_ok()) << analysis.status().to_string();
    EXPECT_EQ(calibrator.writes, 1);
    EXPECT_EQ(analysis->batches, 4);
    ASSERT_EQ(analysis->tensors.size(), report->tensors.size());
    for (size_t i = 0; i < report->tensors.size(); ++i) {
      EXPECT_EQ(analysis->tensors[i].name, report->tensors[i].name);
      EXPECT_EQ(analysis->tensors[i].amax, report->tensors[i].amax) << report->tensors[i].name;
    }
  }
}

TEST(AnalyzeCalibration, ManualRangesWinAndACalibratorIsNeeded) {
  auto net = normalized_relu_network();
  ASSERT_TRUE(net->find_tensor("y")->set_dynamic_range(-100.0f, 100.0f).is_ok());
  MemoryCalibrator calibrator(CalibrationAlgorithm::kMinMax, kBatch, normal_batches(2, 1.0f, 3));
  BuilderConfig config;
  Builder builder;
  auto missing = builder.analyze_calibration(*net, config);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("calibrator"), std::string::npos)
      << missing.status().to_string();
  config.set_int8_calibrator(&calibrator);
  auto analysis = builder.analyze_calibration(*net, config);
  ASSERT_TRUE(analysis.is_ok()) << analysis.status().to_string();
  ASSERT_NE(find(*analysis, "y"), nullptr);
  EXPECT_EQ(find(*analysis, "y")->amax, 100.0f);
  EXPECT_LT(find(*analysis, "y")->max_abs, 100.0f);
}

}  // namespace
}  // namespace int8rt
