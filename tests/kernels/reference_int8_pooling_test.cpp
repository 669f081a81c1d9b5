// Reference INT8 MaxPool, AveragePool and GlobalAveragePool: hand-worked ties, padding,
// requantization and saturation, and random AveragePool configurations against an oracle.
#include <gtest/gtest.h>

#include <cmath>

#include "backends/reference/reference.h"
#include "kernels/reference_int8_test_util.h"

namespace int8rt {
namespace {

using compute_testing::RefLayer;
using int8_testing::expect_exact;
using int8_testing::int8_input;
using int8_testing::random_int8;
using int8_testing::rne_clamp;
using int8_testing::run_as_floats;
using int8_testing::set_int8_output;

PoolAttrs pool(std::vector<int64_t> kernel, std::vector<int64_t> strides,
               std::vector<int64_t> pads = {}, bool count_include_pad = false) {
  PoolAttrs a;
  a.kernel_shape = std::move(kernel);
  a.strides = std::move(strides);
  a.pads = std::move(pads);
  a.count_include_pad = count_include_pad;
  return a;
}

// Runs a one-input pooling layer on int8 data with input range amax_in; amax_out 0: float output.
std::vector<float> run_pool(OpType op, Dims dims, const std::vector<int8_t>& x, float amax_in,
                            float amax_out, Attrs attrs) {
  RefLayer t;
  Layer* layer = t.layer(op, {int8_input(t, std::move(dims), x, amax_in)}, std::move(attrs));
  set_int8_output(layer, amax_out);
  EXPECT_TRUE(reference::supports_int8(*layer));
  return run_as_floats(t);
}

TEST(ReferenceInt8Pool, MaxPoolKeepsOrRequantizes) {
  const std::vector<int8_t> x = {-127, -5, 3, 7, -100, -6, 2, 9};
  const PoolAttrs p = pool({2, 2}, {2, 2});
  expect_exact(run_pool(OpType::kMaxPool, {1, 1, 2, 4}, x, 127.0f, 127.0f, p), {-5, 9}, "same");
  // Output scale 2: -5 * 0.5 = -2.5 -> -2, 9 * 0.5 = 4.5 -> 4.
  expect_exact(run_pool(OpType::kMaxPool, {1, 1, 2, 4}, x, 127.0f, 254.0f, p), {-2, 4}, "ratio");
  expect_exact(run_pool(OpType::kMaxPool, {1, 1, 2, 4}, x, 63.5f, 0.0f, p), {-2.5f, 4.5f}, "float");
  // Padding never wins, even over -127.
  expect_exact(run_pool(OpType::kMaxPool, {1, 1, 1, 2}, {-127, -127}, 1.0f, 1.0f,
                        pool({1, 2}, {1, 2}, {0, 1, 0, 1})),
               {-127, -127}, "padding");
}

TEST(ReferenceInt8Pool, AveragePoolRoundsTheFloatAverage) {
  // 2x2 windows: 10/4 = 2.5 -> 2, 11/4 = 2.75 -> 3, -10/4 = -2.5 -> -2, 14/4 = 3.5 -> 4.
  const std::vector<int8_t> x = {1, 2, 1, 2, 3, 4, 3, 5, -1, -2, 3, 4, -3, -4, 3, 4};
  const PoolAttrs p = pool({2, 2}, {2, 2});
  expect_exact(run_pool(OpType::kAveragePool, {1, 1, 4, 4}, x, 127.0f, 127.0f, p), {2, 3, -2, 4},
               "same scale");
  // s_out = 2 s_in: 2.5 * 0.5 = 1.25 -> 1, 2.75 * 0.5 = 1.375 -> 1, -1.25 -> -1, 1.75 -> 2.
  expect_exact(run_pool(OpType::kAveragePool, {1, 1, 4, 4}, x, 127.0f, 254.0f, p), {1, 1, -1, 2},
               "requantized");
  expect_exact(run_pool(OpType::kAveragePool, {1, 1, 4, 4}, x, 127.0f, 0.0f, p),
               {2.5f, 2.75f, -2.5f, 3.5f}, "float");
  // Pads 1 on a 1x2 input, 1x3 window: excluded pads average 2 values, included pads 3.
  // [pad, 3, 4] -> 7/2 = 3.5 -> 4 or 7/3 -> 2; [3, 4, pad] same.
  expect_exact(run_pool(OpType::kAveragePool, {1, 1, 1, 2}, {3, 4}, 127.0f, 127.0f,
                        pool({1, 3}, {1, 1}, {0, 1, 0, 1})),
               {4, 4}, "pads excluded");
  expect_exact(run_pool(OpType::kAveragePool, {1, 1, 1, 2}, {3, 4}, 127.0f, 127.0f,
                        pool({1, 3}, {1, 1}, {0, 1, 0, 1}, true)),
               {2, 2}, "pads included");
}

TEST(ReferenceInt8Pool, GlobalAveragePoolTiesAndSaturation) {
  // Plane means 21/6 = 3.5 -> 4, -3.5 -> -4, 127 with s_out = s_in / 2 -> 254 -> 127, and
  // -127 -> -254 -> -127 (never -128).
  std::vector<int8_t> x = {1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6};
  for (int i = 0; i < 6; ++i)
    x.push_back(127);
  for (int i = 0; i < 6; ++i)
    x.push_back(-127);
  expect_exact(run_pool(OpType::kGlobalAveragePool, {1, 4, 2, 3}, x, 127.0f, 127.0f, NoAttrs{}),
               {4, -4, 127, -127}, "same scale");
  expect_exact(run_pool(OpType::kGlobalAveragePool, {1, 4, 2, 3}, x, 127.0f, 63.5f, NoAttrs{}),
               {7, -7, 127, -127}, "saturating");
  expect_exact(run_pool(OpType::kGlobalAveragePool, {1, 4, 2, 3}, x, 127.0f, 0.0f, NoAttrs{}),
               {3.5f, -3.5f, 127.0f, -127.0f}, "float");
}

TEST(ReferenceInt8Pool, RandomAveragePoolMatchesOracle) {
  struct Case {
    int64_t h, w, kh, kw, sh, sw, pt, pl, pb, pr;
    bool include_pad;
  };
  const Case cases[] = {{7, 6, 3, 3, 2, 2, 1, 1, 1, 1, false},
                        {7, 6, 3, 3, 2, 2, 1, 1, 1, 1, true},
                        {5, 9, 2, 4, 1, 3, 0, 1, 1, 2, false},
                        {8, 8, 3, 2, 3, 1, 2, 0, 0, 1, true}};
  uint32_t seed = 4000;
  for (const Case& c : cases) {
    for (float amax_out : {1.3f, 0.4f, 0.0f}) {
      ++seed;
      const std::string where = "h " + std::to_string(c.h) + " w " + std::to_string(c.w) +
                                " kernel " + std::to_string(c.kh) + "x" + std::to_string(c.kw) +
                                " include_pad " + std::to_string(c.include_pad) + " amax_out " +
                                std::to_string(amax_out) + " seed " + std::to_string(seed);
      const int64_t planes = 3;
      const std::vector<int8_t> x = random_int8(planes * c.h * c.w, seed);
      const float amax_in = 1.0f;
      const int64_t oh = (c.h + c.pt + c.pb - c.kh) / c.sh + 1;
      const int64_t ow = (c.w + c.pl + c.pr - c.kw) / c.sw + 1;
      std::vector<float> expected;
      const float s_in = amax_in / 127.0f;
      const float ratio = amax_out > 0.0f ? s_in / (amax_out / 127.0f) : 0.0f;
      for (int64_t p = 0; p < planes; ++p) {
        for (int64_t i = 0; i < oh; ++i) {
          for (int64_t j = 0; j < ow; ++j) {
            int sum = 0, count = 0;
            // Window rows/cols in padded coordinates [0, h + pt + pb).
            for (int64_t r = i * c.sh; r < i * c.sh + c.kh; ++r) {
              for (int64_t q = j * c.sw; q < j * c.sw + c.kw; ++q) {
                const int64_t y = r - c.pt, z = q - c.pl;
                const bool inside = y >= 0 && y < c.h && z >= 0 && z < c.w;
                if (inside) sum += x[static_cast<size_t>((p * c.h + y) * c.w + z)];
                if (inside || c.include_pad) ++count;
              }
            }
            const float avg = static_cast<float>(sum) / static_cast<float>(count);
            expected.push_back(amax_out > 0.0f ? static_cast<float>(rne_clamp(avg * ratio))
                                               : avg * s_in);
          }
        }
      }
      expect_exact(
          run_pool(OpType::kAveragePool, {1, planes, c.h, c.w}, x, amax_in, amax_out,
                   pool({c.kh, c.kw}, {c.sh, c.sw}, {c.pt, c.pl, c.pb, c.pr}, c.include_pad)),
          expected, where);
    }
  }
}

}  // namespace
}  // namespace int8rt
