// Reference INT8 Add, Concat, Quantize and Dequantize: hand-worked ties and saturation, random
// broadcasting Adds against the float32 expression of docs/int8.md, and which layers
// supports_int8 accepts.
#include <gtest/gtest.h>

#include <cmath>

#include "backends/reference/reference.h"
#include "kernels/reference_int8_test_util.h"

namespace int8rt {
namespace {

using compute_testing::random_floats;
using compute_testing::RefLayer;
using int8_testing::expect_exact;
using int8_testing::int8_input;
using int8_testing::random_int8;
using int8_testing::rne_clamp;
using int8_testing::run_as_floats;
using int8_testing::set_int8_output;

std::vector<float> run_add(Dims da, const std::vector<int8_t>& a, float amax_a, Dims db,
                           const std::vector<int8_t>& b, float amax_b, float amax_out) {
  RefLayer t;
  Layer* add =
      t.layer(OpType::kAdd,
              {int8_input(t, std::move(da), a, amax_a), int8_input(t, std::move(db), b, amax_b)},
              NoAttrs{});
  set_int8_output(add, amax_out);
  EXPECT_TRUE(reference::supports_int8(*add));
  return run_as_floats(t);
}

TEST(ReferenceInt8Add, HandWorkedTiesAndSaturation) {
  // s_a = s_b = 1, s_y = 2: y = rne(0.5 qa + 0.5 qb): 3+2 -> 2.5 -> 2, -3-2 -> -2, 3+4 -> 3.5 -> 4,
  // 127+127 -> 127, -127-127 -> -127.
  expect_exact(
      run_add({5}, {3, -3, 3, 127, -127}, 127.0f, {5}, {2, -2, 4, 127, -127}, 127.0f, 254.0f),
      {2, -2, 4, 127, -127}, "s_y 2");
  // s_y = 1: sums saturate at ±127, never -128.
  expect_exact(run_add({3}, {100, -100, -127}, 127.0f, {3}, {100, -100, -1}, 127.0f, 127.0f),
               {127, -127, -127}, "saturation");
  // Float output: qa * s_a + qb * s_b.
  expect_exact(run_add({2}, {3, -4}, 63.5f, {2}, {2, 1}, 127.0f, 0.0f), {3.5f, -1.0f}, "float");
}

TEST(ReferenceInt8Add, RandomBroadcastMatchesFloatExpression) {
  uint32_t seed = 5000;
  for (float amax_out : {2.0f, 0.7f, 0.0f}) {
    ++seed;
    const std::vector<int8_t> a = random_int8(2 * 3 * 4, seed);
    const std::vector<int8_t> b = random_int8(3 * 1, seed + 1);
    const float amax_a = 1.5f, amax_b = 0.9f;
    const float s_a = amax_a / 127.0f, s_b = amax_b / 127.0f;
    const float s_y = amax_out / 127.0f;
    const float ra = amax_out > 0.0f ? s_a / s_y : s_a;
    const float rb = amax_out > 0.0f ? s_b / s_y : s_b;
    std::vector<float> expected;
    for (int n = 0; n < 2; ++n) {
      for (int c = 0; c < 3; ++c) {
        for (int w = 0; w < 4; ++w) {
          const float pa = static_cast<float>(a[static_cast<size_t>((n * 3 + c) * 4 + w)]) * ra;
          const float pb = static_cast<float>(b[static_cast<size_t>(c)]) * rb;
          const float sum = pa + pb;
          expected.push_back(amax_out > 0.0f ? static_cast<float>(rne_clamp(sum)) : sum);
        }
      }
    }
    expect_exact(run_add({2, 3, 4}, a, amax_a, {3, 1}, b, amax_b, amax_out), expected,
                 "broadcast [2,3,4] + [3,1], amax_out " + std::to_string(amax_out) + " seed " +
                     std::to_string(seed));
  }
}

TEST(ReferenceInt8Concat, CopiesOrRequantizesEachInput) {
  // Axis 1 of [1, 2] and [1, 3]; input 0 has the output's scale (copied bit for bit), input 1
  // twice it (ratio 2: 1 -> 2, -64 -> -127 saturated, 3 -> 6).
  for (float amax_out : {127.0f, 0.0f}) {
    RefLayer t;
    ConcatAttrs attrs;
    attrs.axis = -1;
    Layer* cat = t.layer(
        OpType::kConcat,
        {int8_input(t, {1, 2}, {-127, 5}, 127.0f), int8_input(t, {1, 3}, {1, -64, 3}, 254.0f)},
        attrs);
    set_int8_output(cat, amax_out);
    EXPECT_TRUE(reference::supports_int8(*cat));
    if (amax_out > 0.0f) {
      expect_exact(run_as_floats(t), {-127, 5, 2, -127, 6}, "int8 out");
    } else {
      expect_exact(run_as_floats(t), {-127, 5, 2, -128, 6}, "float out");
    }
  }
  // Axis 0 with several outer blocks: [2, 2] and [1, 2] at equal scales is a plain copy.
  RefLayer t;
  ConcatAttrs attrs;
  attrs.axis = 1;
  Layer* cat = t.layer(
      OpType::kConcat,
      {int8_input(t, {2, 1}, {7, -7}, 3.0f), int8_input(t, {2, 2}, {1, 2, 3, 4}, 3.0f)}, attrs);
  set_int8_output(cat, 3.0f);
  expect_exact(run_as_floats(t), {7, 1, 2, -7, 3, 4}, "outer blocks");
}

TEST(ReferenceInt8Reformat, QuantizeAndDequantize) {
  // s = 0.5: x / s = 2x: 1.25 -> 2.5 -> 2, -1.25 -> -2, 1.75 -> 3.5 -> 4, ±100 -> ±127.
  RefLayer q;
  Layer* quantize = q.layer(
      OpType::kQuantize,
      {q.input({6}, std::vector<float>{1.25f, -1.25f, 1.75f, 100.0f, -100.0f, 0.2f})}, NoAttrs{});
  ASSERT_TRUE(quantize->output(0)->set_dynamic_range(-63.5f, 63.5f).is_ok());
  std::vector<Weights> out = q.run();
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].dtype(), DataType::kInt8);
  const int8_t* y = out[0].data_as<int8_t>();
  EXPECT_EQ(std::vector<int>(y, y + 6), (std::vector<int>{2, -2, 4, 127, -127, 0}));

  RefLayer d;
  d.layer(OpType::kDequantize, {int8_input(d, {3}, {-127, 0, 5}, 63.5f)}, NoAttrs{});
  expect_exact(run_as_floats(d), {-63.5f, 0.0f, 2.5f}, "dequantize");

  // Round trip of random values: |dequantize(quantize(x)) - x| <= s / 2 inside the range.
  const auto values = random_floats(1000, 6001, -2.0f, 2.0f);
  RefLayer r;
  Layer* rq = r.layer(OpType::kQuantize, {r.input({1000}, values)}, NoAttrs{});
  ASSERT_TRUE(rq->output(0)->set_dynamic_range(-2.0f, 2.0f).is_ok());
  std::vector<Weights> qv = r.run();
  ASSERT_EQ(qv.size(), 1u);
  const float s = 2.0f / 127.0f;
  for (size_t i = 0; i < values.size(); ++i) {
    const int8_t v = qv[0].data_as<int8_t>()[i];
    ASSERT_EQ(v, rne_clamp(values[i] / s)) << "element " << i << " seed 6001";
    ASSERT_LE(std::fabs(v * s - values[i]), s / 2 + 1e-6f) << "element " << i << " seed 6001";
  }
}

TEST(ReferenceInt8Support, Configurations) {
  // Each layer in a network of its own (RefLayer names every layer "op").
  auto supports = [](OpType op, Attrs attrs, int outputs = 1, bool shape_input = false) {
    RefLayer t;
    std::vector<Tensor*> inputs = {t.input({1, 2, 4, 4}, std::vector<float>(32, 0.0f))};
    if (shape_input) inputs.push_back(t.ints({1, 32}));
    return reference::supports_int8(*t.layer(op, inputs, std::move(attrs), outputs));
  };
  EXPECT_TRUE(supports(OpType::kReshape, ReshapeAttrs{}, 1, true));
  EXPECT_TRUE(supports(OpType::kFlatten, FlattenAttrs{}));
  EXPECT_TRUE(supports(OpType::kTranspose, TransposeAttrs{}));
  EXPECT_TRUE(supports(OpType::kAveragePool, PoolAttrs{}));
  EXPECT_TRUE(supports(OpType::kGlobalAveragePool, NoAttrs{}));
  EXPECT_FALSE(supports(OpType::kSoftmax, SoftmaxAttrs{}));
  EXPECT_FALSE(supports(OpType::kSigmoid, NoAttrs{}));
  // MaxPool with its indices output has no INT8 kernel.
  EXPECT_FALSE(supports(OpType::kMaxPool, PoolAttrs{}, 2));
  EXPECT_TRUE(supports(OpType::kMaxPool, PoolAttrs{}, 1));
}

}  // namespace
}  // namespace int8rt
