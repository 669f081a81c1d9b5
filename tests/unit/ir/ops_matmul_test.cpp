// Shape inference of Gemm and MatMul.
#include <gtest/gtest.h>

#include "int8rt/network.h"
#include "unit/ir/compute_ops_test_util.h"

namespace int8rt {
namespace {

using compute_testing::expect_error;
using compute_testing::OneLayer;

GemmAttrs gemm(bool trans_a, bool trans_b) {
  GemmAttrs a;
  a.trans_a = trans_a;
  a.trans_b = trans_b;
  return a;
}

TEST(GemmShape, TransposesAndBiasBroadcasts) {
  struct Case {
    Dims a, b;
    bool trans_a, trans_b;
    Dims c;
    bool has_c;
  };
  const Case cases[] = {
      {{3, 4}, {4, 5}, false, false, {}, false},    {{4, 3}, {4, 5}, true, false, {}, false},
      {{3, 4}, {5, 4}, false, true, {}, false},     {{4, 3}, {5, 4}, true, true, {}, false},
      {{3, 4}, {4, 5}, false, false, {}, true},  // scalar C
      {{3, 4}, {4, 5}, false, false, {5}, true},    {{3, 4}, {4, 5}, false, false, {1}, true},
      {{3, 4}, {4, 5}, false, false, {1, 5}, true}, {{3, 4}, {4, 5}, false, false, {3, 1}, true},
      {{3, 4}, {4, 5}, false, false, {3, 5}, true},
  };
  for (const Case& c : cases) {
    OneLayer t;
    std::vector<Tensor*> inputs = {t.input(c.a), t.constant(c.b)};
    if (c.has_c) inputs.push_back(t.constant(c.c));
    t.layer(OpType::kGemm, inputs, gemm(c.trans_a, c.trans_b));
    const std::string config = "A " + c.a.to_string() + (c.trans_a ? "^T" : "") + " B " +
                               c.b.to_string() + (c.trans_b ? "^T" : "") +
                               (c.has_c ? " C " + c.c.to_string() : "");
    Status s = t.infer();
    ASSERT_TRUE(s.is_ok()) << config << ": " << s.to_string();
    EXPECT_EQ(t.out().to_string(), "3x5") << config;
  }
}

TEST(GemmShape, IntegerTypes) {
  OneLayer t;
  t.layer(OpType::kGemm, {t.input({2, 3}, DataType::kInt32), t.input({3, 4}, DataType::kInt32)},
          GemmAttrs{});
  ASSERT_TRUE(t.infer().is_ok()) << t.infer().to_string();
  EXPECT_EQ(t.out_type(), DataType::kInt32);
  EXPECT_EQ(t.out().to_string(), "2x4");

  OneLayer alpha;
  GemmAttrs half;
  half.alpha = 0.5f;
  alpha.layer(OpType::kGemm,
              {alpha.input({2, 3}, DataType::kInt64), alpha.input({3, 4}, DataType::kInt64)}, half);
  expect_error(alpha.infer(), StatusCode::kUnsupported, {"alpha 0.5", "must be integers"});
}

TEST(GemmShape, Errors) {
  struct Case {
    Dims a, b, c;
    bool has_c;
    std::string message;
  };
  const Case cases[] = {
      {{3, 4}, {5, 5}, {}, false, "have inner extents 4 and 5"},
      {{2, 3, 4}, {4, 5}, {}, false, "expected a matrix (rank 2)"},
      {{3, 4}, {4}, {}, false, "expected a matrix (rank 2)"},
      {{3, 4}, {4, 5}, {3}, true, "C has shape 3, which does not broadcast to the output 3x5"},
      {{3, 4}, {4, 5}, {2, 5}, true, "C has shape 2x5"},
      {{3, 4}, {4, 5}, {1, 3, 5}, true, "C has shape 1x3x5"},
  };
  for (const Case& c : cases) {
    OneLayer t;
    std::vector<Tensor*> inputs = {t.input(c.a), t.constant(c.b)};
    if (c.has_c) inputs.push_back(t.constant(c.c));
    t.layer(OpType::kGemm, inputs, GemmAttrs{});
    expect_error(t.infer(), StatusCode::kInvalidArgument, {"Gemm \"op\"", c.message});
  }
  OneLayer mixed;
  mixed.layer(OpType::kGemm, {mixed.input({2, 3}), mixed.input({3, 4}, DataType::kInt32)},
              GemmAttrs{});
  expect_error(mixed.infer(), StatusCode::kInvalidArgument, {"has dtype int32", "float32"});

  OneLayer int8;
  int8.layer(OpType::kGemm,
             {int8.input({2, 3}, DataType::kInt8), int8.input({3, 4}, DataType::kInt8)},
             GemmAttrs{});
  expect_error(int8.infer(), StatusCode::kUnsupported, {"dtype int8"});

  OneLayer clip;
  GemmAttrs bad_clip;
  bad_clip.activation = {ActivationKind::kClip, 1.0f, -1.0f};
  clip.layer(OpType::kGemm, {clip.input({2, 3}), clip.constant({3, 4})}, bad_clip);
  expect_error(clip.infer(), StatusCode::kInvalidArgument, {"fused clip has min 1 > max -1"});
}

TEST(MatMulShape, NumpySemantics) {
  struct Case {
    Dims a, b;
    std::string expected;
  };
  const Case cases[] = {
      {{3, 4}, {4, 5}, "3x5"},
      {{4}, {4, 5}, "5"},  // 1-D A: a row vector, the axis is dropped
      {{3, 4}, {4}, "3"},  // 1-D B: a column vector, the axis is dropped
      {{4}, {4}, "()"},    // dot product
      {{2, 1, 3, 4}, {5, 4, 6}, "2x5x3x6"},
      {{7, 3, 4}, {4, 2}, "7x3x2"},
      {{4}, {2, 4, 3}, "2x3"},
      {{2, 3, 4}, {4}, "2x3"},
      {{1, 3, 4}, {6, 4, 2}, "6x3x2"},
  };
  for (const Case& c : cases) {
    OneLayer t;
    t.layer(OpType::kMatMul, {t.input(c.a), t.input(c.b)}, NoAttrs{});
    Status s = t.infer();
    ASSERT_TRUE(s.is_ok()) << c.a.to_string() << " x " << c.b.to_string() << ": " << s.to_string();
    EXPECT_EQ(t.out().to_string(), c.expected) << c.a.to_string() << " x " << c.b.to_string();
  }
  OneLayer ints;
  ints.layer(OpType::kMatMul,
             {ints.input({2, 3}, DataType::kInt64), ints.input({3}, DataType::kInt64)}, NoAttrs{});
  ASSERT_TRUE(ints.infer().is_ok());
  EXPECT_EQ(ints.out_type(), DataType::kInt64);
}

TEST(MatMulShape, Errors) {
  OneLayer inner;
  inner.layer(OpType::kMatMul, {inner.input({3, 4}), inner.input({5, 2})}, NoAttrs{});
  expect_error(inner.infer(), StatusCode::kInvalidArgument,
               {"MatMul \"op\"", "A 3x4 and B 5x2 have inner extents 4 and 5"});

  OneLayer batch;
  batch.layer(OpType::kMatMul, {batch.input({2, 3, 4}), batch.input({3, 4, 5})}, NoAttrs{});
  expect_error(batch.infer(), StatusCode::kInvalidArgument, {"cannot be broadcast"});

  OneLayer scalar;
  scalar.layer(OpType::kMatMul, {scalar.input({}), scalar.input({3})}, NoAttrs{});
  expect_error(scalar.infer(), StatusCode::kInvalidArgument, {"expected rank >= 1"});

  OneLayer dtype;
  dtype.layer(OpType::kMatMul,
              {dtype.input({2, 2}, DataType::kUInt8), dtype.input({2, 2}, DataType::kUInt8)},
              NoAttrs{});
  expect_error(dtype.infer(), StatusCode::kUnsupported, {"dtype uint8"});
}

}  // namespace
}  // namespace int8rt
