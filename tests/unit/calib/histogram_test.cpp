#include "calib/histogram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
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
