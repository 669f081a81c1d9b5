// Shape inference of Resize: scales vs sizes, constant parameters, dtypes per mode.
#include <gtest/gtest.h>

#include "int8rt/network.h"
#include "unit/ir/compute_ops_test_util.h"

namespace int8rt {
namespace {

using compute_testing::expect_error;
using compute_testing::OneLayer;

ResizeAttrs resize(ResizeMode mode,
                   ResizeCoordinateMode coordinates = ResizeCoordinateMode::kHalfPixel) {
  ResizeAttrs a;
  a.mode = mode;
  a.coordinate_transformation_mode = coordinates;
  return a;
}

TEST(ResizeShape, ScalesFloorTheProduct) {
  struct Case {
    Dims x;
    std::vector<float> scales;
    std::string expected;
  };
  const Case cases[] = {
      {{1, 1, 2, 2}, {1, 1, 2, 2}, "1x1x4x4"},
      {{1, 1, 2, 4}, {1, 1, 0.6f, 0.6f}, "1x1x1x2"},  // floor(1.2), floor(2.4)
      {{1, 1, 3, 3}, {1, 1, 1.7f, 0.5f}, "1x1x5x1"},  // floor(5.1), floor(1.5)
      {{2, 3, 4}, {1, 1, 1.5f}, "2x3x6"},
  };
  for (const Case& c : cases) {
    OneLayer t;
    t.layer(OpType::kResize, {t.input(c.x), nullptr, t.floats(c.scales)},
            resize(ResizeMode::kLinear));
    Status s = t.infer();
    ASSERT_TRUE(s.is_ok()) << c.x.to_string() << ": " << s.to_string();
    EXPECT_EQ(t.out().to_string(), c.expected) << c.x.to_string();
  }
}

TEST(ResizeShape, SizesAndEmptyPlaceholders) {
  OneLayer t;
  // Opset 11 style: empty roi and scales constants stand for absent inputs.
  t.layer(OpType::kResize,
          {t.input({1, 2, 3, 4}), t.floats({}), t.floats({}), t.ints({1, 2, 7, 1})},
          resize(ResizeMode::kCubic));
  ASSERT_TRUE(t.infer().is_ok()) << t.infer().to_string();
  EXPECT_EQ(t.out().to_string(), "1x2x7x1");
  EXPECT_EQ(t.out_type(), DataType::kFloat);
}

TEST(ResizeShape, IntegerDataOnlyForNearest) {
  OneLayer nearest;
  nearest.layer(
      OpType::kResize,
      {nearest.input({1, 1, 2, 2}, DataType::kUInt8), nullptr, nearest.floats({1, 1, 2, 3})},
      resize(ResizeMode::kNearest));
  ASSERT_TRUE(nearest.infer().is_ok()) << nearest.infer().to_string();
  EXPECT_EQ(nearest.out().to_string(), "1x1x4x6");
  EXPECT_EQ(nearest.out_type(), DataType::kUInt8);

  OneLayer linear;
  linear.layer(OpType::kResize,
               {linear.input({1, 1, 2, 2}, DataType::kInt8), nullptr, linear.floats({1, 1, 2, 2})},
               resize(ResizeMode::kLinear));
  expect_error(linear.infer(), StatusCode::kUnsupported, {"Resize \"op\"", "only nearest"});
}

TEST(ResizeShape, Errors) {
  OneLayer both;
  both.layer(
      OpType::kResize,
      {both.input({1, 1, 2, 2}), nullptr, both.floats({1, 1, 2, 2}), both.ints({1, 1, 4, 4})},
      resize(ResizeMode::kNearest));
  expect_error(both.infer(), StatusCode::kInvalidArgument, {"exactly one of scales and sizes"});

  OneLayer neither;
  neither.layer(OpType::kResize, {neither.input({1, 1, 2, 2})}, resize(ResizeMode::kNearest));
  expect_error(neither.infer(), StatusCode::kInvalidArgument, {"neither is"});

  OneLayer length;
  length.layer(OpType::kResize, {length.input({1, 1, 2, 2}), nullptr, length.floats({2, 2})},
               resize(ResizeMode::kNearest));
  expect_error(length.infer(), StatusCode::kInvalidArgument, {"scales has 2 entries, expected 4"});

  OneLayer runtime;
  runtime.layer(OpType::kResize, {runtime.input({1, 1, 2, 2}), nullptr, runtime.input({4})},
                resize(ResizeMode::kNearest));
  expect_error(runtime.infer(), StatusCode::kUnsupported,
               {"scales", "must be known at build time"});

  OneLayer zero;
  zero.layer(OpType::kResize, {zero.input({1, 1, 4, 4}), nullptr, zero.floats({1, 1, 0.2f, 1})},
             resize(ResizeMode::kNearest));
  expect_error(zero.infer(), StatusCode::kInvalidArgument, {"would have output extent 0"});

  OneLayer negative;
  negative.layer(OpType::kResize,
                 {negative.input({1, 1, 4, 4}), nullptr, negative.floats({1, 1, -2, 1})},
                 resize(ResizeMode::kNearest));
  expect_error(negative.infer(), StatusCode::kInvalidArgument, {"scales[2] is -2"});

  OneLayer roi;
  roi.layer(OpType::kResize, {roi.input({1, 1, 4, 4}), nullptr, nullptr, roi.ints({1, 1, 3, 3})},
            resize(ResizeMode::kLinear, ResizeCoordinateMode::kTfCropAndResize));
  expect_error(roi.infer(), StatusCode::kInvalidArgument, {"needs a roi of 8 values"});
}

}  // namespace
}  // namespace int8rt
