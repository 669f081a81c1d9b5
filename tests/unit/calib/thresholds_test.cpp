#include "calib/thresholds.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

namespace int8rt::calib {
namespace {

uint32_t bits_of_scale(float amax) {
  float scale = amax / 127.0f;
  uint32_t bits;
  std::memcpy(&bits, &scale, sizeof bits);
  return bits;
}

Histogram histogram_of(const std::vector<float>& values) {
  Histogram h;
  h.add(values);
  return h;
}

std::vector<float> uniform01(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v)
    x = dist(rng);
  v[0] = 1.0f;  // max exactly 1, as in TensorRT's MNIST input
  return v;
}

// A Laplace(0, b) sample with a few far outliers at ±`outlier`.
std::vector<float> laplace_with_outliers(size_t n, float b, float outlier, uint32_t seed) {
  std::mt19937 rng(seed);
  std::exponential_distribution<float> exp(1.0f / b);
  std::bernoulli_distribution sign(0.5);
  std::vector<float> v(n);
  for (float& x : v)
    x = sign(rng) ? exp(rng) : -exp(rng);
  for (size_t i = 0; i < 5; ++i)
    v[i * 97] = (i % 2 ? -1.0f : 1.0f) * outlier;
  return v;
}

// The sum of squared fake-quantization errors on the raw values, computed independently of the
// histogram, for judging MSE thresholds.
double raw_quant_error(const std::vector<float>& values, double amax) {
  double s = amax / 127.0, error = 0.0;
  for (float v : values) {
    double q = std::clamp(std::nearbyint(v / s), -127.0, 127.0) * s;
    error += (q - v) * (q - v);
  }
  return error;
}

// KL(P || Q) for one candidate, bin by bin, straight from the definition in thresholds.h: the
// oracle for the library's prefix-sum evaluation.
double naive_divergence(const Histogram& h, int kept) {
  const auto& c = h.counts();
  const auto n = static_cast<size_t>(kept);
  std::vector<double> p(c.begin(), c.begin() + kept), q(n, 0.0);
  for (size_t b = n; b < c.size(); ++b)
    p[n - 1] += static_cast<double>(c[b]);
  const size_t group = n / 128;
  for (size_t level = 0; level < 128; ++level) {
    const size_t begin = level * group, end = level == 127 ? n : begin + group;
    double mass = 0.0, nonzero = 0.0;
    for (size_t b = begin; b < end; ++b) {
      mass += static_cast<double>(c[b]);
      nonzero += p[b] > 0.0 ? 1.0 : 0.0;
    }
    for (size_t b = begin; b < end; ++b)
      q[b] = p[b] > 0.0 ? mass / nonzero : 0.0;
  }
  double p_sum = 0.0, q_sum = 0.0, kl = 0.0;
  for (size_t b = 0; b < n; ++b)
    p_sum += p[b], q_sum += q[b];
  for (size_t b = 0; b < n; ++b) {
    if (p[b] == 0.0) continue;
    if (q[b] == 0.0) return INFINITY;
    kl += p[b] / p_sum * std::log((p[b] / p_sum) / (q[b] / q_sum));
  }
  return kl;
}

TEST(Thresholds, EntropySearchMatchesTheDefinitionBinByBin) {
  std::mt19937 rng(21);
  for (int trial = 0; trial < 12; ++trial) {
    std::vector<float> values;
    std::exponential_distribution<float> exp(1.0f + trial);
    std::uniform_int_distribution<int> gap(1, 1 + trial % 4);
    for (int i = 0; i < 20000; ++i)
      values.push_back(exp(rng));
    // Sparse patterns and far outliers, so that empty groups and folded-only bins occur.
    for (int i = 0; i < 50 * trial; ++i)
      values.push_back(static_cast<float>(gap(rng)) * 0.37f);
    values.push_back(40.0f + trial);
    Histogram h = histogram_of(values);
    EntropySearch search = entropy_search(h);
    double best = INFINITY;
    for (int kept = 128; kept <= 2048; ++kept) {
      const double expected = naive_divergence(h, kept);
      const double got = search.divergence[static_cast<size_t>(kept - 128)];
      best = std::min(best, expected);
      if (std::isinf(expected)) {
        ASSERT_TRUE(std::isinf(got)) << "trial " << trial << ", i = " << kept;
      } else {
        ASSERT_NEAR(got, expected, 1e-9 + 1e-9 * expected) << "trial " << trial << ", i = " << kept;
      }
    }
    EXPECT_NEAR(search.divergence[static_cast<size_t>(search.bins_kept - 128)], best, 1e-9)
        << "trial " << trial;
  }
}

TEST(Thresholds, MinMaxIsTheLargestMagnitude) {
  auto values = laplace_with_outliers(20000, 1.0f, 40.0f, 3);
  float expected = 0.0f;
  for (float v : values)
    expected = std::max(expected, std::fabs(v));
  EXPECT_EQ(threshold_minmax(histogram_of(values)), expected);
}

// TensorRT's published MNIST cache: an output in [0, 1] got scale bits 0x3c010a14, which is
// ((2048 + 0.5) / 2048) / 127: the search includes i = 2048, and amax = (i + 0.5) · bin width.
TEST(Thresholds, EntropyOfUniformKeepsEverythingLikeTensorRT) {
  Histogram h = histogram_of(uniform01(200000, 11));
  EntropySearch search = entropy_search(h);
  EXPECT_EQ(search.bins_kept, 2048);
  EXPECT_EQ(bits_of_scale(search.amax), 0x3c010a14u) << search.amax;
  EXPECT_EQ(search.divergence.size(), static_cast<size_t>(2048 - 128 + 1));
}

// The other published line: i = 2040 gives scale bits 0x3c008912.
TEST(Thresholds, EntropyThresholdFormulaMatchesTensorRTInputLine) {
  EXPECT_EQ(bits_of_scale(static_cast<float>((2040 + 0.5) / 2048.0)), 0x3c008912u);
}

TEST(Thresholds, OutliersAreClippedByEntropyAndPercentileNotMinMax) {
  auto values = laplace_with_outliers(200000, 1.0f, 60.0f, 5);
  Histogram h = histogram_of(values);
  const float minmax = threshold_minmax(h);
  const float entropy = threshold_entropy(h);
  const float percentile = threshold_percentile(h, 99.99);
  const float mse = threshold_mse(h);
  EXPECT_EQ(minmax, 60.0f);
  // Laplace(1): P(|x| > t) = e^-t, so 99.99% of the mass lies below ln(1e4) = 9.2.
  EXPECT_LT(entropy, 30.0f);
  EXPECT_GT(entropy, 4.0f);
  EXPECT_NEAR(percentile, std::log(1e4), 1.0);
  // MSE weighs squared error: clipping the five outliers at 60 to ~10 would cost 5·50² = 12,500,
  // more than the rounding error a wide range costs the bulk, so MSE is not expected to clip here.
  // Its choice is close to the best over a fine grid of thresholds, judged on the raw values.
  double best = INFINITY;
  for (double t = 1.0; t <= 60.0; t += 0.1)
    best = std::min(best, raw_quant_error(values, t));
  EXPECT_LT(raw_quant_error(values, mse), best * 1.05);
}

TEST(Thresholds, AllZeroTensorGivesZero) {
  Histogram h = histogram_of(std::vector<float>(1000, 0.0f));
  EXPECT_EQ(threshold_minmax(h), 0.0f);
  EXPECT_EQ(threshold_entropy(h), 0.0f);
  EXPECT_EQ(threshold_percentile(h), 0.0f);
  EXPECT_EQ(threshold_mse(h), 0.0f);
  EXPECT_EQ(threshold_legacy(h), 0.0f);
}

TEST(Thresholds, SingleSpikeIsKept) {
  Histogram h = histogram_of(std::vector<float>(1000, -3.0f));  // range 4: bin width 1/512
  // 3.0 is the lower edge of bin 1536; entropy keeps 1537 bins: (1537 + 0.5) / 512.
  EXPECT_EQ(threshold_entropy(h), 1537.5f / 512);
  for (float amax :
       {threshold_percentile(h), threshold_mse(h), threshold_legacy(h), threshold_minmax(h)}) {
    EXPECT_NEAR(amax, 3.0f, 1.0 / 512 + 1e-6);
  }
}

TEST(Thresholds, PercentileAndLegacyAreQuantiles) {
  // 10,000 values 1..10000 (scaled): the 99% quantile is 9900 (scaled), zeros included.
  std::vector<float> values;
  for (int i = 1; i <= 9000; ++i)
    values.push_back(static_cast<float>(i) / 10000.0f);
  values.insert(values.end(), 1000, 0.0f);
  Histogram h = histogram_of(values);  // range 1: bin width 1/2048
  // 99% of 10,000 = 9,900 values: 1,000 zeros + the 8,900 smallest, up to 0.89.
  EXPECT_NEAR(threshold_percentile(h, 99.0), 0.89, 1.0 / 2048 + 1e-6);
  EXPECT_NEAR(threshold_legacy(h, 0.99, 1.0), 0.89, 1.0 / 2048 + 1e-6);
  EXPECT_NEAR(threshold_legacy(h, 0.99, 0.5), 0.445, 1.0 / 4096 + 1e-6);
  EXPECT_EQ(threshold_percentile(h, 100.0), 0.9f);
}

TEST(Thresholds, AreDeterministic) {
  auto values = laplace_with_outliers(50000, 0.3f, 9.0f, 8);
  Histogram a = histogram_of(values), b = histogram_of(values);
  EXPECT_EQ(threshold_entropy(a), threshold_entropy(b));
  EXPECT_EQ(threshold_mse(a), threshold_mse(b));
}

}  // namespace
}  // namespace int8rt::calib
