// Shape inference of the broadcasting elementwise ops.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "int8rt/network.h"
#include "ir/shape_inference.h"
#include "unit/ir/shape_test_util.h"

namespace int8rt {
namespace {

Tensor* input(Network& net, const std::string& name, DataType type, Dims dims) {
  return net.add_input(name, type, std::move(dims)).value();
}

// Adds a `type` layer named "l" over `inputs` and infers it; the layer lands in *layer.
Status infer(Network& net, OpType type, std::vector<Tensor*> inputs, Layer** layer = nullptr) {
  Layer* l = net.add_layer(type, "l", std::move(inputs), NoAttrs{}, {"out"}).value();
  if (layer != nullptr) *layer = l;
  return ir::infer_layer(*l);
}

using testing::expect_error;

TEST(ElementwiseShapes, BinaryOpsBroadcast) {
  for (OpType type : {OpType::kAdd, OpType::kSub, OpType::kMul, OpType::kDiv}) {
    Network net;
    Layer* layer = nullptr;
    Status s = infer(
        net, type,
        {input(net, "a", DataType::kInt64, {2, 1, 4}), input(net, "b", DataType::kInt64, {3, 1})},
        &layer);
    ASSERT_TRUE(s.is_ok()) << s.to_string();
    EXPECT_EQ(layer->output(0)->dims(), (Dims{2, 3, 4})) << to_string(type);
    EXPECT_EQ(layer->output(0)->dtype(), DataType::kInt64);
  }
  Network net;
  Layer* layer = nullptr;
  ASSERT_TRUE(
      infer(net, OpType::kMul,
            {input(net, "a", DataType::kFloat, {}), input(net, "b", DataType::kFloat, {0, 3})},
            &layer)
          .is_ok());
  EXPECT_EQ(layer->output(0)->dims(), (Dims{0, 3}));
}

TEST(ElementwiseShapes, ErrorsNameTheLayerAndShapes) {
  Network net;
  expect_error(
      infer(net, OpType::kAdd,
            {input(net, "a", DataType::kFloat, {2, 3}), input(net, "b", DataType::kFloat, {4})}),
      "Add \"l\": shapes 2x3 and 4 cannot be broadcast together");
  Network mixed;
  expect_error(
      infer(mixed, OpType::kSub,
            {input(mixed, "a", DataType::kFloat, {2}), input(mixed, "b", DataType::kInt32, {2})}),
      "Sub \"l\": input \"b\" has dtype int32, but input \"a\" has float32");
  Network bools;
  Status s =
      infer(bools, OpType::kAdd,
            {input(bools, "a", DataType::kBool, {2}), input(bools, "b", DataType::kBool, {2})});
  expect_error(s, "dtype bool");
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  Network one;
  expect_error(infer(one, OpType::kDiv, {input(one, "a", DataType::kFloat, {2})}),
               "Div \"l\": has 1 inputs, expected 2");
  Network absent;
  expect_error(infer(absent, OpType::kAdd, {input(absent, "a", DataType::kFloat, {2}), nullptr}),
               "missing required input 1");
}

TEST(ElementwiseShapes, PowKeepsTheBaseDtype) {
  Network net;
  Layer* layer = nullptr;
  ASSERT_TRUE(infer(net, OpType::kPow,
                    {input(net, "x", DataType::kInt32, {3}), input(net, "y", DataType::kFloat, {})},
                    &layer)
                  .is_ok());
  EXPECT_EQ(layer->output(0)->dtype(), DataType::kInt32);
  EXPECT_EQ(layer->output(0)->dims(), (Dims{3}));
  Network bad;
  EXPECT_FALSE(infer(bad, OpType::kPow,
                     {input(bad, "x", DataType::kInt8, {3}), input(bad, "y", DataType::kFloat, {})})
                   .is_ok());
}

TEST(ElementwiseShapes, MaxMinAreVariadic) {
  Network net;
  Layer* layer = nullptr;
  ASSERT_TRUE(
      infer(net, OpType::kMax,
            {input(net, "a", DataType::kFloat, {2, 1}), input(net, "b", DataType::kFloat, {3}),
             input(net, "c", DataType::kFloat, {1, 1, 1})},
            &layer)
          .is_ok());
  EXPECT_EQ(layer->output(0)->dims(), (Dims{1, 2, 3}));
  Network single;
  ASSERT_TRUE(
      infer(single, OpType::kMin, {input(single, "a", DataType::kUInt8, {4})}, &layer).is_ok());
  EXPECT_EQ(layer->output(0)->dims(), (Dims{4}));
  EXPECT_EQ(layer->output(0)->dtype(), DataType::kUInt8);
  Network none;
  EXPECT_FALSE(infer(none, OpType::kMax, {}).is_ok());
}

TEST(ElementwiseShapes, EqualAndWhere) {
  Network net;
  Layer* equal = nullptr;
  ASSERT_TRUE(
      infer(net, OpType::kEqual,
            {input(net, "a", DataType::kInt64, {2, 3}), input(net, "b", DataType::kInt64, {3})},
            &equal)
          .is_ok());
  EXPECT_EQ(equal->output(0)->dtype(), DataType::kBool);
  EXPECT_EQ(equal->output(0)->dims(), (Dims{2, 3}));
  Layer* where = nullptr;
  Network w;
  ASSERT_TRUE(infer(w, OpType::kWhere,
                    {input(w, "c", DataType::kBool, {2, 1, 1}),
                     input(w, "x", DataType::kInt32, {3, 1}), input(w, "y", DataType::kInt32, {4})},
                    &where)
                  .is_ok());
  EXPECT_EQ(where->output(0)->dims(), (Dims{2, 3, 4}));
  EXPECT_EQ(where->output(0)->dtype(), DataType::kInt32);
  Network bad;
  expect_error(
      infer(bad, OpType::kWhere,
            {input(bad, "c", DataType::kFloat, {2}), input(bad, "x", DataType::kFloat, {2}),
             input(bad, "y", DataType::kFloat, {2})}),
      "input \"c\" has dtype float32, expected one of: bool");
}

}  // namespace
}  // namespace int8rt
