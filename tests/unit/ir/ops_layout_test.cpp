// Shape inference of Concat, Split, Slice, Gather, Transpose, Pad, Expand.
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

TEST(LayoutShapes, Concat) {
  Network net;
  auto l =
      infer(net, OpType::kConcat,
            {input(net, "a", {2, 3, 4}), input(net, "b", {2, 5, 4}), input(net, "c", {2, 0, 4})},
            ConcatAttrs{-2});
  ASSERT_TRUE(l.is_ok()) << l.status().to_string();
  EXPECT_EQ((*l)->output(0)->dims(), (Dims{2, 8, 4}));
  EXPECT_EQ((*l)->attrs_as<ConcatAttrs>().axis, 1);  // normalized for the kernels
  Network bad;
  expect_error(
      infer(bad, OpType::kConcat, {input(bad, "a", {2, 3}), input(bad, "b", {3, 3})},
            ConcatAttrs{1})
          .status(),
      "Concat \"l\": cannot concatenate 3x3 (input \"b\") with 2x3 (input \"a\") along axis 1");
  Network axis;
  expect_error(infer(axis, OpType::kConcat, {input(axis, "a", {2, 3})}, ConcatAttrs{2}).status(),
               "axis 2 is out of range for rank 2");
  Network dtype;
  expect_error(
      infer(dtype, OpType::kConcat,
            {input(dtype, "a", {2}), input(dtype, "b", {2}, DataType::kInt64)}, ConcatAttrs{0})
          .status(),
      "input \"b\" has dtype int64");
}

TEST(LayoutShapes, Split) {
  Network net;
  auto equal = infer(net, OpType::kSplit, {input(net, "x", {6, 4})}, SplitAttrs{0}, 3);
  ASSERT_TRUE(equal.is_ok()) << equal.status().to_string();
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ((*equal)->output(i)->dims(), (Dims{2, 4}));
  Network sized;
  auto given = infer(sized, OpType::kSplit, {input(sized, "x", {6, 4}), ints(sized, "s", {1, 3})},
                     SplitAttrs{-1}, 2);
  ASSERT_TRUE(given.is_ok()) << given.status().to_string();
  EXPECT_EQ((*given)->output(0)->dims(), (Dims{6, 1}));
  EXPECT_EQ((*given)->output(1)->dims(), (Dims{6, 3}));
  Network uneven;
  expect_error(infer(uneven, OpType::kSplit, {input(uneven, "x", {5})}, SplitAttrs{0}, 2).status(),
               "Split \"l\": axis 0 of 5 does not split into 2 equal parts");
  Network sum;
  expect_error(
      infer(sum, OpType::kSplit, {input(sum, "x", {5}), ints(sum, "s", {2, 2})}, SplitAttrs{0}, 2)
          .status(),
      "split sizes add up to 4, but axis 0 of 5 has 5");
  Network count;
  expect_error(infer(count, OpType::kSplit, {input(count, "x", {5}), ints(count, "s", {5})},
                     SplitAttrs{0}, 2)
                   .status(),
               "split has 1 sizes for 2 outputs");
}

TEST(LayoutShapes, Slice) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  Network net;
  auto l = infer(
      net, OpType::kSlice,
      {input(net, "x", {20, 10, 5}), ints(net, "starts", {0, -3}), ints(net, "ends", {kMax, 1000}),
       ints(net, "axes", {0, -2}), ints(net, "steps", {3, 1})});
  ASSERT_TRUE(l.is_ok()) << l.status().to_string();
  EXPECT_EQ((*l)->output(0)->dims(), (Dims{7, 3, 5}));
  Network back;
  auto reversed = infer(back, OpType::kSlice,
                        {input(back, "x", {4}), ints(back, "starts", {-1}),
                         ints(back, "ends", {-1000}), nullptr, ints(back, "steps", {-1})});
  ASSERT_TRUE(reversed.is_ok()) << reversed.status().to_string();
  EXPECT_EQ((*reversed)->output(0)->dims(), (Dims{4}));
  Network zero;
  expect_error(infer(zero, OpType::kSlice,
                     {input(zero, "x", {4}), ints(zero, "starts", {0}), ints(zero, "ends", {4}),
                      nullptr, ints(zero, "steps", {0})})
                   .status(),
               "Slice \"l\": step 0 on axis 0");
  Network twice;
  expect_error(infer(twice, OpType::kSlice,
                     {input(twice, "x", {4, 4}), ints(twice, "starts", {0, 0}),
                      ints(twice, "ends", {1, 1}), ints(twice, "axes", {1, -1})})
                   .status(),
               "axis -1 is given twice");
  Network runtime;
  Tensor* starts = input(runtime, "starts", {1}, DataType::kInt64);
  Status s =
      infer(runtime, OpType::kSlice, {input(runtime, "x", {4}), starts, ints(runtime, "ends", {2})})
          .status();
  expect_error(s, "input 1 (starts, tensor \"starts\") must be known at build time");
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
}

TEST(LayoutShapes, Gather) {
  Network net;
  Tensor* indices = input(net, "i", {4, 5}, DataType::kInt32);
  auto l = infer(net, OpType::kGather, {input(net, "x", {2, 3, 6}), indices}, GatherAttrs{-2});
  ASSERT_TRUE(l.is_ok()) << l.status().to_string();
  EXPECT_EQ((*l)->output(0)->dims(), (Dims{2, 4, 5, 6}));
  EXPECT_EQ((*l)->attrs_as<GatherAttrs>().axis, 1);
  Network scalar;
  Tensor* index = scalar
                      .add_constant("i", Weights::from_vector(DataType::kInt64, Dims{},
                                                              std::vector<int64_t>{-3}))
                      .value();
  auto s = infer(scalar, OpType::kGather, {input(scalar, "x", {3}, DataType::kInt64), index},
                 GatherAttrs{0});
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  EXPECT_EQ((*s)->output(0)->dims(), (Dims{}));
  EXPECT_EQ((*s)->output(0)->dtype(), DataType::kInt64);
  Network range;
  expect_error(infer(range, OpType::kGather, {input(range, "x", {3}), ints(range, "i", {0, 3})},
                     GatherAttrs{0})
                   .status(),
               "Gather \"l\": index 3 is out of range for axis 0 of 3");
  Network dtype;
  expect_error(infer(dtype, OpType::kGather, {input(dtype, "x", {3}), input(dtype, "i", {1})},
                     GatherAttrs{0})
                   .status(),
               "input \"i\" has dtype float32, expected one of: int32, int64");
}

TEST(LayoutShapes, Transpose) {
  Network net;
  auto l = infer(net, OpType::kTranspose, {input(net, "x", {2, 3, 4})}, TransposeAttrs{});
  ASSERT_TRUE(l.is_ok()) << l.status().to_string();
  EXPECT_EQ((*l)->output(0)->dims(), (Dims{4, 3, 2}));
  EXPECT_EQ((*l)->attrs_as<TransposeAttrs>().perm, (std::vector<int64_t>{2, 1, 0}));
  Network perm;
  auto p =
      infer(perm, OpType::kTranspose, {input(perm, "x", {2, 3, 4})}, TransposeAttrs{{0, 2, 1}});
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ((*p)->output(0)->dims(), (Dims{2, 4, 3}));
  Network bad;
  expect_error(
      infer(bad, OpType::kTranspose, {input(bad, "x", {2, 3, 4})}, TransposeAttrs{{0, 0, 1}})
          .status(),
      "Transpose \"l\": perm [0,0,1] is not a permutation of the 3 axes of 2x3x4");
}

TEST(LayoutShapes, Pad) {
  Network net;
  auto l =
      infer(net, OpType::kPad, {input(net, "x", {1, 3, 4}), ints(net, "p", {0, 1, -1, 0, 2, -2})},
            PadAttrs{PadMode::kReflect});
  ASSERT_TRUE(l.is_ok()) << l.status().to_string();
  EXPECT_EQ((*l)->output(0)->dims(), (Dims{1, 6, 1}));
  Network count;
  expect_error(
      infer(count, OpType::kPad, {input(count, "x", {3, 4}), ints(count, "p", {1, 1})}, PadAttrs{})
          .status(),
      "Pad \"l\": pads has 2 entries, expected 4");
  Network crop;
  expect_error(
      infer(crop, OpType::kPad, {input(crop, "x", {3}), ints(crop, "p", {-2, -2})}, PadAttrs{})
          .status(),
      "crop axis 0 of 3 below zero");
  Network value;
  Tensor* v = value.add_constant("v", Weights::zeros(DataType::kInt32, Dims{})).value();
  expect_error(
      infer(value, OpType::kPad, {input(value, "x", {3}), ints(value, "p", {1, 1}), v}, PadAttrs{})
          .status(),
      "constant_value \"v\" is int32 (), expected a scalar of data's dtype float32");
}

TEST(LayoutShapes, Expand) {
  Network net;
  auto l = infer(net, OpType::kExpand, {input(net, "x", {3, 1}), ints(net, "s", {2, 1, 6})});
  ASSERT_TRUE(l.is_ok()) << l.status().to_string();
  EXPECT_EQ((*l)->output(0)->dims(), (Dims{2, 3, 6}));
  Network bad;
  expect_error(infer(bad, OpType::kExpand, {input(bad, "x", {3}), ints(bad, "s", {4})}).status(),
               "Expand \"l\": shapes 3 and 4 cannot be broadcast together");
}

}  // namespace
}  // namespace int8rt
