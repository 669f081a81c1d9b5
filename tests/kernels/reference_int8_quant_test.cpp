// The scalar quantization functions and weight/bias preparation of src/backends/quant.h, on
// hand-worked values and against the oracles of reference_int8_test_util.h.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "backends/quant.h"
#include "kernels/reference_int8_test_util.h"

namespace int8rt {
namespace {

using int8_testing::oracle_weights;
using int8_testing::rne_clamp;

TEST(Int8Quant, RoundsHalfToEvenAndClampsSymmetric) {
  const struct {
    float v;
    int expected;
  } cases[] = {{2.5f, 2},       {-2.5f, -2},      {3.5f, 4},       {-3.5f, -4},     {0.5f, 0},
               {-0.5f, 0},      {1.5f, 2},        {2.4999998f, 2}, {2.5000002f, 3}, {126.5f, 126},
               {127.4f, 127},   {127.5f, 127},    {128.0f, 127},   {-126.5f, -126}, {-127.5f, -127},
               {-128.0f, -127}, {-1000.0f, -127}, {1e30f, 127}};
  for (const auto& c : cases) {
    EXPECT_EQ(quant::saturate_rne(c.v), c.expected) << "v = " << c.v;
    EXPECT_EQ(rne_clamp(c.v), c.expected) << "oracle, v = " << c.v;
  }
  EXPECT_EQ(quant::saturate_rne(std::numeric_limits<float>::infinity()), 127);
  EXPECT_EQ(quant::saturate_rne(-std::numeric_limits<float>::infinity()), -127);
  EXPECT_EQ(quant::saturate_rne(std::numeric_limits<float>::quiet_NaN()), 0);
}

TEST(Int8Quant, QuantizeDividesByTheScale) {
  // Scale 0.5: x / 0.5 = 2x exactly.
  EXPECT_EQ(quant::quantize(1.25f, 0.5f), 2);    // 2.5 -> 2
  EXPECT_EQ(quant::quantize(-1.25f, 0.5f), -2);  // -2.5 -> -2
  EXPECT_EQ(quant::quantize(1.75f, 0.5f), 4);    // 3.5 -> 4
  EXPECT_EQ(quant::quantize(-100.0f, 0.5f), -127);
  EXPECT_EQ(quant::quantize(63.5f, 0.5f), 127);
  EXPECT_FLOAT_EQ(quant::dequantize(-127, 0.5f), -63.5f);
  // Random values against the oracle on the float32 quotient.
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-3.0f, 3.0f);
  for (int i = 0; i < 10000; ++i) {
    const float x = dist(rng);
    const float s = 2.0f / 127.0f;
    ASSERT_EQ(quant::quantize(x, s), rne_clamp(x / s)) << "x = " << x << " (seed 7)";
  }
}

TEST(Int8Quant, Requantize) {
  EXPECT_EQ(quant::requantize(-127, 1.0f), -127);
  EXPECT_EQ(quant::requantize(5, 0.5f), 2);    // 2.5 -> 2
  EXPECT_EQ(quant::requantize(-5, 0.5f), -2);  // -2.5 -> -2
  EXPECT_EQ(quant::requantize(7, 0.5f), 4);    // 3.5 -> 4
  EXPECT_EQ(quant::requantize(100, 2.0f), 127);
  EXPECT_EQ(quant::requantize(-100, 2.0f), -127);
  EXPECT_FLOAT_EQ(quant::requantize_ratio(0.5f, 0.25f), 2.0f);
}

TEST(Int8Quant, PerChannelWeights) {
  // Channel 0: max |w| = 2.54 -> scale 0.02; channel 1 all zeros -> scale 1, q 0;
  // channel 2: max 127 -> scale 1, 0.5 -> 0 and 1.5 -> 2 (ties to even).
  const std::vector<float> w = {2.54f, -1.27f, 0.0f, 0, 0, 0, 127.0f, 0.5f, 1.5f};
  quant::PerChannelWeights q = quant::quantize_per_channel(w.data(), 3, 3);
  ASSERT_EQ(q.scales.size(), 3u);
  EXPECT_FLOAT_EQ(q.scales[0], 2.54f / 127.0f);
  EXPECT_EQ(q.scales[1], 1.0f);
  EXPECT_EQ(q.scales[2], 1.0f);
  std::vector<int> got(q.values.begin(), q.values.end());
  // -1.27 / 0.02 is -63.5 in exact arithmetic; the float32 quotient decides, as the oracle's.
  const auto oracle = oracle_weights(w, 3, 3);
  EXPECT_EQ(got[1], oracle.q[1]);
  EXPECT_TRUE(got[1] == -63 || got[1] == -64) << got[1];
  got[1] = 0;
  EXPECT_EQ(got, (std::vector<int>{127, 0, 0, 0, 0, 0, 127, 0, 2}));

  for (uint32_t seed = 1; seed <= 20; ++seed) {
    const auto values = compute_testing::random_floats(8 * 27, seed, -0.3f, 0.2f);
    quant::PerChannelWeights p = quant::quantize_per_channel(values.data(), 8, 27);
    const auto o = oracle_weights(values, 8, 27);
    for (size_t i = 0; i < p.values.size(); ++i) {
      ASSERT_EQ(p.values[i], o.q[i]) << "seed " << seed << " element " << i;
      ASSERT_LE(std::abs(p.values[i]), 127);
    }
    for (size_t c = 0; c < 8; ++c)
      ASSERT_EQ(p.scales[c], o.scale[c]) << "seed " << seed << " channel " << c;
    // Every channel reaches ±127 at its largest element.
    for (int64_t c = 0; c < 8; ++c) {
      int amax = 0;
      for (int64_t i = 0; i < 27; ++i)
        amax =
            std::max(amax, std::abs(static_cast<int>(p.values[static_cast<size_t>(c * 27 + i)])));
      EXPECT_EQ(amax, 127) << "seed " << seed << " channel " << c;
    }
  }
}

TEST(Int8Quant, GemmWeightsAndBias) {
  // B [K=2, N=3] = [[1, 2, 3], [4, 5, 6]]; columns are channels.
  const std::vector<float> b = {1, 2, 3, 4, 5, 6};
  EXPECT_EQ(quant::gemm_weights_by_column(b.data(), 2, 3, false, 1.0f),
            (std::vector<float>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(quant::gemm_weights_by_column(b.data(), 2, 3, false, -2.0f),
            (std::vector<float>{-2, -8, -4, -10, -6, -12}));
  // trans_b: B is [N=2, K=3]; column j of B^T is row j of B.
  EXPECT_EQ(quant::gemm_weights_by_column(b.data(), 3, 2, true, 1.0f),
            (std::vector<float>{1, 2, 3, 4, 5, 6}));
  const std::vector<float> c = {0.5f, -1.0f, 2.0f};
  EXPECT_EQ(quant::gemm_bias(c.data(), 3, 3, 2.0f), (std::vector<float>{1.0f, -2.0f, 4.0f}));
  EXPECT_EQ(quant::gemm_bias(c.data(), 1, 3, 1.0f), (std::vector<float>{0.5f, 0.5f, 0.5f}));
}

TEST(Int8Quant, OutputStageParameters) {
  const std::vector<float> ws = {0.5f, 0.25f};
  const std::vector<float> bias = {1.0f, -1.0f};
  // int8 output, ReLU6 clip: scales s_in * s_w / s_out, bias / (s_in * s_w), clip bounds / s_out.
  FusedActivation clip{ActivationKind::kClip, 0.0f, 6.0f};
  quant::OutputStage st =
      quant::make_output_stage(2.0f, ws, bias.data(), true, 4.0f, clip, true, 0.5f);
  EXPECT_EQ(st.scales, (std::vector<float>{2.0f, 1.0f}));
  EXPECT_EQ(st.bias, (std::vector<float>{1.0f, -2.0f}));
  EXPECT_EQ(st.residual_scale, 8.0f);
  EXPECT_EQ(st.activation.alpha, 0.0f);
  EXPECT_EQ(st.activation.beta, 12.0f);
  EXPECT_FALSE(st.has_post_scale);
  // acc 3, channel 0: 2 * (3 + 1) = 8, + 8 * 1 = 16 -> clip 12.
  EXPECT_EQ(st.finish(3, 0, 1), 12.0f);
  // acc 2, channel 1: 1 * (2 - 2) = 0, + 8 * (-1) = -8 -> clip 0.
  EXPECT_EQ(st.finish(2, 1, -1), 0.0f);

  // int8 output, hardswish: real units then * (1 / s_out).
  FusedActivation hs{ActivationKind::kHardSwish, 0, 0};
  st = quant::make_output_stage(2.0f, ws, nullptr, false, 0.0f, hs, true, 0.5f);
  EXPECT_EQ(st.scales, (std::vector<float>{1.0f, 0.5f}));
  EXPECT_TRUE(st.has_post_scale);
  EXPECT_EQ(st.post_scale, 2.0f);
  // acc 3, channel 0: v = 3, hardswish(3) = 3 * 6 / 6 = 3, * 2 = 6.
  EXPECT_EQ(st.finish(3, 0, 0), 6.0f);
  // acc -2, channel 0: hardswish(-2) = -2 * 1 / 6 = -1/3, * 2 = -0.667 -> -1.
  EXPECT_EQ(st.finish(-2, 0, 0), -1.0f);

  // float output: no rounding, real units.
  st = quant::make_output_stage(2.0f, ws, bias.data(), false, 0.0f, FusedActivation{}, false, 0.0f);
  EXPECT_EQ(st.scales, (std::vector<float>{1.0f, 0.5f}));
  EXPECT_EQ(st.finish(3, 1, 0), 0.5f);  // 0.5 * (3 - 2)
}

}  // namespace
}  // namespace int8rt
