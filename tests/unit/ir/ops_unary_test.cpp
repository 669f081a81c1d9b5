// Shape inference of the elementwise unary math ops.
#include <gtest/gtest.h>

#include <string>

#include "int8rt/network.h"
#include "ir/shape_inference.h"

namespace int8rt {
namespace {

Status infer_unary(OpType type, DataType dtype, Dims dims, Layer** layer, Network& net) {
  Tensor* x = net.add_input("x", dtype, std::move(dims)).value();
  *layer = net.add_layer(type, "u", {x}, NoAttrs{}, {"y"}).value();
  return ir::infer_layer(**layer);
}

TEST(UnaryShapes, OutputMatchesInput) {
  for (OpType type : {OpType::kAbs, OpType::kNeg, OpType::kSqrt, OpType::kReciprocal, OpType::kExp,
                      OpType::kLog, OpType::kFloor, OpType::kCeil, OpType::kErf}) {
    Network net;
    Layer* layer = nullptr;
    Status s = infer_unary(type, DataType::kFloat, Dims{2, 0, 5}, &layer, net);
    ASSERT_TRUE(s.is_ok()) << to_string(type) << ": " << s.to_string();
    EXPECT_EQ(layer->output(0)->dims(), (Dims{2, 0, 5})) << to_string(type);
    EXPECT_EQ(layer->output(0)->dtype(), DataType::kFloat) << to_string(type);
  }
}

TEST(UnaryShapes, IntegerDtypesWhereOnnxAllowsThem) {
  Network net;
  Layer* layer = nullptr;
  ASSERT_TRUE(infer_unary(OpType::kAbs, DataType::kInt8, Dims{3}, &layer, net).is_ok());
  EXPECT_EQ(layer->output(0)->dtype(), DataType::kInt8);
  Network neg;
  ASSERT_TRUE(infer_unary(OpType::kNeg, DataType::kInt64, Dims{}, &layer, neg).is_ok());
  EXPECT_EQ(layer->output(0)->dims(), (Dims{}));
  Network unsigned_neg;
  EXPECT_FALSE(infer_unary(OpType::kNeg, DataType::kUInt8, Dims{3}, &layer, unsigned_neg).is_ok());
  Network sqrt;
  Status s = infer_unary(OpType::kSqrt, DataType::kInt32, Dims{3}, &layer, sqrt);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("Sqrt \"u\": input \"x\" has dtype int32"), std::string::npos)
      << s.message();
}

TEST(UnaryShapes, RejectsWrongInputCount) {
  Network net;
  Tensor* a = net.add_input("a", DataType::kFloat, Dims{1}).value();
  Tensor* b = net.add_input("b", DataType::kFloat, Dims{1}).value();
  Layer* layer = net.add_layer(OpType::kExp, "e", {a, b}, NoAttrs{}, {"y"}).value();
  Status s = ir::infer_layer(*layer);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("Exp \"e\": has 2 inputs, expected 1"), std::string::npos)
      << s.message();
}

}  // namespace
}  // namespace int8rt
