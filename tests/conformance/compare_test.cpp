#include "conformance/compare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace int8rt::conformance {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

HostTensor reals(std::vector<int64_t> dims, std::vector<double> values) {
  HostTensor t;
  t.onnx_dtype = onnx::TensorProto::FLOAT;
  t.floating = true;
  t.dims = std::move(dims);
  t.reals = std::move(values);
  return t;
}

HostTensor ints(int onnx_dtype, std::vector<int64_t> dims, std::vector<int64_t> values) {
  HostTensor t;
  t.onnx_dtype = onnx_dtype;
  t.dims = std::move(dims);
  t.ints = std::move(values);
  return t;
}

TEST(Compare, ToleranceIsRelativeToTheExpectedValue) {
  const Tolerance tol = kOnnxBackendTolerance;
  // Bound = 1e-7 + 1e-3 * |expected|.
  EXPECT_TRUE(values_close(1000.0, 1000.0, tol));
  EXPECT_TRUE(values_close(1000.0, 999.0, tol));   // |diff| 1 <= 1.0000001
  EXPECT_FALSE(values_close(999.0, 1000.0, tol));  // |diff| 1 > 0.9990001: not symmetric
  EXPECT_TRUE(values_close(-2.0, -2.0019, tol));
  EXPECT_FALSE(values_close(-2.0, -2.0021, tol));
  // Near zero only atol applies.
  EXPECT_TRUE(values_close(0.0, 0.9e-7, tol));
  EXPECT_FALSE(values_close(0.0, 2e-7, tol));
  EXPECT_TRUE(values_close(0.0, -0.0, tol));
}

TEST(Compare, NaNAndInfinities) {
  const Tolerance tol = kOnnxBackendTolerance;
  EXPECT_TRUE(values_close(kNaN, kNaN, tol));
  EXPECT_FALSE(values_close(kNaN, 1.0, tol));
  EXPECT_FALSE(values_close(1.0, kNaN, tol));
  EXPECT_TRUE(values_close(kInf, kInf, tol));
  EXPECT_TRUE(values_close(-kInf, -kInf, tol));
  EXPECT_FALSE(values_close(kInf, -kInf, tol));
  EXPECT_FALSE(values_close(kInf, 3.4e38, tol));
  EXPECT_FALSE(values_close(3.4e38, kInf, tol));
  EXPECT_FALSE(values_close(kInf, kNaN, tol));
}

TEST(Compare, FloatTensorWithinTolerance) {
  const HostTensor want = reals({2, 2}, {1.0, -1.0, kNaN, 0.0});
  const std::vector<float> got = {1.0009f, -0.9991f, std::nanf(""), 5e-8f};
  const Comparison c = compare_tensor(want, DataType::kFloat, Dims{2, 2}, got.data());
  EXPECT_TRUE(c.match) << c.detail;
  EXPECT_EQ(c.mismatches, 0);
}

TEST(Compare, ReportsCountAndFirstMismatchAsMultiIndex) {
  const HostTensor want = reals({2, 3}, {0, 1, 2, 3, 4, 5});
  const std::vector<float> got = {0, 1, 2, 3, 4.5f, 6};
  const Comparison c = compare_tensor(want, DataType::kFloat, Dims{2, 3}, got.data());
  EXPECT_FALSE(c.match);
  EXPECT_EQ(c.mismatches, 2);
  EXPECT_EQ(c.first_mismatch, 4);
  EXPECT_NE(c.detail.find("2 of 6 values differ"), std::string::npos) << c.detail;
  EXPECT_NE(c.detail.find("first at [1,1]: expected 4, got 4.5"), std::string::npos) << c.detail;
  EXPECT_NE(c.detail.find("max abs diff 1"), std::string::npos) << c.detail;
}

TEST(Compare, NaNWhereANumberIsExpectedFails) {
  const HostTensor want = reals({3}, {1, 2, 3});
  const std::vector<float> got = {1, std::nanf(""), 3};
  const Comparison c = compare_tensor(want, DataType::kFloat, Dims{3}, got.data());
  EXPECT_FALSE(c.match);
  EXPECT_EQ(c.first_mismatch, 1);
}

TEST(Compare, Int64IsExact) {
  const int64_t big = (int64_t{1} << 53) + 1;  // equal to 2^53 once converted to double
  const HostTensor want = ints(onnx::TensorProto::INT64, {2}, {big, -7});
  const std::vector<int64_t> same = {big, -7};
  const std::vector<int64_t> off = {big - 1, -7};
  EXPECT_TRUE(compare_tensor(want, DataType::kInt64, Dims{2}, same.data()).match);
  const Comparison c = compare_tensor(want, DataType::kInt64, Dims{2}, off.data());
  EXPECT_FALSE(c.match);
  EXPECT_EQ(c.first_mismatch, 0);
  EXPECT_NE(c.detail.find("expected 9007199254740993, got 9007199254740992"), std::string::npos)
      << c.detail;
}

TEST(Compare, SmallIntegersHaveNoTolerance) {
  const HostTensor want = ints(onnx::TensorProto::INT32, {2}, {1000, 1000});
  const std::vector<int32_t> got = {1000, 1001};  // within rtol 1e-3, still wrong for an integer
  EXPECT_FALSE(compare_tensor(want, DataType::kInt32, Dims{2}, got.data()).match);
  const HostTensor u8 = ints(onnx::TensorProto::UINT8, {2}, {255, 0});
  const std::vector<uint8_t> got_u8 = {255, 0};
  EXPECT_TRUE(compare_tensor(u8, DataType::kUInt8, Dims{2}, got_u8.data()).match);
  const HostTensor i8 = ints(onnx::TensorProto::INT8, {1}, {-128});
  const std::vector<int8_t> got_i8 = {-127};
  EXPECT_FALSE(compare_tensor(i8, DataType::kInt8, Dims{1}, got_i8.data()).match);
}

TEST(Compare, Bool) {
  const HostTensor want = ints(onnx::TensorProto::BOOL, {3}, {1, 0, 1});
  const std::vector<uint8_t> same = {1, 0, 1};
  const std::vector<uint8_t> flipped = {1, 1, 1};
  EXPECT_TRUE(compare_tensor(want, DataType::kBool, Dims{3}, same.data()).match);
  EXPECT_EQ(compare_tensor(want, DataType::kBool, Dims{3}, flipped.data()).first_mismatch, 1);
}

TEST(Compare, DtypeMustMatch) {
  const HostTensor want = ints(onnx::TensorProto::INT64, {1}, {3});
  const std::vector<int32_t> got = {3};
  const Comparison c = compare_tensor(want, DataType::kInt32, Dims{1}, got.data());
  EXPECT_FALSE(c.match);
  EXPECT_NE(c.detail.find("dtype: expected int64, got int32"), std::string::npos) << c.detail;
  const HostTensor want_f = reals({1}, {3});
  EXPECT_FALSE(compare_tensor(want_f, DataType::kInt32, Dims{1}, got.data()).match);
}

TEST(Compare, ShapeMustMatchScalarIsNotAVector) {
  const HostTensor scalar = reals({}, {2});
  const std::vector<float> got = {2, 2, 2, 2, 2, 2};
  EXPECT_TRUE(compare_tensor(scalar, DataType::kFloat, Dims{}, got.data()).match);
  const Comparison c = compare_tensor(scalar, DataType::kFloat, Dims{1}, got.data());
  EXPECT_FALSE(c.match);
  EXPECT_NE(c.detail.find("shape: expected (), got 1"), std::string::npos) << c.detail;
  const HostTensor m = reals({2, 3}, {2, 2, 2, 2, 2, 2});
  EXPECT_FALSE(compare_tensor(m, DataType::kFloat, Dims{3, 2}, got.data()).match);
}

TEST(Compare, EmptyTensorsMatch) {
  const HostTensor want = reals({0, 4}, {});
  const float dummy = 0;
  EXPECT_TRUE(compare_tensor(want, DataType::kFloat, Dims{0, 4}, &dummy).match);
}

TEST(Compare, FormatIndex) {
  EXPECT_EQ(format_index({2, 3, 4}, 0), "[0,0,0]");
  EXPECT_EQ(format_index({2, 3, 4}, 23), "[1,2,3]");
  EXPECT_EQ(format_index({2, 3, 4}, 13), "[1,0,1]");
  EXPECT_EQ(format_index({}, 0), "[]");
}

}  // namespace
}  // namespace int8rt::conformance
