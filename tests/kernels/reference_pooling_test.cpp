// Reference MaxPool, AveragePool and the global pools against hand-computed windows and a naive
// oracle that classifies every window position as input, padding or beyond the padding.
#include <gtest/gtest.h>

#include <limits>

#include "kernels/reference_compute_test_util.h"

namespace int8rt {
namespace {

using namespace compute_testing;
using V = std::vector<int64_t>;

PoolAttrs pool(V kernel, V strides = {}, V pads = {}, bool ceil_mode = false,
               bool count_include_pad = false, V dilations = {}) {
  PoolAttrs a;
  a.kernel_shape = std::move(kernel);
  a.strides = std::move(strides);
  a.pads = std::move(pads);
  a.ceil_mode = ceil_mode;
  a.count_include_pad = count_include_pad;
  a.dilations = std::move(dilations);
  return a;
}

std::vector<float> run_pool(OpType type, Dims x, const std::vector<float>& data, PoolAttrs attrs) {
  RefLayer t;
  t.layer(type, {t.input(std::move(x), data)}, std::move(attrs));
  return t.run_floats();
}

TEST(ReferencePool, HandComputed) {
  const std::vector<float> x16 = iota_floats(16, 1);  // 4x4: 1..16
  expect_close(run_pool(OpType::kMaxPool, {1, 1, 4, 4}, x16, pool({2, 2}, {2, 2})),
               std::vector<float>{6, 8, 14, 16}, 0, "max 2x2/2");
  expect_close(run_pool(OpType::kAveragePool, {1, 1, 4, 4}, x16, pool({2, 2}, {2, 2})),
               std::vector<float>{3.5f, 5.5f, 11.5f, 13.5f}, 0, "avg 2x2/2");
  // ceil_mode: windows rows/cols [0, 2] and [2, 3] (the second hangs over the edge).
  expect_close(run_pool(OpType::kMaxPool, {1, 1, 4, 4}, x16, pool({3, 3}, {2, 2}, {}, true)),
               std::vector<float>{11, 12, 15, 16}, 0, "max ceil");
  // Means of {1,2,3,5,6,7,9,10,11}, {3,4,7,8,11,12}, {9,10,11,13,14,15}, {11,12,15,16}; the
  // part of a window past the input is never counted, with or without count_include_pad.
  for (bool include : {false, true}) {
    expect_close(
        run_pool(OpType::kAveragePool, {1, 1, 4, 4}, x16, pool({3, 3}, {2, 2}, {}, true, include)),
        std::vector<float>{6, 7.5f, 12, 13.5f}, 0, include ? "avg ceil incl" : "avg ceil");
  }
  // 3x3 of 1..9, pads 1: the corner window sees {1, 2, 4, 5} and five pads.
  const std::vector<float> x9 = iota_floats(9, 1);
  const std::vector<float> avg_excl =
      run_pool(OpType::kAveragePool, {1, 1, 3, 3}, x9, pool({3, 3}, {1, 1}, {1, 1, 1, 1}));
  ASSERT_EQ(avg_excl.size(), 9u);
  EXPECT_FLOAT_EQ(avg_excl[0], 3.0f);
  EXPECT_FLOAT_EQ(avg_excl[4], 5.0f);
  const std::vector<float> avg_incl = run_pool(OpType::kAveragePool, {1, 1, 3, 3}, x9,
                                               pool({3, 3}, {1, 1}, {1, 1, 1, 1}, false, true));
  ASSERT_EQ(avg_incl.size(), 9u);
  EXPECT_FLOAT_EQ(avg_incl[0], 12.0f / 9.0f);
  EXPECT_FLOAT_EQ(avg_incl[1], 21.0f / 9.0f);
  // Dilation 2 on 1..16: the window of output (0, 0) is {1, 3, 9, 11}.
  expect_close(
      run_pool(OpType::kMaxPool, {1, 1, 4, 4}, x16, pool({2, 2}, {1, 1}, {}, false, false, {2, 2})),
      std::vector<float>{11, 12, 15, 16}, 0, "max dilated");
}

TEST(ReferencePool, MaxPoolIndicesAndIntegerTypes) {
  // Two channels of [[1, 5, 2], [4, 3, 6]] and its negation; indices count N and C too.
  RefLayer t;
  t.layer(OpType::kMaxPool,
          {t.input({1, 2, 2, 3}, std::vector<float>{1, 5, 2, 4, 3, 6, -1, -5, -2, -4, -3, -6})},
          pool({2, 2}), 2);
  std::vector<Weights> out = t.run();
  ASSERT_EQ(out.size(), 2u);
  const float* y = out[0].data_as<float>();
  const int64_t* idx = out[1].data_as<int64_t>();
  EXPECT_EQ(std::vector<float>(y, y + 4), (std::vector<float>{5, 6, -1, -2}));
  EXPECT_EQ(std::vector<int64_t>(idx, idx + 4), (std::vector<int64_t>{1, 5, 6, 8}));

  RefLayer u;
  u.layer(OpType::kMaxPool, {u.input<uint8_t>({1, 1, 1, 4}, {10, 200, 255, 3}, DataType::kUInt8)},
          pool({1, 2}, {1, 2}));
  std::vector<Weights> u_out = u.run();
  ASSERT_EQ(u_out.size(), 1u);
  EXPECT_EQ(u_out[0].data_as<uint8_t>()[0], 200);
  EXPECT_EQ(u_out[0].data_as<uint8_t>()[1], 255);

  // int8 with padding: a pad never wins, even over negative values.
  RefLayer s;
  s.layer(OpType::kMaxPool, {s.input<int8_t>({1, 1, 2}, {-5, -3}, DataType::kInt8)},
          pool({2}, {1}, {1, 1}));
  std::vector<Weights> s_out = s.run();
  ASSERT_EQ(s_out.size(), 1u);
  const int8_t* sy = s_out[0].data_as<int8_t>();
  EXPECT_EQ(std::vector<int>(sy, sy + 3), (std::vector<int>{-5, -3, -3}));
}

struct PoolConfig {
  V x;
  PoolAttrs attrs;
};

TEST(ReferencePool, MatchesWindowOracle) {
  const PoolConfig configs[] = {
      {{2, 3, 7, 6}, pool({3, 2}, {2, 1}, {1, 0, 1, 1})},
      {{1, 2, 8, 8}, pool({3, 3}, {2, 2}, {1, 1, 1, 1}, true, false)},
      {{1, 2, 8, 8}, pool({3, 3}, {2, 2}, {1, 1, 1, 1}, true, true)},
      {{1, 2, 7, 7}, pool({3, 2}, {3, 2}, {0, 1, 2, 0}, true, true)},
      {{1, 1, 9, 9}, pool({3, 3}, {2, 1}, {2, 1, 2, 1}, false, true, {2, 3})},
      {{2, 2, 11}, pool({4}, {3}, {2, 1}, true, false)},                              // 1-D
      {{1, 2, 5, 6, 7}, pool({2, 3, 2}, {1, 2, 2}, {1, 0, 1, 0, 1, 1}, true, true)},  // 3-D
  };
  uint32_t seed = 70;
  for (const PoolConfig& c : configs) {
    for (OpType type : {OpType::kMaxPool, OpType::kAveragePool}) {
      ++seed;
      const PoolAttrs& a = c.attrs;
      const std::string config =
          std::string(to_string(type)) + " x " + join(c.x) + " kernel " + join(a.kernel_shape) +
          " strides " + join(a.strides) + " pads " + join(a.pads) + " dilations " +
          join(a.dilations) + (a.ceil_mode ? " ceil" : "") +
          (a.count_include_pad ? " count_include_pad" : "") + " seed " + std::to_string(seed);
      const auto x = random_floats(Dims(c.x).volume(), seed, -5.0f, 5.0f);
      const std::vector<float> actual = run_pool(type, Dims(c.x), x, a);
      const size_t n = c.x.size() - 2;
      V dilations = a.dilations.empty() ? V(n, 1) : a.dilations;
      V out = {c.x[0], c.x[1]};
      for (size_t i = 0; i < n; ++i) {
        const int64_t span =
            c.x[i + 2] + a.pads[i] + a.pads[i + n] - ((a.kernel_shape[i] - 1) * dilations[i] + 1);
        int64_t extent =
            (a.ceil_mode ? (span + a.strides[i] - 1) / a.strides[i] : span / a.strides[i]) + 1;
        // The last window must start inside the input or the begin padding.
        if ((extent - 1) * a.strides[i] - a.pads[i] >= c.x[i + 2]) --extent;
        out.push_back(extent);
      }
      std::vector<double> expected;
      for_each_index(out, [&](const V& o) {
        double best = -std::numeric_limits<double>::infinity();
        double sum = 0.0;
        int64_t inside = 0, padded = 0;
        for_each_index(a.kernel_shape, [&](const V& k) {
          V at = {o[0], o[1]};
          bool in_input = true, in_padded = true;
          for (size_t i = 0; i < n; ++i) {
            const int64_t p = o[i + 2] * a.strides[i] - a.pads[i] + k[i] * dilations[i];
            in_input = in_input && p >= 0 && p < c.x[i + 2];
            in_padded = in_padded && p >= -a.pads[i] && p < c.x[i + 2] + a.pads[i + n];
            at.push_back(p);
          }
          padded += in_padded ? 1 : 0;
          if (!in_input) return;
          const double v = x[static_cast<size_t>(flat(c.x, at))];
          best = std::max(best, v);
          sum += v;
          ++inside;
        });
        if (type == OpType::kMaxPool) {
          expected.push_back(best);
        } else {
          expected.push_back(sum / static_cast<double>(a.count_include_pad ? padded : inside));
        }
      });
      expect_close(actual, expected, kFloatTolerance, config);
    }
  }
}

TEST(ReferenceGlobalPool, MeanAndMax) {
  // Two planes: 1..6 and 6 values around -2.
  const std::vector<float> x = {1, 2, 3, 4, 5, 6, -2, -1, -3, -2.5f, -1.5f, -2};
  RefLayer avg;
  avg.layer(OpType::kGlobalAveragePool, {avg.input({1, 2, 2, 3}, x)}, NoAttrs{});
  expect_close(avg.run_floats(), std::vector<float>{3.5f, -2}, kFloatTolerance, "global avg");
  RefLayer max;
  max.layer(OpType::kGlobalMaxPool, {max.input({2, 1, 6}, x)}, NoAttrs{});
  expect_close(max.run_floats(), std::vector<float>{6, -1}, 0, "global max");
}

// MaxPool -> AveragePool -> GlobalMaxPool through the Builder.
TEST(ReferencePool, BuilderEndToEnd) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{1, 1, 6, 6}).value();
  Layer* max = net.add_layer(OpType::kMaxPool, "max", {x}, pool({2, 2}, {2, 2}), {"m"}).value();
  Layer* avg = net.add_layer(OpType::kAveragePool, "avg", {max->output(0)},
                             pool({2, 2}, {1, 1}, {0, 0, 1, 1}), {"a"})
                   .value();
  Layer* global =
      net.add_layer(OpType::kGlobalAveragePool, "gap", {avg->output(0)}, NoAttrs{}, {"y"}).value();
  ASSERT_TRUE(net.mark_output(global->output(0)).is_ok());
  // 6x6 of 1..36 -> maxima of 2x2 blocks: [[8, 10, 12], [20, 22, 24], [32, 34, 36]];
  // 2x2 means with end padding (not counted): [[15, 17, 18], [27, 29, 30], [33, 35, 36]];
  // their mean: 240 / 9.
  std::string dims;
  const std::vector<float> y = build_and_run(net, {iota_floats(36, 1)}, &dims);
  EXPECT_EQ(dims, "1x1x1x1");
  expect_close(y, std::vector<double>{240.0 / 9.0}, kFloatTolerance, "max-avg-gap");
}

}  // namespace
}  // namespace int8rt
