// Shape inference of Softmax and LogSoftmax.
#include <gtest/gtest.h>

#include "int8rt/network.h"
#include "unit/ir/compute_ops_test_util.h"

namespace int8rt {
namespace {

using compute_testing::expect_error;
using compute_testing::OneLayer;

TEST(SoftmaxShape, OutputLikeInputAndAxisNormalized) {
  for (OpType type : {OpType::kSoftmax, OpType::kLogSoftmax}) {
    struct Case {
      int64_t axis;
      int64_t canonical;
    };
    for (Case c : {Case{-1, 2}, Case{0, 0}, Case{-3, 0}, Case{1, 1}}) {
      OneLayer t;
      SoftmaxAttrs attrs;
      attrs.axis = c.axis;
      Layer* l = t.layer(type, {t.input({2, 3, 4})}, attrs);
      ASSERT_TRUE(t.infer().is_ok()) << to_string(type) << " axis " << c.axis;
      EXPECT_EQ(t.out().to_string(), "2x3x4");
      EXPECT_EQ(l->attrs_as<SoftmaxAttrs>().axis, c.canonical) << to_string(type);
    }
  }
}

TEST(SoftmaxShape, Errors) {
  OneLayer axis;
  SoftmaxAttrs three;
  three.axis = 3;
  axis.layer(OpType::kSoftmax, {axis.input({2, 3, 4})}, three);
  expect_error(axis.infer(), StatusCode::kInvalidArgument,
               {"Softmax \"op\"", "axis 3 is out of range for rank 3"});

  OneLayer negative;
  SoftmaxAttrs minus_four;
  minus_four.axis = -4;
  negative.layer(OpType::kLogSoftmax, {negative.input({2, 3, 4})}, minus_four);
  expect_error(negative.infer(), StatusCode::kInvalidArgument, {"axis -4 is out of range"});

  OneLayer scalar;
  scalar.layer(OpType::kSoftmax, {scalar.input({})}, SoftmaxAttrs{});
  expect_error(scalar.infer(), StatusCode::kInvalidArgument, {"is a scalar"});

  OneLayer dtype;
  dtype.layer(OpType::kSoftmax, {dtype.input({2, 3}, DataType::kInt32)}, SoftmaxAttrs{});
  expect_error(dtype.infer(), StatusCode::kUnsupported, {"dtype int32"});
}

}  // namespace
}  // namespace int8rt
