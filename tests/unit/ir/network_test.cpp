#include "int8rt/network.h"

#include <gtest/gtest.h>

#include <cmath>

namespace int8rt {
namespace {

TEST(Network, AddLayerConnectsTensors) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{1, 3}).value();
  Layer* relu = net.add_layer(OpType::kRelu, "relu", {x}, NoAttrs{}, {"y"}).value();
  ASSERT_TRUE(net.mark_output(relu->output(0)).is_ok());
  EXPECT_EQ(net.num_layers(), 1);
  EXPECT_EQ(relu->input(0), x);
  EXPECT_EQ(relu->output(0)->producer(), relu);
  EXPECT_EQ(net.find_tensor("y"), relu->output(0));
  EXPECT_TRUE(net.output(0)->is_network_output());
}

TEST(Network, RejectsDuplicateNamesAndForeignTensors) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2}).value();
  EXPECT_EQ(net.add_input("x", DataType::kFloat, Dims{2}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(net.add_layer(OpType::kRelu, "r", {x}, NoAttrs{}, {"x"}).is_ok());
  Network other;
  Tensor* foreign = other.add_input("z", DataType::kFloat, Dims{2}).value();
  auto bad = net.add_layer(OpType::kRelu, "r", {foreign}, NoAttrs{}, {"y"});
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("\"z\""), std::string::npos) << bad.status().message();
}

TEST(Network, CloneIsDeepAndIndependent) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{4}).value();
  Layer* relu = net.add_layer(OpType::kRelu, "relu", {x}, NoAttrs{}, {"y"}).value();
  ASSERT_TRUE(net.mark_output(relu->output(0)).is_ok());
  auto copy = net.clone();
  ASSERT_EQ(copy->num_layers(), 1);
  EXPECT_NE(copy->layer(0), relu);
  EXPECT_EQ(copy->layer(0)->input(0), copy->input(0));
  EXPECT_EQ(copy->layer(0)->output(0)->producer(), copy->layer(0));
  copy->input(0)->set_dims(Dims{8});
  EXPECT_EQ(x->dims(), (Dims{4}));
}

TEST(Tensor, DynamicRangeValidation) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{1}).value();
  EXPECT_FALSE(x->dynamic_range_is_set());
  EXPECT_FALSE(x->set_dynamic_range(1.0f, -1.0f).is_ok());
  EXPECT_FALSE(x->set_dynamic_range(std::nanf(""), 1.0f).is_ok());
  // A range whose scale (amax / 127) would be denormal: refused, naming the tensor and the bound.
  const Status tiny = x->set_dynamic_range(-1e-40f, 1e-40f);
  ASSERT_FALSE(tiny.is_ok());
  EXPECT_NE(tiny.message().find("tensor \"x\""), std::string::npos) << tiny.message();
  EXPECT_NE(tiny.message().find("smallest range"), std::string::npos) << tiny.message();
  EXPECT_FALSE(x->set_dynamic_range(0.0f, 1e-37f).is_ok());
  EXPECT_FALSE(x->dynamic_range_is_set());
  // 0 (always zero) and the bounds themselves are valid.
  EXPECT_TRUE(x->set_dynamic_range(0.0f, 0.0f).is_ok());
  EXPECT_TRUE(x->set_dynamic_range(-1.5e-36f, 1.5e-36f).is_ok());
  EXPECT_TRUE(x->set_dynamic_range(-3.4e38f, 3.4e38f).is_ok());
  ASSERT_TRUE(x->set_dynamic_range(-3.0f, 2.0f).is_ok());
  EXPECT_FLOAT_EQ(x->dynamic_range_amax(), 3.0f);
  x->reset_dynamic_range();
  EXPECT_FALSE(x->dynamic_range_is_set());
}

TEST(OpType, NamesRoundTrip) {
  for (int i = 0; i < kNumOpTypes; ++i) {
    auto type = static_cast<OpType>(i);
    auto back = op_type_from_string(to_string(type));
    ASSERT_TRUE(back.has_value()) << to_string(type);
    EXPECT_EQ(*back, type);
  }
  EXPECT_FALSE(op_type_from_string("NotAnOp").has_value());
}

}  // namespace
}  // namespace int8rt
