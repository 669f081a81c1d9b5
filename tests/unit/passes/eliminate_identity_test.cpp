#include <gtest/gtest.h>

#include "pass_test_util.h"
#include "pass_testing.h"
#include "passes/passes.h"

namespace int8rt {
namespace {

using pass_testing::CapturingLogger;
using pass_testing::count_layers;
using pass_testing::expect_pass_preserves_outputs;

Layer* add(Network& net, OpType type, const std::string& name, std::vector<Tensor*> inputs,
           const std::string& output) {
  auto layer = net.add_layer(type, name, std::move(inputs), NoAttrs{}, {output});
  EXPECT_TRUE(layer.is_ok()) << layer.status().to_string();
  return layer.value();
}

constexpr auto infer_and_eliminate = pass_testing::fold_then<passes::eliminate_identity>;

// x -> Relu -> Identity (an ONNX Identity, or a Dropout the importer turned into one) -> Sigmoid.
TEST(EliminateIdentity, InnerIdentityIsBypassed) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2, 5}).value();
  Layer* relu = add(net, OpType::kRelu, "relu", {x}, "r");
  add(net, OpType::kIdentity, "dropout", {relu->output(0)}, "d");
  Layer* sigmoid = add(net, OpType::kSigmoid, "sigmoid", {net.find_tensor("d")}, "y");
  ASSERT_TRUE(net.mark_output(sigmoid->output(0)).is_ok());

  CapturingLogger logger;
  expect_pass_preserves_outputs(
      net, [&](Network& n) { return infer_and_eliminate(n, logger); }, 0.0f, 11,
      "x 2x5 -> Relu -> Identity -> Sigmoid");
  ASSERT_EQ(net.num_layers(), 2);
  EXPECT_EQ(count_layers(net, OpType::kIdentity), 0);
  EXPECT_EQ(net.layer(1)->input(0), net.find_tensor("r"));
  EXPECT_EQ(net.find_tensor("d"), nullptr);
  EXPECT_EQ(logger.find(Logger::Severity::kVerbose, "\"dropout\"").size(), 1u) << logger.dump();
}

// Relu -> r -> Identity -> y (output), and r also feeds Sigmoid -> z (output): the Relu computes y
// directly and the Sigmoid reads y.
TEST(EliminateIdentity, IdentityOnOutputMovesTheNameToTheProducer) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{3, 4}).value();
  Layer* relu = add(net, OpType::kRelu, "relu", {x}, "r");
  ASSERT_TRUE(relu->output(0)->set_dynamic_range(-2.0f, 3.0f).is_ok());
  Layer* identity = add(net, OpType::kIdentity, "identity", {relu->output(0)}, "y");
  Layer* sigmoid = add(net, OpType::kSigmoid, "sigmoid", {relu->output(0)}, "z");
  ASSERT_TRUE(net.mark_output(identity->output(0)).is_ok());
  ASSERT_TRUE(net.mark_output(sigmoid->output(0)).is_ok());

  CapturingLogger logger;
  expect_pass_preserves_outputs(
      net, [&](Network& n) { return infer_and_eliminate(n, logger); }, 0.0f, 12,
      "Relu -> Identity -> output y, Relu -> Sigmoid -> output z");
  ASSERT_EQ(net.num_layers(), 2);
  EXPECT_EQ(count_layers(net, OpType::kIdentity), 0);
  const Tensor* y = net.find_tensor("y");
  ASSERT_NE(y, nullptr);
  EXPECT_EQ(y->producer(), relu);
  EXPECT_EQ(relu->output(0), y);
  EXPECT_EQ(sigmoid->input(0), y);
  EXPECT_EQ(net.find_tensor("r"), nullptr);
  EXPECT_EQ(net.output(0)->name(), "y");
  EXPECT_EQ(net.output(1)->name(), "z");
  EXPECT_EQ(y->dims(), (Dims{3, 4}));
  ASSERT_TRUE(y->dynamic_range_is_set());
  EXPECT_EQ(y->dynamic_range_min(), -2.0f);
  EXPECT_EQ(y->dynamic_range_max(), 3.0f);
}

TEST(EliminateIdentity, CopiesBetweenNetworkInputsAndOutputsStay) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{4}).value();
  Layer* copy = add(net, OpType::kIdentity, "copy", {x}, "x_copy");
  Layer* relu = add(net, OpType::kRelu, "relu", {x}, "r");
  Layer* copy_of_output = add(net, OpType::kIdentity, "copy_r", {relu->output(0)}, "r_copy");
  ASSERT_TRUE(net.mark_output(copy->output(0)).is_ok());
  ASSERT_TRUE(net.mark_output(relu->output(0)).is_ok());
  ASSERT_TRUE(net.mark_output(copy_of_output->output(0)).is_ok());

  CapturingLogger logger;
  expect_pass_preserves_outputs(
      net, [&](Network& n) { return infer_and_eliminate(n, logger); }, 0.0f, 13,
      "input -> Identity -> output; output -> Identity -> output");
  EXPECT_EQ(count_layers(net, OpType::kIdentity), 2);
  EXPECT_EQ(net.num_outputs(), 3);
  EXPECT_TRUE(logger.find(Logger::Severity::kVerbose, "eliminate_identity").empty())
      << logger.dump();
}

TEST(EliminateIdentity, ChainOfIdentitiesCollapses) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2, 2}).value();
  Layer* a = add(net, OpType::kIdentity, "a", {x}, "a_out");
  Layer* b = add(net, OpType::kIdentity, "b", {a->output(0)}, "b_out");
  Layer* neg = add(net, OpType::kNeg, "neg", {b->output(0)}, "n");
  Layer* c = add(net, OpType::kIdentity, "c", {neg->output(0)}, "y");
  ASSERT_TRUE(net.mark_output(c->output(0)).is_ok());

  CapturingLogger logger;
  expect_pass_preserves_outputs(
      net, [&](Network& n) { return infer_and_eliminate(n, logger); }, 0.0f, 14,
      "x -> Identity -> Identity -> Neg -> Identity -> y");
  ASSERT_EQ(net.num_layers(), 1);
  EXPECT_EQ(net.layer(0)->type(), OpType::kNeg);
  EXPECT_EQ(net.layer(0)->input(0), x);
  EXPECT_EQ(net.layer(0)->output(0)->name(), "y");
  EXPECT_EQ(logger.find(Logger::Severity::kVerbose, "eliminate_identity").size(), 3u)
      << logger.dump();
}

}  // namespace
}  // namespace int8rt
