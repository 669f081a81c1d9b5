// Reference kernels of Concat, Split, Slice, Gather, Transpose, Pad, Expand: hand-computed cases
// (several from ONNX's operator documentation) and naive index loops written here.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "int8rt/network.h"
#include "testing/reference_eval.h"

namespace int8rt {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::lowest();

using testing::evaluate_layer;
using testing::ints;
using testing::iota;
using testing::tensor;
using testing::values_of;

Weights run_one(OpType type, Attrs attrs, const std::vector<Weights>& inputs) {
  auto out = evaluate_layer(type, std::move(attrs), inputs);
  if (!out.is_ok()) {
    ADD_FAILURE() << to_string(type) << ": " << out.status().to_string();
    return Weights();
  }
  return out->at(0);
}

TEST(ReferenceLayout, ConcatAlongEachAxis) {
  Weights a = tensor<int64_t>(DataType::kInt64, {2, 1}, {1, 2});
  Weights b = tensor<int64_t>(DataType::kInt64, {2, 2}, {3, 4, 5, 6});
  Weights y = run_one(OpType::kConcat, ConcatAttrs{1}, {a, b});
  EXPECT_EQ(y.dims(), (Dims{2, 3}));
  EXPECT_EQ(values_of<int64_t>(y), (std::vector<int64_t>{1, 3, 4, 2, 5, 6}));
  Weights neg = run_one(
      OpType::kConcat, ConcatAttrs{-2},
      {tensor<float>(DataType::kFloat, {1, 2}, {1, 2}), tensor<float>(DataType::kFloat, {0, 2}, {}),
       tensor<float>(DataType::kFloat, {2, 2}, {3, 4, 5, 6})});
  EXPECT_EQ(neg.dims(), (Dims{3, 2}));
  EXPECT_EQ(values_of<float>(neg), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  Weights bools = run_one(
      OpType::kConcat, ConcatAttrs{0},
      {tensor<uint8_t>(DataType::kBool, {1}, {1}), tensor<uint8_t>(DataType::kBool, {2}, {0, 1})});
  EXPECT_EQ(bools.dtype(), DataType::kBool);
  EXPECT_EQ(values_of<uint8_t>(bools), (std::vector<uint8_t>{1, 0, 1}));
}

TEST(ReferenceLayout, SplitEqualAndGivenSizes) {
  auto equal = evaluate_layer(OpType::kSplit, SplitAttrs{1}, {iota({2, 4})}, 2);
  ASSERT_TRUE(equal.is_ok()) << equal.status().to_string();
  EXPECT_EQ(values_of<float>(equal->at(0)), (std::vector<float>{0, 1, 4, 5}));
  EXPECT_EQ(values_of<float>(equal->at(1)), (std::vector<float>{2, 3, 6, 7}));
  auto sized = evaluate_layer(OpType::kSplit, SplitAttrs{-1}, {iota({2, 4}), ints({1, 0, 3})}, 3);
  ASSERT_TRUE(sized.is_ok()) << sized.status().to_string();
  EXPECT_EQ(sized->at(0).dims(), (Dims{2, 1}));
  EXPECT_EQ(sized->at(1).dims(), (Dims{2, 0}));
  EXPECT_EQ(sized->at(2).dims(), (Dims{2, 3}));
  EXPECT_EQ(values_of<float>(sized->at(0)), (std::vector<float>{0, 4}));
  EXPECT_EQ(values_of<float>(sized->at(2)), (std::vector<float>{1, 2, 3, 5, 6, 7}));
}

TEST(ReferenceLayout, SliceFromOnnxExamples) {
  // data = [[1, 2, 3, 4], [5, 6, 7, 8]]
  Weights data = tensor<float>(DataType::kFloat, {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  // axes [0, 1], starts [1, 0], ends [2, 3], steps [1, 2] -> [[5, 7]]
  Weights a = run_one(OpType::kSlice, NoAttrs{},
                      {data, ints({1, 0}), ints({2, 3}), ints({0, 1}), ints({1, 2})});
  EXPECT_EQ(a.dims(), (Dims{1, 2}));
  EXPECT_EQ(values_of<float>(a), (std::vector<float>{5, 7}));
  // starts [0, 1], ends [-1, 1000] -> [[2, 3, 4]]
  Weights b = run_one(OpType::kSlice, NoAttrs{}, {data, ints({0, 1}), ints({-1, 1000})});
  EXPECT_EQ(b.dims(), (Dims{1, 3}));
  EXPECT_EQ(values_of<float>(b), (std::vector<float>{2, 3, 4}));
}

TEST(ReferenceLayout, SliceNegativeStepsAndClamping) {
  Weights data = iota({5});
  auto slice = [&](int64_t start, int64_t end, int64_t step) {
    return values_of<float>(run_one(OpType::kSlice, NoAttrs{},
                                    {data, ints({start}), ints({end}), ints({0}), ints({step})}));
  };
  EXPECT_EQ(slice(-1, kInt64Min, -1), (std::vector<float>{4, 3, 2, 1, 0}));
  EXPECT_EQ(slice(kInt64Max, -6, -2), (std::vector<float>{4, 2, 0}));
  EXPECT_EQ(slice(3, 0, -1), (std::vector<float>{3, 2, 1}));
  EXPECT_EQ(slice(-100, kInt64Max, 3), (std::vector<float>{0, 3}));
  EXPECT_EQ(slice(1, kInt64Max, 1), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(slice(3, 1, 1), (std::vector<float>{}));
  EXPECT_EQ(slice(10, 20, 1), (std::vector<float>{}));
}

TEST(ReferenceLayout, SliceMatchesNaiveLoopIn3D) {
  // y[i, j, k] = x[i, 2 - j, 1 + 2k] for x of shape 2x3x5: axes -2 (reversed) and 2 (step 2).
  Weights x = iota({2, 3, 5});
  Weights y = run_one(OpType::kSlice, NoAttrs{},
                      {x, ints({-1, 1}), ints({kInt64Min, 5}), ints({-2, 2}), ints({-1, 2})});
  ASSERT_EQ(y.dims(), (Dims{2, 3, 2}));
  std::vector<float> expected;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 2; ++k)
        expected.push_back(static_cast<float>(i * 15 + (2 - j) * 5 + 1 + 2 * k));
  EXPECT_EQ(values_of<float>(y), expected);
}

TEST(ReferenceLayout, GatherWithNegativeAndMultiDimIndices) {
  // data 3x2; indices [[0, 1], [1, 2]] on axis 0 (ONNX example)
  Weights data = tensor<float>(DataType::kFloat, {3, 2}, {1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f});
  Weights y = run_one(OpType::kGather, GatherAttrs{0},
                      {data, tensor<int64_t>(DataType::kInt64, {2, 2}, {0, 1, 1, 2})});
  EXPECT_EQ(y.dims(), (Dims{2, 2, 2}));
  EXPECT_EQ(values_of<float>(y),
            (std::vector<float>{1.0f, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5f, 5.7f}));
  // int32 indices, axis 1, a negative index
  Weights cols = run_one(OpType::kGather, GatherAttrs{-1},
                         {data, tensor<int32_t>(DataType::kInt32, {3}, {-1, 0, 1})});
  EXPECT_EQ(cols.dims(), (Dims{3, 3}));
  EXPECT_EQ(values_of<float>(cols),
            (std::vector<float>{1.2f, 1.0f, 1.2f, 3.4f, 2.3f, 3.4f, 5.7f, 4.5f, 5.7f}));
  // a scalar index drops the axis: int64 shape vector [2, 3, 4][1] -> 3
  Weights dim = run_one(OpType::kGather, GatherAttrs{0},
                        {ints({2, 3, 4}), tensor<int64_t>(DataType::kInt64, {}, {1})});
  EXPECT_EQ(dim.dims(), (Dims{}));
  EXPECT_EQ(values_of<int64_t>(dim), (std::vector<int64_t>{3}));
}

TEST(ReferenceLayout, GatherRejectsOutOfRangeIndicesAtRunTime) {
  Network net;
  Tensor* data = net.add_constant("data", ints({1, 2, 3})).value();
  Tensor* indices = net.add_input("indices", DataType::kInt64, Dims{1}).value();
  Layer* gather =
      net.add_layer(OpType::kGather, "g", {data, indices}, GatherAttrs{}, {"y"}).value();
  ASSERT_TRUE(ir::infer_layer(*gather).is_ok());
  auto y = reference::evaluate(*gather, {ints({1, 2, 3}), ints({3})});
  ASSERT_FALSE(y.is_ok());
  EXPECT_NE(y.status().message().find("index 3 is out of range"), std::string::npos)
      << y.status().message();
}

TEST(ReferenceLayout, TransposeMatchesNaiveLoop) {
  Weights x = iota({2, 3, 4});
  Weights y = run_one(OpType::kTranspose, TransposeAttrs{{1, 2, 0}}, {x});
  ASSERT_EQ(y.dims(), (Dims{3, 4, 2}));
  std::vector<float> expected;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 2; ++k)
        expected.push_back(static_cast<float>(k * 12 + i * 4 + j));  // y[i,j,k] = x[k,i,j]
  EXPECT_EQ(values_of<float>(y), expected);
  Weights reversed = run_one(OpType::kTranspose, TransposeAttrs{},
                             {tensor<int64_t>(DataType::kInt64, {2, 3}, {1, 2, 3, 4, 5, 6})});
  EXPECT_EQ(reversed.dims(), (Dims{3, 2}));
  EXPECT_EQ(values_of<int64_t>(reversed), (std::vector<int64_t>{1, 4, 2, 5, 3, 6}));
}

TEST(ReferenceLayout, PadModesFromOnnxExamples) {
  // data = [[1.0, 1.2], [2.3, 3.4], [4.5, 5.7]], pads = [0, 2, 0, 0]
  Weights data = tensor<float>(DataType::kFloat, {3, 2}, {1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f});
  Weights pads = ints({0, 2, 0, 0});
  Weights constant = run_one(OpType::kPad, PadAttrs{PadMode::kConstant},
                             {data, pads, tensor<float>(DataType::kFloat, {}, {-1.0f})});
  EXPECT_EQ(constant.dims(), (Dims{3, 4}));
  EXPECT_EQ(values_of<float>(constant),
            (std::vector<float>{-1, -1, 1.0f, 1.2f, -1, -1, 2.3f, 3.4f, -1, -1, 4.5f, 5.7f}));
  Weights reflect = run_one(OpType::kPad, PadAttrs{PadMode::kReflect}, {data, pads});
  EXPECT_EQ(values_of<float>(reflect), (std::vector<float>{1.0f, 1.2f, 1.0f, 1.2f, 2.3f, 3.4f, 2.3f,
                                                           3.4f, 4.5f, 5.7f, 4.5f, 5.7f}));
  Weights edge = run_one(OpType::kPad, PadAttrs{PadMode::kEdge}, {data, pads});
  EXPECT_EQ(values_of<float>(edge), (std::vector<float>{1.0f, 1.0f, 1.0f, 1.2f, 2.3f, 2.3f, 2.3f,
                                                        3.4f, 4.5f, 4.5f, 4.5f, 5.7f}));
}

TEST(ReferenceLayout, PadReflectFarAndNegativePadsCrop) {
  // [0 1 2] reflected by 4 on the left, 3 on the right (numpy "reflect": period 4)
  Weights reflect = run_one(OpType::kPad, PadAttrs{PadMode::kReflect}, {iota({3}), ints({4, 3})});
  EXPECT_EQ(values_of<float>(reflect), (std::vector<float>{0, 1, 2, 1, 0, 1, 2, 1, 0, 1}));
  // Crop one on the left, pad two with zeros on the right; int64 data, default constant 0.
  Weights crop = run_one(OpType::kPad, PadAttrs{},
                         {tensor<int64_t>(DataType::kInt64, {3}, {7, 8, 9}), ints({-1, 2})});
  EXPECT_EQ(values_of<int64_t>(crop), (std::vector<int64_t>{8, 9, 0, 0}));
  // 2-D: crop the first row, edge-pad one column on the right
  Weights edge2 =
      run_one(OpType::kPad, PadAttrs{PadMode::kEdge}, {iota({2, 2}), ints({-1, 0, 0, 1})});
  EXPECT_EQ(edge2.dims(), (Dims{1, 3}));
  EXPECT_EQ(values_of<float>(edge2), (std::vector<float>{2, 3, 3}));
}

TEST(ReferenceLayout, ExpandBroadcastsBothWays) {
  // [3, 1] expanded with shape [2, 1, 6] -> [2, 3, 6]
  Weights x = tensor<int32_t>(DataType::kInt32, {3, 1}, {1, 2, 3});
  Weights y = run_one(OpType::kExpand, NoAttrs{}, {x, ints({2, 1, 6})});
  ASSERT_EQ(y.dims(), (Dims{2, 3, 6}));
  std::vector<int32_t> expected;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 6; ++k)
        expected.push_back(j + 1);
  EXPECT_EQ(values_of<int32_t>(y), expected);
  Weights same = run_one(OpType::kExpand, NoAttrs{}, {x, ints({1, 1})});
  EXPECT_EQ(same.dims(), (Dims{3, 1}));
  EXPECT_EQ(values_of<int32_t>(same), (std::vector<int32_t>{1, 2, 3}));
}

}  // namespace
}  // namespace int8rt
