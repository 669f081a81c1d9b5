// Shape inference of ReduceMean/Sum/Max/Min/Prod: axes, keepdims, noop_with_empty_axes.
#include <gtest/gtest.h>

#include "int8rt/network.h"
#include "unit/ir/compute_ops_test_util.h"

namespace int8rt {
namespace {

using compute_testing::expect_error;
using compute_testing::OneLayer;

ReduceAttrs reduce(bool keepdims, bool noop = false) {
  ReduceAttrs a;
  a.keepdims = keepdims;
  a.noop_with_empty_axes = noop;
  return a;
}

TEST(ReduceShape, AxesAndKeepdims) {
  struct Case {
    std::vector<int64_t> axes;
    bool has_axes;
    bool keepdims;
    bool noop;
    std::string expected;
  };
  const Case cases[] = {
      {{1}, true, true, false, "2x1x4x5"},
      {{1}, true, false, false, "2x4x5"},
      {{-1, 0}, true, true, false, "1x3x4x1"},
      {{3, -3}, true, false, false, "2x4"},
      {{}, false, true, false, "1x1x1x1"},  // no axes: all of them
      {{}, false, false, false, "()"},
      {{}, true, false, false, "()"},       // an empty axes tensor is the same
      {{}, false, false, true, "2x3x4x5"},  // noop_with_empty_axes: an identity
      {{}, true, true, true, "2x3x4x5"},
      {{2}, true, false, true, "2x3x5"},  // noop only applies without axes
  };
  const OpType types[] = {OpType::kReduceMean, OpType::kReduceSum, OpType::kReduceMax,
                          OpType::kReduceMin, OpType::kReduceProd};
  for (OpType type : types) {
    for (const Case& c : cases) {
      OneLayer t;
      std::vector<Tensor*> inputs = {t.input({2, 3, 4, 5})};
      if (c.has_axes) inputs.push_back(t.ints(c.axes));
      t.layer(type, inputs, reduce(c.keepdims, c.noop));
      const std::string config = std::string(to_string(type)) + " axes " +
                                 (c.has_axes ? Dims(c.axes).to_string() : "absent") +
                                 (c.keepdims ? " keepdims" : "") + (c.noop ? " noop" : "");
      Status s = t.infer();
      ASSERT_TRUE(s.is_ok()) << config << ": " << s.to_string();
      EXPECT_EQ(t.out().to_string(), c.expected) << config;
    }
  }
}

TEST(ReduceShape, DataTypes) {
  for (DataType type : {DataType::kFloat, DataType::kInt32, DataType::kInt64}) {
    OneLayer t;
    t.layer(OpType::kReduceSum, {t.input({3, 4}, type), t.ints({0})}, reduce(false));
    ASSERT_TRUE(t.infer().is_ok()) << to_string(type);
    EXPECT_EQ(t.out_type(), type);
  }
  OneLayer max;
  max.layer(OpType::kReduceMax, {max.input({3, 4}, DataType::kInt8)}, reduce(true));
  EXPECT_TRUE(max.infer().is_ok()) << max.infer().to_string();
  OneLayer sum;
  sum.layer(OpType::kReduceSum, {sum.input({3, 4}, DataType::kUInt8)}, reduce(true));
  expect_error(sum.infer(), StatusCode::kUnsupported, {"ReduceSum \"op\"", "dtype uint8"});
}

TEST(ReduceShape, Errors) {
  OneLayer range;
  range.layer(OpType::kReduceMean, {range.input({2, 3}), range.ints({2})}, reduce(true));
  expect_error(range.infer(), StatusCode::kInvalidArgument,
               {"ReduceMean \"op\"", "axis 2 is out of range for input 2x3"});

  OneLayer twice;
  twice.layer(OpType::kReduceMean, {twice.input({2, 3}), twice.ints({1, -1})}, reduce(true));
  expect_error(twice.infer(), StatusCode::kInvalidArgument, {"axis -1 is given twice"});

  OneLayer runtime;
  runtime.layer(OpType::kReduceMax, {runtime.input({2, 3}), runtime.input({1}, DataType::kInt64)},
                reduce(true));
  expect_error(runtime.infer(), StatusCode::kUnsupported, {"axes", "must be known at build time"});
}

}  // namespace
}  // namespace int8rt
