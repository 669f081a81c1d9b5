// Shape inference of Flatten, Reshape, Squeeze, Unsqueeze, Shape, Cast, ConstantOfShape, Range,
// Identity.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "int8rt/network.h"
#include "ir/shape_inference.h"
#include "unit/ir/shape_test_util.h"

namespace int8rt {
namespace {

using testing::expect_error;
using testing::infer;
using testing::input;
using testing::ints;

Dims output_dims(Network& net, OpType type, std::vector<Tensor*> inputs, Attrs attrs = NoAttrs{}) {
  auto layer = infer(net, type, std::move(inputs), std::move(attrs));
  if (!layer.is_ok()) {
    ADD_FAILURE() << layer.status().to_string();
    return Dims{-1};
  }
  return (*layer)->output(0)->dims();
}

TEST(ShapeShapes, Flatten) {
  const std::vector<std::pair<int64_t, Dims>> cases = {
      {0, {1, 120}}, {1, {2, 60}}, {3, {30, 4}}, {4, {120, 1}}, {-1, {30, 4}}, {-4, {1, 120}}};
  for (const auto& [axis, expected] : cases) {
    Network net;
    EXPECT_EQ(
        output_dims(net, OpType::kFlatten, {input(net, "x", {2, 3, 5, 4})}, FlattenAttrs{axis}),
        expected)
        << "axis " << axis;
  }
  Network bad;
  expect_error(infer(bad, OpType::kFlatten, {input(bad, "x", {2, 3})}, FlattenAttrs{3}).status(),
               "Flatten \"l\": axis 3 is out of range [-2, 2] for 2x3");
}

TEST(ShapeShapes, Reshape) {
  Network net;
  EXPECT_EQ(output_dims(net, OpType::kReshape,
                        {input(net, "x", {2, 3, 4}), ints(net, "s", {0, -1})}, ReshapeAttrs{}),
            (Dims{2, 12}));
  Network swap;
  EXPECT_EQ(
      output_dims(swap, OpType::kReshape,
                  {input(swap, "x", {2, 3, 4}), ints(swap, "s", {4, 0, -1, 1})}, ReshapeAttrs{}),
      (Dims{4, 3, 2, 1}));
  Network allowzero;
  EXPECT_EQ(output_dims(allowzero, OpType::kReshape,
                        {input(allowzero, "x", {0, 3}), ints(allowzero, "s", {3, 0})},
                        ReshapeAttrs{true}),
            (Dims{3, 0}));
  Network bad;
  expect_error(infer(bad, OpType::kReshape, {input(bad, "x", {2, 3}), ints(bad, "s", {4, 2})},
                     ReshapeAttrs{})
                   .status(),
               "Reshape \"l\": cannot reshape 2x3 (6 elements) to 4x2 (8 elements)");
  Network two;
  expect_error(infer(two, OpType::kReshape, {input(two, "x", {2, 3}), ints(two, "s", {-1, -1})},
                     ReshapeAttrs{})
                   .status(),
               "has more than one -1");
  Network inexact;
  expect_error(infer(inexact, OpType::kReshape,
                     {input(inexact, "x", {2, 3}), ints(inexact, "s", {4, -1})}, ReshapeAttrs{})
                   .status(),
               "cannot reshape 2x3 (6 elements) to [4,-1]");
  Network both;
  expect_error(infer(both, OpType::kReshape, {input(both, "x", {2, 3}), ints(both, "s", {0, -1})},
                     ReshapeAttrs{true})
                   .status(),
               "has both 0 and -1, which allowzero forbids");
  Network runtime;
  expect_error(infer(runtime, OpType::kReshape,
                     {input(runtime, "x", {2, 3}), input(runtime, "s", {2}, DataType::kInt64)},
                     ReshapeAttrs{})
                   .status(),
               "must be known at build time");
}

TEST(ShapeShapes, SqueezeAndUnsqueeze) {
  Network all;
  EXPECT_EQ(output_dims(all, OpType::kSqueeze, {input(all, "x", {1, 3, 1, 2})}), (Dims{3, 2}));
  Network some;
  EXPECT_EQ(
      output_dims(some, OpType::kSqueeze, {input(some, "x", {1, 3, 1, 2}), ints(some, "a", {-2})}),
      (Dims{1, 3, 2}));
  Network bad;
  expect_error(
      infer(bad, OpType::kSqueeze, {input(bad, "x", {1, 3}), ints(bad, "a", {1})}).status(),
      "Squeeze \"l\": cannot squeeze axis 1 of 1x3, its extent is not 1");
  Network un;
  EXPECT_EQ(
      output_dims(un, OpType::kUnsqueeze, {input(un, "x", {3, 4, 5}), ints(un, "a", {5, 4, 2})}),
      (Dims{3, 4, 1, 5, 1, 1}));
  Network neg;
  EXPECT_EQ(output_dims(neg, OpType::kUnsqueeze, {input(neg, "x", {}), ints(neg, "a", {-1})}),
            (Dims{1}));
  Network dup;
  expect_error(
      infer(dup, OpType::kUnsqueeze, {input(dup, "x", {3}), ints(dup, "a", {1, -2})}).status(),
      "axis -2 is given twice");
}

TEST(ShapeShapes, ShapeStartEnd) {
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  const std::vector<std::pair<ShapeAttrs, int64_t>> cases = {
      {{0, kMax}, 4}, {{1, kMax}, 3}, {{-1, kMax}, 1}, {{1, -1}, 2},
      {{-10, 10}, 4}, {{3, 1}, 0},    {{0, -10}, 0}};
  for (const auto& [attrs, count] : cases) {
    Network net;
    auto l = infer(net, OpType::kShape, {input(net, "x", {2, 3, 5, 7})}, attrs);
    ASSERT_TRUE(l.is_ok()) << l.status().to_string();
    EXPECT_EQ((*l)->output(0)->dims(), (Dims{count})) << attrs.start << ", " << attrs.end;
    EXPECT_EQ((*l)->output(0)->dtype(), DataType::kInt64);
  }
}

TEST(ShapeShapes, CastIdentityConstantOfShapeRange) {
  Network net;
  auto cast = infer(net, OpType::kCast, {input(net, "x", {2, 2})}, CastAttrs{DataType::kInt8});
  ASSERT_TRUE(cast.is_ok());
  EXPECT_EQ((*cast)->output(0)->dtype(), DataType::kInt8);
  EXPECT_EQ((*cast)->output(0)->dims(), (Dims{2, 2}));
  Network id;
  auto identity = infer(id, OpType::kIdentity, {input(id, "x", {3}, DataType::kBool)});
  ASSERT_TRUE(identity.is_ok());
  EXPECT_EQ((*identity)->output(0)->dtype(), DataType::kBool);

  Network cos;
  auto filled = infer(cos, OpType::kConstantOfShape, {ints(cos, "s", {2, 0, 3})},
                      ConstantOfShapeAttrs{Weights::zeros(DataType::kInt32, Dims{1})});
  ASSERT_TRUE(filled.is_ok()) << filled.status().to_string();
  EXPECT_EQ((*filled)->output(0)->dims(), (Dims{2, 0, 3}));
  EXPECT_EQ((*filled)->output(0)->dtype(), DataType::kInt32);
  Network negative;
  expect_error(infer(negative, OpType::kConstantOfShape, {ints(negative, "s", {2, -1})},
                     ConstantOfShapeAttrs{})
                   .status(),
               "ConstantOfShape \"l\": shape [2,-1] has negative extent -1");

  auto scalar = [](Network& n, const std::string& name, float v) {
    return n
        .add_constant(name, Weights::from_vector(DataType::kFloat, Dims{}, std::vector<float>{v}))
        .value();
  };
  Network range;
  auto r = infer(range, OpType::kRange,
                 {scalar(range, "a", 1.0f), scalar(range, "b", 2.0f), scalar(range, "c", 0.3f)});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ((*r)->output(0)->dims(), (Dims{4}));  // ceil(1 / 0.3) = 4
  Network zero;
  expect_error(infer(zero, OpType::kRange,
                     {scalar(zero, "a", 1.0f), scalar(zero, "b", 2.0f), scalar(zero, "c", 0.0f)})
                   .status(),
               "Range \"l\": delta is 0");
}

}  // namespace
}  // namespace int8rt
