// Reference kernels of Abs, Neg, Sqrt, Reciprocal, Exp, Log, Floor, Ceil, Erf on hand-computed
// values.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "int8rt/network.h"
#include "testing/reference_eval.h"

namespace int8rt {
namespace {

using testing::tensor;
using testing::values_of;

// One `type` layer over a constant input, shapes inferred, run by its reference kernel.
Result<Weights> run(OpType type, const Weights& input) {
  return testing::evaluate_layer_output(type, NoAttrs{}, {input});
}

std::vector<float> run_float(OpType type, const std::vector<float>& x) {
  auto y = run(type, tensor(DataType::kFloat, Dims{static_cast<int64_t>(x.size())}, x));
  if (!y.is_ok()) {
    ADD_FAILURE() << to_string(type) << ": " << y.status().to_string();
    return {};
  }
  return values_of<float>(y.value());
}

void expect_near(OpType type, const std::vector<float>& x, const std::vector<float>& expected) {
  std::vector<float> got = run_float(type, x);
  ASSERT_EQ(got.size(), expected.size()) << to_string(type);
  for (size_t i = 0; i < got.size(); ++i) {
    // Expected values are decimal approximations to 8 significant digits.
    EXPECT_NEAR(got[i], expected[i], 1e-6 * std::max(1.0f, std::fabs(expected[i])))
        << to_string(type) << "(" << x[i] << ")";
  }
}

TEST(ReferenceUnary, FloatMath) {
  expect_near(OpType::kAbs, {-1.5f, 0.0f, 2.0f}, {1.5f, 0.0f, 2.0f});
  expect_near(OpType::kNeg, {-1.5f, 0.0f, 2.0f}, {1.5f, 0.0f, -2.0f});
  expect_near(OpType::kSqrt, {4.0f, 2.0f, 0.0f}, {2.0f, 1.4142135f, 0.0f});
  expect_near(OpType::kReciprocal, {4.0f, -0.5f, 3.0f}, {0.25f, -2.0f, 0.33333333f});
  expect_near(OpType::kExp, {0.0f, 1.0f, -2.0f}, {1.0f, 2.7182818f, 0.13533528f});
  expect_near(OpType::kLog, {1.0f, 2.7182818f, 10.0f}, {0.0f, 1.0f, 2.3025851f});
  expect_near(OpType::kFloor, {-1.5f, 1.5f, 2.0f, -0.2f}, {-2.0f, 1.0f, 2.0f, -1.0f});
  expect_near(OpType::kCeil, {-1.5f, 1.5f, 2.0f, -0.2f}, {-1.0f, 2.0f, 2.0f, -0.0f});
  expect_near(OpType::kErf, {0.0f, 0.5f, -1.0f, 3.0f},
              {0.0f, 0.52049988f, -0.84270079f, 0.99997791f});
}

TEST(ReferenceUnary, SpecialFloatValues) {
  std::vector<float> sqrt_neg = run_float(OpType::kSqrt, {-1.0f});
  ASSERT_EQ(sqrt_neg.size(), 1u);
  EXPECT_TRUE(std::isnan(sqrt_neg[0]));
  std::vector<float> log_zero = run_float(OpType::kLog, {0.0f});
  ASSERT_EQ(log_zero.size(), 1u);
  EXPECT_TRUE(std::isinf(log_zero[0]) && log_zero[0] < 0);
  std::vector<float> recip_zero = run_float(OpType::kReciprocal, {0.0f});
  ASSERT_EQ(recip_zero.size(), 1u);
  EXPECT_TRUE(std::isinf(recip_zero[0]));
}

TEST(ReferenceUnary, IntegerAbsAndNegWrapAround) {
  auto abs8 = run(OpType::kAbs, tensor<int8_t>(DataType::kInt8, {4}, {-128, -5, 0, 127}));
  ASSERT_TRUE(abs8.is_ok()) << abs8.status().to_string();
  EXPECT_EQ(values_of<int8_t>(*abs8), (std::vector<int8_t>{-128, 5, 0, 127}));
  auto abs_u8 = run(OpType::kAbs, tensor<uint8_t>(DataType::kUInt8, {2}, {200, 3}));
  ASSERT_TRUE(abs_u8.is_ok()) << abs_u8.status().to_string();
  EXPECT_EQ(values_of<uint8_t>(*abs_u8), (std::vector<uint8_t>{200, 3}));
  const int64_t lo = std::numeric_limits<int64_t>::lowest();
  auto neg64 = run(OpType::kNeg, tensor<int64_t>(DataType::kInt64, {3}, {lo, -4, 9}));
  ASSERT_TRUE(neg64.is_ok()) << neg64.status().to_string();
  EXPECT_EQ(values_of<int64_t>(*neg64), (std::vector<int64_t>{lo, 4, -9}));
  auto neg32 = run(OpType::kNeg, tensor<int32_t>(DataType::kInt32, {2, 1}, {7, -8}));
  ASSERT_TRUE(neg32.is_ok()) << neg32.status().to_string();
  EXPECT_EQ(neg32->dims(), (Dims{2, 1}));
  EXPECT_EQ(values_of<int32_t>(*neg32), (std::vector<int32_t>{-7, 8}));
}

TEST(ReferenceUnary, FloatOnlyOpsRejectIntegers) {
  for (OpType type : {OpType::kSqrt, OpType::kExp, OpType::kLog, OpType::kFloor, OpType::kErf}) {
    auto y = run(type, tensor<int32_t>(DataType::kInt32, {1}, {4}));
    ASSERT_FALSE(y.is_ok()) << to_string(type);
    EXPECT_EQ(y.status().code(), StatusCode::kUnsupported) << y.status().to_string();
  }
}

}  // namespace
}  // namespace int8rt
