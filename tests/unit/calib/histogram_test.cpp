#include "calib/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace int8rt::calib {
namespace {

std::vector<float> gaussian(size_t n, float sigma, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, sigma);
  std::vector<float> v(n);
  for (float& x : v)
    x = dist(rng);
  return v;
}

TEST(Histogram, RangeIsTheNextPowerOfTwo) {
  EXPECT_EQ(range_exponent(1.0), 0);
  EXPECT_EQ(range_exponent(0.75), 0);
  EXPECT_EQ(range_exponent(1.5), 1);
  EXPECT_EQ(range_exponent(2.0), 1);
  EXPECT_EQ(range_exponent(0.25), -2);
  EXPECT_EQ(range_exponent(0.2500001), -1);
}

TEST(Histogram, BinsByHand) {
  Histogram h;
  // Range 4 (amax 3): bin width 4/2048 = 1/512.
  std::vector<float> values = {0.0f, -0.0f, 1.0f / 512, -3.0f, 0.001f, 4.0f / 512 - 1e-6f};
  h.add(values);
  EXPECT_EQ(h.range(), 4.0);
  EXPECT_EQ(h.zero_count(), 2u);
  EXPECT_EQ(h.counts()[1], 1u);     // 1/512 sits on the lower edge of bin 1
  EXPECT_EQ(h.counts()[1536], 1u);  // |-3| = 1536/512
  EXPECT_EQ(h.counts()[0], 1u);     // 0.001 < 1/512
  EXPECT_EQ(h.counts()[3], 1u);
  EXPECT_EQ(h.finite_count(), 6u);
  EXPECT_FLOAT_EQ(h.amax(), 3.0f);
}

TEST(Histogram, ValueEqualToTheRangeLandsInTheLastBin) {
  Histogram h;
  std::vector<float> values = {1.0f, 0.5f};
  h.add(values);
  EXPECT_EQ(h.range(), 1.0);
  EXPECT_EQ(h.counts()[2047], 1u);
  EXPECT_EQ(h.counts()[1024], 1u);
}

TEST(Histogram, NonFiniteValuesAreCountedNotBinned) {
  Histogram h;
  std::vector<float> values = {NAN, INFINITY, -INFINITY, 2.0f};
  h.add(values);
  EXPECT_EQ(h.nan_count(), 1u);
  EXPECT_EQ(h.inf_count(), 2u);
  EXPECT_EQ(h.finite_count(), 1u);
  EXPECT_FLOAT_EQ(h.amax(), 2.0f);
}

TEST(Histogram, OnlyZerosLeavesItEmpty) {
  Histogram h;
  std::vector<float> zeros(100, 0.0f);
  h.add(zeros);
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.range(), 0.0);
  EXPECT_EQ(h.zero_count(), 100u);
}

// Growing the range batch after batch gives exactly the histogram of one pass over all the data,
// whatever the order of the batches.
// Every bin count against a naive count in long double (floor(|v| / w), the last bin for |v| = R),
// over ranges from 2^-130 (below float32's normal range: the scalar path) to 2^100, lengths that
// are not multiples of the SIMD width, and zeros, -0, denormals, NaN and Inf mixed in.
TEST(Histogram, EveryBinMatchesANaiveCount) {
  std::mt19937 rng(17);
  const float denormal = std::numeric_limits<float>::denorm_min() * 37;
  for (int exponent : {-130, -117, -116, -20, 0, 3, 40, 100}) {
    for (size_t n : {size_t{1}, size_t{7}, size_t{9}, size_t{4096 + 5}, size_t{10001}}) {
      const std::string config =
          "range 2^" + std::to_string(exponent) + ", " + std::to_string(n) + " values";
      std::uniform_real_distribution<double> unit(-1.0, 1.0);
      std::vector<float> values(n);
      for (float& v : values)
        v = static_cast<float>(std::ldexp(unit(rng), exponent));
      values[0] = static_cast<float>(std::ldexp(1.0, exponent));  // exactly R: the last bin
      if (n > 8) {
        values[1] = 0.0f;
        values[2] = -0.0f;
        values[3] = std::numeric_limits<float>::quiet_NaN();
        values[4] = -std::numeric_limits<float>::infinity();
        values[5] = denormal;
        values[n - 1] = std::numeric_limits<float>::infinity();
      }
      Histogram h;
      h.add(values);
      ASSERT_EQ(h.exponent(), exponent) << config;
      std::vector<uint64_t> expected(Histogram::kBins, 0);
      uint64_t zeros = 0, nans = 0, infs = 0;
      for (float v : values) {
        if (std::isnan(v)) {
          ++nans;
        } else if (std::isinf(v)) {
          ++infs;
        } else if (v == 0.0f) {
          ++zeros;
        } else {
          const long double bin =
              std::floor(std::fabs(static_cast<long double>(v)) / std::ldexp(1.0L, exponent - 11));
          ++expected[static_cast<size_t>(std::min<long double>(bin, Histogram::kBins - 1))];
        }
      }
      EXPECT_EQ(h.zero_count(), zeros) << config;
      EXPECT_EQ(h.nan_count(), nans) << config;
      EXPECT_EQ(h.inf_count(), infs) << config;
      for (int b = 0; b < Histogram::kBins; ++b) {
        ASSERT_EQ(h.counts()[static_cast<size_t>(b)], expected[static_cast<size_t>(b)])
            << config << ", bin " << b;
      }
    }
  }
}

TEST(Histogram, GrowthAcrossBatchesEqualsOnePass) {
  std::vector<std::vector<float>> batches;
  for (uint32_t i = 0; i < 6; ++i)
    batches.push_back(gaussian(5000, 0.01f * std::pow(4.0f, i), i));
  Histogram one_pass, grown, reversed;
  std::vector<float> all;
  for (const auto& b : batches)
    all.insert(all.end(), b.begin(), b.end());
  one_pass.add(all);
  for (const auto& b : batches)
    grown.add(b);
  for (auto it = batches.rbegin(); it != batches.rend(); ++it)
    reversed.add(*it);
  EXPECT_EQ(grown.range(), one_pass.range());
  EXPECT_EQ(grown.counts(), one_pass.counts());
  EXPECT_EQ(reversed.counts(), one_pass.counts());
  EXPECT_EQ(grown.amax(), one_pass.amax());
}

TEST(Histogram, ShardsMergeExactly) {
  auto a = gaussian(4000, 0.5f, 1), b = gaussian(3000, 7.0f, 2);
  Histogram ha, hb, all;
  ha.add(a);
  hb.add(b);
  all.add(a);
  all.add(b);
  Histogram merged = ha;
  merged.merge(hb);
  EXPECT_EQ(merged.counts(), all.counts());
  EXPECT_EQ(merged.range(), all.range());
  Histogram other_way = hb;
  other_way.merge(ha);
  EXPECT_EQ(other_way.counts(), all.counts());
  Histogram empty;
  empty.merge(ha);
  EXPECT_EQ(empty.counts(), ha.counts());
}

}  // namespace
}  // namespace int8rt::calib
