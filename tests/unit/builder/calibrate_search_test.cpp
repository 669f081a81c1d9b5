#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "int8rt/builder.h"
#include "unit/builder/calibration_testing.h"

namespace int8rt {
namespace {

using testing::MemoryCalibrator;
using testing::RecordingLogger;

constexpr int64_t kBatch = 32, kIn = 16, kOut = 4;
constexpr uint32_t kSeed = 21;

// x [N, 16] -> Relu -> r -> MatMul(W [16, 4]) -> y. The MatMul runs INT8 and reads r.
std::unique_ptr<Network> relu_matmul_network(const std::vector<float>& w) {
  auto net = std::make_unique<Network>();
  Tensor* x = net->add_input("x", DataType::kFloat, Dims{Dims::kDynamic, kIn}).value();
  Tensor* r = net->add_layer(OpType::kRelu, "relu", {x}, NoAttrs{}, {"r"}).value()->output(0);
  Tensor* weights =
      net->add_constant("w", Weights::from_vector(DataType::kFloat, Dims{kIn, kOut}, w)).value();
  Tensor* y =
      net->add_layer(OpType::kMatMul, "matmul", {r, weights}, NoAttrs{}, {"y"}).value()->output(0);
  EXPECT_TRUE(net->mark_output(y).is_ok());
  return net;
}

std::vector<float> random_weights() {
  std::mt19937 rng(kSeed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> w(kIn * kOut);
  for (float& v : w)
    v = dist(rng);
  return w;
}

// Uniform [-1, 1] data, and one outlier of 50 in batch 20 (past the batches the search keeps):
// MinMax spends the INT8 range on it, and every other value of r rounds to one of 0 ... 3.
std::vector<std::vector<float>> outlier_batches() {
  std::mt19937 rng(kSeed + 1);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<std::vector<float>> batches(24, std::vector<float>(kBatch * kIn));
  for (auto& b : batches) {
    for (float& v : b)
      v = dist(rng);
  }
  batches[20][3] = 50.0f;
  return batches;
}

float fake_quant(float x, float amax) {
  const float s = amax / 127.0f;
  return std::clamp(std::nearbyint(x / s), -127.0f, 127.0f) * s;
}

// cos(MatMul with per-column fake-quantized W on r fake-quantized at amax, float MatMul) over the
// given batches, computed naively.
double naive_cosine(const std::vector<std::vector<float>>& batches, const std::vector<float>& w,
                    float amax) {
  std::vector<float> wq(w.size());
  for (int64_t j = 0; j < kOut; ++j) {
    float m = 0.0f;
    for (int64_t k = 0; k < kIn; ++k)
      m = std::max(m, std::fabs(w[static_cast<size_t>(k * kOut + j)]));
    for (int64_t k = 0; k < kIn; ++k)
      wq[static_cast<size_t>(k * kOut + j)] = fake_quant(w[static_cast<size_t>(k * kOut + j)], m);
  }
  double dot = 0.0, na = 0.0, nb = 0.0;
  for (const auto& b : batches) {
    for (int64_t n = 0; n < kBatch; ++n) {
      for (int64_t j = 0; j < kOut; ++j) {
        double q = 0.0, f = 0.0;
        for (int64_t k = 0; k < kIn; ++k) {
          const float r = std::max(0.0f, b[static_cast<size_t>(n * kIn + k)]);
          f += static_cast<double>(r) * w[static_cast<size_t>(k * kOut + j)];
          q += static_cast<double>(fake_quant(r, amax)) * wq[static_cast<size_t>(k * kOut + j)];
        }
        dot += q * f, na += q * q, nb += f * f;
      }
    }
  }
  return na == 0.0 ? 0.0 : dot / std::sqrt(na * nb);
}

float range_of(const CalibrationReport& report, std::string_view name) {
  for (const auto& t : report.tensors) {
    if (t.name == name) return t.amax;
  }
  ADD_FAILURE() << "no range for \"" << name << "\"";
  return 0.0f;
}

TEST(PerTensorThresholds, FixAnOutlierThatMinMaxClipsNothingFor) {
  const std::vector<float> w = random_weights();
  const auto batches = outlier_batches();
  RecordingLogger logger;
  Builder builder(logger);

  MemoryCalibrator plain(CalibrationAlgorithm::kMinMax, kBatch, batches);
  BuilderConfig config;
  config.set_int8_calibrator(&plain);
  auto minmax = builder.calibrate(*relu_matmul_network(w), config);
  ASSERT_TRUE(minmax.is_ok()) << minmax.status().to_string();
  EXPECT_EQ(range_of(*minmax, "r"), 50.0f);

  MemoryCalibrator searched(CalibrationAlgorithm::kMinMax, kBatch, batches);
  config.set_int8_calibrator(&searched);
  config.set_threshold_search(ThresholdSearch::kPerTensor);
  auto chosen = builder.calibrate(*relu_matmul_network(w), config);
  ASSERT_TRUE(chosen.is_ok()) << chosen.status().to_string();
  const float amax = range_of(*chosen, "r");
  SCOPED_TRACE("seed " + std::to_string(kSeed) + ", chosen amax " + std::to_string(amax));
  EXPECT_LT(amax, 2.0f) << logger.text;
  EXPECT_GT(chosen->threshold_search_seconds, 0.0);
  // r is the only tensor an INT8 layer reads; x feeds the float32 Relu and keeps MinMax.
  EXPECT_EQ(range_of(*chosen, "x"), 50.0f);
  EXPECT_NE(logger.text.find("tensor \"r\": threshold"), std::string::npos) << logger.text;
  EXPECT_EQ(logger.text.find("tensor \"x\": threshold"), std::string::npos) << logger.text;

  // Judged independently on the kept batches (64 samples = the first 2 batches of 32), the
  // chosen threshold is far better than MinMax's.
  const std::vector<std::vector<float>> kept(batches.begin(), batches.begin() + 2);
  const double at_chosen = naive_cosine(kept, w, amax);
  const double at_minmax = naive_cosine(kept, w, 50.0f);
  EXPECT_GT(at_chosen, 0.9999);
  EXPECT_LT(at_minmax, 0.98);
  // The scores the search logged are these cosines (6 significant digits in the log).
  const size_t at = logger.text.find("tensor \"r\": threshold");
  ASSERT_NE(at, std::string::npos) << logger.text;
  const size_t first = logger.text.find("cosine ", at) + 7;
  const size_t second = logger.text.find("cosine ", first) + 7;
  EXPECT_NEAR(std::stod(logger.text.substr(first, 12)), at_chosen, 2e-6) << logger.text;
  EXPECT_NEAR(std::stod(logger.text.substr(second, 12)), at_minmax, 2e-6) << logger.text;

  // The cache keeps MinMax's header and lists the chosen value; the option is in the fingerprint.
  EXPECT_EQ(searched.cache.substr(0, searched.cache.find('\n')), "TRT-8601-MinMaxCalibration");
  char line[64];
  float scale = amax / 127.0f;
  uint32_t bits = 0;
  std::memcpy(&bits, &scale, sizeof bits);
  std::snprintf(line, sizeof line, "\nr: %08x\n", bits);
  EXPECT_NE(searched.cache.find(line), std::string::npos) << searched.cache;
  EXPECT_NE(searched.fingerprint.find("thresholds: per-tensor"), std::string::npos);
  EXPECT_EQ(plain.fingerprint.find("thresholds"), std::string::npos);

  // The INT8 engines: on held-out data the per-tensor engine tracks float32, MinMax's does not.
  std::mt19937 rng(kSeed + 2);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> input(kBatch * kIn);
  for (float& v : input)
    v = dist(rng);
  auto run = [&](MemoryCalibrator& calibrator, ThresholdSearch search, bool int8) {
    calibrator.rewind();
    BuilderConfig c;
    if (int8) c.set_flag(BuilderFlag::kInt8);
    c.set_int8_calibrator(&calibrator);
    c.set_threshold_search(search);
    c.set_input_shape("x", Dims{kBatch, kIn});
    auto engine = builder.build(*relu_matmul_network(w), c);
    EXPECT_TRUE(engine.is_ok()) << engine.status().to_string();
    std::vector<float> out(kBatch * kOut);
    const void* in_ptr = input.data();
    void* out_ptr = out.data();
    auto context = (*engine)->create_execution_context();
    EXPECT_TRUE(
        context
            ->execute(std::span<const void* const>(&in_ptr, 1), std::span<void* const>(&out_ptr, 1))
            .is_ok());
    return out;
  };
  const auto reference = run(plain, ThresholdSearch::kCalibrator, false);
  const auto with_minmax = run(plain, ThresholdSearch::kCalibrator, true);
  const auto with_choice = run(searched, ThresholdSearch::kPerTensor, true);
  double err_minmax = 0.0, err_choice = 0.0, norm = 0.0;
  for (size_t i = 0; i < reference.size(); ++i) {
    err_minmax += std::pow(with_minmax[i] - reference[i], 2.0);
    err_choice += std::pow(with_choice[i] - reference[i], 2.0);
    norm += std::pow(reference[i], 2.0);
  }
  EXPECT_LT(err_choice, 0.001 * norm);
  EXPECT_GT(err_minmax, 0.05 * norm);
}

// x [N, 1, 8, 8] -> conv1 -> c1 -> Relu -> r1 -> MaxPool 2x2 -> p1 -> conv2 -> y. After fusion,
// conv1+relu writes r1 and the INT8 MaxPool gives p1 r1's range: r1 is chosen for at conv2.
std::unique_ptr<Network> conv_pool_conv_network() {
  std::mt19937 rng(kSeed + 3);
  std::uniform_real_distribution<float> dist(-0.5f, 0.5f);
  auto weights = [&](Dims dims) {
    std::vector<float> w(static_cast<size_t>(dims.volume()));
    for (float& v : w)
      v = dist(rng);
    return Weights::from_vector(DataType::kFloat, dims, w);
  };
  auto net = std::make_unique<Network>();
  Tensor* x = net->add_input("x", DataType::kFloat, Dims{Dims::kDynamic, 1, 8, 8}).value();
  Tensor* w1 = net->add_constant("w1", weights(Dims{4, 1, 3, 3})).value();
  Tensor* w2 = net->add_constant("w2", weights(Dims{3, 4, 3, 3})).value();
  ConvAttrs conv;
  conv.kernel_shape = {3, 3};
  conv.pads = {1, 1, 1, 1};
  Tensor* c1 = net->add_layer(OpType::kConv, "conv1", {x, w1}, conv, {"c1"}).value()->output(0);
  Tensor* r1 = net->add_layer(OpType::kRelu, "relu1", {c1}, NoAttrs{}, {"r1"}).value()->output(0);
  PoolAttrs pool;
  pool.kernel_shape = {2, 2};
  pool.strides = {2, 2};
  Tensor* p1 = net->add_layer(OpType::kMaxPool, "pool1", {r1}, pool, {"p1"}).value()->output(0);
  Tensor* y = net->add_layer(OpType::kConv, "conv2", {p1, w2}, conv, {"y"}).value()->output(0);
  EXPECT_TRUE(net->mark_output(y).is_ok());
  return net;
}

TEST(PerTensorThresholds, ChoosesForTheSourceOfADataMovementChain) {
  std::mt19937 rng(kSeed + 4);
  std::exponential_distribution<float> dist(1.0f);
  std::vector<std::vector<float>> batches(6, std::vector<float>(8 * 64));
  for (auto& b : batches) {
    for (float& v : b)
      v = dist(rng);
  }
  for (CalibrationAlgorithm algorithm :
       {CalibrationAlgorithm::kEntropy2, CalibrationAlgorithm::kEntropy}) {
    SCOPED_TRACE(std::string(to_string(algorithm)) + ", batch 8, exponential data, seed " +
                 std::to_string(kSeed + 4));
    RecordingLogger logger;
    MemoryCalibrator calibrator(algorithm, 8, batches);
    BuilderConfig config;
    config.set_int8_calibrator(&calibrator);
    config.set_threshold_search(ThresholdSearch::kPerTensor);
    auto report = Builder(logger).calibrate(*conv_pool_conv_network(), config);
    ASSERT_TRUE(report.is_ok()) << report.status().to_string();
    const size_t r1 = logger.text.find("tensor \"r1\": threshold");
    ASSERT_NE(r1, std::string::npos) << logger.text;
    EXPECT_NE(logger.text.find("consuming layer \"conv2\"", r1), std::string::npos) << logger.text;
    EXPECT_NE(logger.text.find("tensor \"x\": threshold"), std::string::npos) << logger.text;
    EXPECT_EQ(logger.text.find("tensor \"p1\": threshold"), std::string::npos) << logger.text;
    EXPECT_EQ(logger.text.find("tensor \"c1\": threshold"), std::string::npos) << logger.text;
    EXPECT_NE(logger.text.find("per-tensor thresholds: 2 tensors searched"), std::string::npos)
        << logger.text;
  }
}

TEST(PerTensorThresholds, ACacheWrittenWithoutTheOptionIsStaleWithIt) {
  const std::vector<float> w = random_weights();
  RecordingLogger logger;
  Builder builder(logger);
  MemoryCalibrator calibrator(CalibrationAlgorithm::kEntropy2, kBatch, outlier_batches());
  BuilderConfig config;
  config.set_int8_calibrator(&calibrator);
  ASSERT_TRUE(builder.calibrate(*relu_matmul_network(w), config).is_ok());
  ASSERT_EQ(calibrator.writes, 1);
  calibrator.rewind();
  config.set_threshold_search(ThresholdSearch::kPerTensor);
  auto with = builder.calibrate(*relu_matmul_network(w), config);
  ASSERT_TRUE(with.is_ok()) << with.status().to_string();
  EXPECT_FALSE(with->from_cache);
  EXPECT_EQ(calibrator.writes, 2);
  EXPECT_NE(logger.text.find("changed since it was written: thresholds"), std::string::npos)
      << logger.text;
  // ... and the other way round.
  calibrator.rewind();
  config.set_threshold_search(ThresholdSearch::kCalibrator);
  auto without = builder.calibrate(*relu_matmul_network(w), config);
  ASSERT_TRUE(without.is_ok()) << without.status().to_string();
  EXPECT_FALSE(without->from_cache);
  EXPECT_EQ(calibrator.writes, 3);
  // Same setting twice: the cache is used.
  calibrator.rewind();
  auto again = builder.calibrate(*relu_matmul_network(w), config);
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_TRUE(again->from_cache);
}

TEST(PerTensorThresholds, AnalysisReportsTheChosenRange) {
  const std::vector<float> w = random_weights();
  MemoryCalibrator calibrator(CalibrationAlgorithm::kMinMax, kBatch, outlier_batches());
  BuilderConfig config;
  config.set_int8_calibrator(&calibrator);
  config.set_threshold_search(ThresholdSearch::kPerTensor);
  Builder builder;
  auto report = builder.calibrate(*relu_matmul_network(w), config);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  calibrator.rewind();
  auto analysis = builder.analyze_calibration(*relu_matmul_network(w), config);
  ASSERT_TRUE(analysis.is_ok()) << analysis.status().to_string();
  ASSERT_EQ(analysis->tensors.size(), 3u);  // x, r, y
  for (const TensorHistogram& h : analysis->tensors)
    EXPECT_EQ(h.amax, range_of(*report, h.name)) << h.name;
  EXPECT_LT(range_of(*report, "r"), 2.0f);  // chosen, not MinMax's 50
}

}  // namespace
}  // namespace int8rt
