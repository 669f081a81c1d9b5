// Shape inference of the activations.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "int8rt/network.h"
#include "ir/shape_inference.h"
#include "unit/ir/shape_test_util.h"

namespace int8rt {
namespace {

using testing::expect_error;

TEST(ActivationShapes, OutputMatchesInput) {
  const std::vector<std::pair<OpType, Attrs>> ops = {
      {OpType::kRelu, NoAttrs{}},
      {OpType::kLeakyRelu, LeakyReluAttrs{}},
      {OpType::kSigmoid, NoAttrs{}},
      {OpType::kTanh, NoAttrs{}},
      {OpType::kHardSigmoid, HardSigmoidAttrs{}},
      {OpType::kHardSwish, NoAttrs{}},
      {OpType::kElu, EluAttrs{}},
      {OpType::kSoftplus, NoAttrs{}},
      {OpType::kClip, NoAttrs{}},
  };
  for (const auto& [type, attrs] : ops) {
    Network net;
    Tensor* x = net.add_input("x", DataType::kFloat, Dims{1, 3, 2}).value();
    Layer* layer = net.add_layer(type, "a", {x}, attrs, {"y"}).value();
    Status s = ir::infer_layer(*layer);
    ASSERT_TRUE(s.is_ok()) << to_string(type) << ": " << s.to_string();
    EXPECT_EQ(layer->output(0)->dims(), (Dims{1, 3, 2}));
    EXPECT_EQ(layer->output(0)->dtype(), DataType::kFloat);
  }
}

TEST(ActivationShapes, WrongAttributeStructIsAnError) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2}).value();
  Layer* layer = net.add_layer(OpType::kLeakyRelu, "lr", {x}, NoAttrs{}, {"y"}).value();
  expect_error(ir::infer_layer(*layer), "LeakyRelu \"lr\": carries attributes of the wrong kind");
}

TEST(ActivationShapes, ReluAndClipAcceptIntegers) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kInt8, Dims{4}).value();
  Layer* relu = net.add_layer(OpType::kRelu, "r", {x}, NoAttrs{}, {"y"}).value();
  ASSERT_TRUE(ir::infer_layer(*relu).is_ok());
  EXPECT_EQ(relu->output(0)->dtype(), DataType::kInt8);
  Tensor* hi = net.add_constant("hi", Weights::zeros(DataType::kInt8, Dims{1})).value();
  Layer* clip = net.add_layer(OpType::kClip, "c", {x, nullptr, hi}, NoAttrs{}, {"z"}).value();
  Status s = ir::infer_layer(*clip);
  ASSERT_TRUE(s.is_ok()) << s.to_string();
  Tensor* sig_in = net.add_input("i", DataType::kInt32, Dims{4}).value();
  Layer* sigmoid = net.add_layer(OpType::kSigmoid, "s", {sig_in}, NoAttrs{}, {"w"}).value();
  EXPECT_EQ(ir::infer_layer(*sigmoid).code(), StatusCode::kUnsupported);
}

TEST(ActivationShapes, ClipBoundsMustBeScalarsOfXsDtype) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{4}).value();
  Tensor* vec = net.add_constant("lo", Weights::zeros(DataType::kFloat, Dims{2})).value();
  Layer* clip = net.add_layer(OpType::kClip, "c", {x, vec}, NoAttrs{}, {"y"}).value();
  expect_error(ir::infer_layer(*clip), "Clip \"c\": min \"lo\" has shape 2, expected a scalar");
  Tensor* wrong = net.add_constant("hi", Weights::zeros(DataType::kInt32, Dims{})).value();
  Layer* clip2 = net.add_layer(OpType::kClip, "c2", {x, nullptr, wrong}, NoAttrs{}, {"z"}).value();
  expect_error(ir::infer_layer(*clip2), "max \"hi\" has dtype int32, expected X's float32");
}

TEST(ActivationShapes, PReluSlopeBroadcastsOneWay) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2, 3, 4}).value();
  Tensor* slope = net.add_constant("slope", Weights::zeros(DataType::kFloat, Dims{3, 1})).value();
  Layer* ok = net.add_layer(OpType::kPRelu, "p", {x, slope}, NoAttrs{}, {"y"}).value();
  ASSERT_TRUE(ir::infer_layer(*ok).is_ok());
  EXPECT_EQ(ok->output(0)->dims(), (Dims{2, 3, 4}));
  Tensor* big = net.add_constant("big", Weights::zeros(DataType::kFloat, Dims{5, 2, 3, 4})).value();
  Layer* bad = net.add_layer(OpType::kPRelu, "p2", {x, big}, NoAttrs{}, {"z"}).value();
  expect_error(
      ir::infer_layer(*bad),
      "PRelu \"p2\": slope \"big\" of shape 5x2x3x4 does not broadcast to X's shape 2x3x4");
}

}  // namespace
}  // namespace int8rt
