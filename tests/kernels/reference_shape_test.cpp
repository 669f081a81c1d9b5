// Reference kernels of Flatten, Reshape, Squeeze, Unsqueeze, Shape, Cast, ConstantOfShape, Range,
// Identity, and the folding of an exporter-style shape subgraph through the public Builder.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "int8rt/builder.h"
#include "int8rt/engine.h"
#include "int8rt/network.h"
#include "testing/reference_eval.h"

namespace int8rt {
namespace {

using testing::evaluate_layer_output;
using testing::ints;
using testing::iota;
using testing::tensor;
using testing::values_of;

Weights run_one(OpType type, Attrs attrs, const std::vector<Weights>& inputs) {
  auto out = evaluate_layer_output(type, std::move(attrs), inputs);
  if (!out.is_ok()) {
    ADD_FAILURE() << to_string(type) << ": " << out.status().to_string();
    return Weights();
  }
  return out.value();
}

TEST(ReferenceShape, ReshapesKeepRowMajorOrder) {
  const std::vector<float> expected = values_of<float>(iota({2, 3, 4}));
  Weights flat = run_one(OpType::kFlatten, FlattenAttrs{2}, {iota({2, 3, 4})});
  EXPECT_EQ(flat.dims(), (Dims{6, 4}));
  EXPECT_EQ(values_of<float>(flat), expected);
  Weights reshaped = run_one(OpType::kReshape, ReshapeAttrs{}, {iota({2, 3, 4}), ints({0, -1})});
  EXPECT_EQ(reshaped.dims(), (Dims{2, 12}));
  EXPECT_EQ(values_of<float>(reshaped), expected);
  Weights squeezed = run_one(OpType::kSqueeze, NoAttrs{}, {iota({1, 3, 1, 2})});
  EXPECT_EQ(squeezed.dims(), (Dims{3, 2}));
  EXPECT_EQ(values_of<float>(squeezed), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  Weights unsqueezed = run_one(OpType::kUnsqueeze, NoAttrs{}, {iota({3, 2}), ints({-1, 0})});
  EXPECT_EQ(unsqueezed.dims(), (Dims{1, 3, 2, 1}));
  EXPECT_EQ(values_of<float>(unsqueezed), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  Weights same =
      run_one(OpType::kIdentity, NoAttrs{}, {tensor<uint8_t>(DataType::kBool, {2}, {1, 0})});
  EXPECT_EQ(same.dtype(), DataType::kBool);
  EXPECT_EQ(values_of<uint8_t>(same), (std::vector<uint8_t>{1, 0}));
}

TEST(ReferenceShape, ShapeNeverReadsItsInputData) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2, 3, 5, 7}).value();
  Layer* shape = net.add_layer(OpType::kShape, "s", {x}, ShapeAttrs{1, -1}, {"y"}).value();
  ASSERT_TRUE(ir::infer_layer(*shape).is_ok());
  auto kernel = reference::create_kernel(*shape);
  ASSERT_TRUE(kernel.is_ok()) << kernel.status().to_string();
  std::vector<int64_t> out(2, -1);
  const void* inputs[] = {nullptr};
  void* outputs[] = {out.data()};
  ASSERT_TRUE((*kernel)->execute(KernelIo{inputs, outputs, nullptr}).is_ok());
  EXPECT_EQ(out, (std::vector<int64_t>{3, 5}));
}

TEST(ReferenceShape, CastFollowsOnnxConversionRules) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Weights f = tensor<float>(DataType::kFloat, {6}, {-1.7f, 2.9f, 1e10f, -1e10f, nan, 0.0f});
  // float -> int: truncation toward zero; out of range saturates; NaN -> 0
  EXPECT_EQ(values_of<int32_t>(run_one(OpType::kCast, CastAttrs{DataType::kInt32}, {f})),
            (std::vector<int32_t>{-1, 2, std::numeric_limits<int32_t>::max(),
                                  std::numeric_limits<int32_t>::lowest(), 0, 0}));
  EXPECT_EQ(values_of<int8_t>(run_one(OpType::kCast, CastAttrs{DataType::kInt8}, {f})),
            (std::vector<int8_t>{-1, 2, 127, -128, 0, 0}));
  EXPECT_EQ(values_of<uint8_t>(run_one(OpType::kCast, CastAttrs{DataType::kUInt8}, {f})),
            (std::vector<uint8_t>{0, 2, 255, 0, 0, 0}));
  // to bool: nonzero (NaN included) is true
  EXPECT_EQ(values_of<uint8_t>(run_one(OpType::kCast, CastAttrs{DataType::kBool}, {f})),
            (std::vector<uint8_t>{1, 1, 1, 1, 1, 0}));
  // int -> narrower int keeps the low bits: 200 -> -56, 300 -> 44
  Weights i = tensor<int64_t>(DataType::kInt64, {3}, {200, 300, -1});
  EXPECT_EQ(values_of<int8_t>(run_one(OpType::kCast, CastAttrs{DataType::kInt8}, {i})),
            (std::vector<int8_t>{-56, 44, -1}));
  EXPECT_EQ(values_of<float>(run_one(OpType::kCast, CastAttrs{DataType::kFloat}, {i})),
            (std::vector<float>{200, 300, -1}));
  Weights b = tensor<uint8_t>(DataType::kBool, {2}, {1, 0});
  EXPECT_EQ(values_of<float>(run_one(OpType::kCast, CastAttrs{DataType::kFloat}, {b})),
            (std::vector<float>{1, 0}));
  EXPECT_EQ(values_of<int64_t>(run_one(OpType::kCast, CastAttrs{DataType::kInt64}, {b})),
            (std::vector<int64_t>{1, 0}));
  Weights u = tensor<uint8_t>(DataType::kUInt8, {2}, {255, 0});
  EXPECT_EQ(values_of<int32_t>(run_one(OpType::kCast, CastAttrs{DataType::kInt32}, {u})),
            (std::vector<int32_t>{255, 0}));
}

TEST(ReferenceShape, ConstantOfShapeFillsValue) {
  Weights zeros = run_one(OpType::kConstantOfShape, ConstantOfShapeAttrs{}, {ints({2, 3})});
  EXPECT_EQ(zeros.dtype(), DataType::kFloat);
  EXPECT_EQ(values_of<float>(zeros), std::vector<float>(6, 0.0f));
  ConstantOfShapeAttrs attrs{tensor<int64_t>(DataType::kInt64, {1}, {-5})};
  Weights fives = run_one(OpType::kConstantOfShape, attrs, {ints({3})});
  EXPECT_EQ(fives.dtype(), DataType::kInt64);
  EXPECT_EQ(values_of<int64_t>(fives), (std::vector<int64_t>{-5, -5, -5}));
  Weights empty = run_one(OpType::kConstantOfShape, attrs, {ints({0})});
  EXPECT_EQ(empty.dims(), (Dims{0}));
  Weights scalar = run_one(OpType::kConstantOfShape, attrs, {ints({})});
  EXPECT_EQ(scalar.dims(), (Dims{}));
  EXPECT_EQ(values_of<int64_t>(scalar), (std::vector<int64_t>{-5}));
}

TEST(ReferenceShape, RangeCountsAndValues) {
  // ONNX examples: (3, 9, 3) -> [3, 6]; (10, 4, -3) int32 -> [10, 7]
  auto scalar = [](int64_t v) { return tensor<int64_t>(DataType::kInt64, {}, {v}); };
  Weights a = run_one(OpType::kRange, NoAttrs{}, {scalar(3), scalar(9), scalar(3)});
  EXPECT_EQ(values_of<int64_t>(a), (std::vector<int64_t>{3, 6}));
  auto scalar32 = [](int32_t v) { return tensor<int32_t>(DataType::kInt32, {}, {v}); };
  Weights b = run_one(OpType::kRange, NoAttrs{}, {scalar32(10), scalar32(4), scalar32(-3)});
  EXPECT_EQ(values_of<int32_t>(b), (std::vector<int32_t>{10, 7}));
  auto scalarf = [](float v) { return tensor<float>(DataType::kFloat, {}, {v}); };
  Weights c = run_one(OpType::kRange, NoAttrs{}, {scalarf(1), scalarf(2), scalarf(0.25f)});
  EXPECT_EQ(values_of<float>(c), (std::vector<float>{1, 1.25f, 1.5f, 1.75f}));
  Weights none = run_one(OpType::kRange, NoAttrs{}, {scalar(5), scalar(1), scalar(1)});
  EXPECT_EQ(none.dims(), (Dims{0}));
}

// x (2x3x4) -> Shape -> Gather(0) -> Unsqueeze(0) -> Concat with [-1] -> Reshape(x, .): the
// exporters' way of writing x.view(x.size(0), -1). The builder folds the shape subgraph into a
// constant, leaving one Reshape.
TEST(ReferenceShape, BuilderFoldsShapeSubgraphIntoReshape) {
  Builder builder;
  auto net = builder.create_network();
  Tensor* x = net->add_input("x", DataType::kFloat, Dims{2, 3, 4}).value();
  Tensor* zero = net->add_constant("zero", tensor<int64_t>(DataType::kInt64, {}, {0})).value();
  Tensor* axes = net->add_constant("axes", ints({0})).value();
  Tensor* minus_one = net->add_constant("minus_one", ints({-1})).value();
  Layer* shape = net->add_layer(OpType::kShape, "shape", {x}, ShapeAttrs{}, {"x_shape"}).value();
  Layer* gather =
      net->add_layer(OpType::kGather, "gather", {shape->output(0), zero}, GatherAttrs{0}, {"n"})
          .value();
  Layer* unsqueeze =
      net->add_layer(OpType::kUnsqueeze, "unsqueeze", {gather->output(0), axes}, NoAttrs{}, {"n1"})
          .value();
  Layer* concat = net->add_layer(OpType::kConcat, "concat", {unsqueeze->output(0), minus_one},
                                 ConcatAttrs{0}, {"target"})
                      .value();
  Layer* reshape =
      net->add_layer(OpType::kReshape, "reshape", {x, concat->output(0)}, ReshapeAttrs{}, {"y"})
          .value();
  ASSERT_TRUE(net->mark_output(reshape->output(0)).is_ok());

  auto config = builder.create_config();
  config->set_backend("reference");
  auto engine = builder.build(*net, *config);
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  std::vector<LayerInfo> layers = (*engine)->layers();
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_EQ(layers[0].op, "Reshape");
  ASSERT_EQ((*engine)->num_outputs(), 1);
  EXPECT_EQ((*engine)->output(0).dims, (Dims{2, 12}));

  std::vector<float> input = values_of<float>(iota({2, 3, 4}));
  for (float& v : input)
    v = v * 0.5f - 3.0f;
  std::vector<float> output(24, 0.0f);
  auto context = (*engine)->create_execution_context();
  const void* inputs[] = {input.data()};
  void* outputs[] = {output.data()};
  ASSERT_TRUE(context->execute(inputs, outputs).is_ok());
  EXPECT_EQ(output, input);
}

}  // namespace
}  // namespace int8rt
