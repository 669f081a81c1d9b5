#include <gtest/gtest.h>

#include "pass_testing.h"
#include "passes/passes.h"

namespace int8rt {
namespace {

using pass_testing::add_floats;
using pass_testing::add_ints;
using pass_testing::CapturingLogger;
using pass_testing::count_layers;
using pass_testing::expect_pass_preserves_outputs;

Layer* add(Network& net, OpType type, const std::string& name, std::vector<Tensor*> inputs,
           Attrs attrs = NoAttrs{}) {
  auto layer = net.add_layer(type, name, std::move(inputs), std::move(attrs), {name + "_out"});
  EXPECT_TRUE(layer.is_ok()) << layer.status().to_string();
  return layer.value();
}

// x [2, 3, 4] -> Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1])): the flatten pattern
// exporters emit for `x.view(x.size(0), -1)`.
TEST(FoldConstants, ShapeGatherUnsqueezeConcatReshapeFoldsToConstantShape) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2, 3, 4}).value();
  Layer* shape = add(net, OpType::kShape, "shape", {x}, ShapeAttrs{});
  Tensor* zero = add_ints(net, "zero", Dims{}, {0});
  Layer* gather = add(net, OpType::kGather, "gather", {shape->output(0), zero}, GatherAttrs{0});
  Tensor* axes = add_ints(net, "axes", Dims{1}, {0});
  Layer* unsqueeze = add(net, OpType::kUnsqueeze, "unsqueeze", {gather->output(0), axes});
  Tensor* minus_one = add_ints(net, "minus_one", Dims{1}, {-1});
  Layer* concat =
      add(net, OpType::kConcat, "concat", {unsqueeze->output(0), minus_one}, ConcatAttrs{0});
  Layer* reshape = add(net, OpType::kReshape, "reshape", {x, concat->output(0)}, ReshapeAttrs{});
  ASSERT_TRUE(net.mark_output(reshape->output(0)).is_ok());

  CapturingLogger logger;
  expect_pass_preserves_outputs(
      net, [&](Network& n) { return passes::fold_constants(n, logger); }, 0.0f, 1,
      "x 2x3x4, Reshape(x, [x.shape[0], -1])");

  ASSERT_EQ(net.num_layers(), 1) << logger.dump();
  const Layer* only = net.layer(0);
  EXPECT_EQ(only->type(), OpType::kReshape);
  EXPECT_EQ(only->name(), "reshape");
  EXPECT_EQ(only->input(0), x);
  ASSERT_TRUE(only->input(1)->is_constant());
  // The folded [2, -1] follows the batch: 0 copies x's axis 0 whatever batch the engine runs.
  EXPECT_EQ(only->input(1)->constant_value().to_int64(), (std::vector<int64_t>{0, -1}));
  EXPECT_EQ(only->output(0)->dims(), (Dims{2, 12}));
  EXPECT_EQ(net.output(0)->name(), "reshape_out");
  // The folded intermediate tensors and the constants only they read are gone.
  EXPECT_EQ(net.find_tensor("shape_out"), nullptr);
  EXPECT_EQ(net.find_tensor("zero"), nullptr);
  EXPECT_EQ(net.find_tensor("axes"), nullptr);
  EXPECT_EQ(logger.find(Logger::Severity::kVerbose, "-> constant").size(), 4u) << logger.dump();
  EXPECT_EQ(logger.find(Logger::Severity::kVerbose, "follows the batch: [2,-1] -> [0,-1]").size(),
            1u)
      << logger.dump();
}

TEST(FoldConstants, ShapeHonoursStartAndEnd) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2, 3, 4, 5}).value();
  Layer* shape = add(net, OpType::kShape, "shape", {x}, ShapeAttrs{1, -1});
  ASSERT_TRUE(net.mark_output(shape->output(0)).is_ok());
  CapturingLogger logger;
  ASSERT_TRUE(passes::fold_constants(net, logger).is_ok());
  EXPECT_EQ(net.num_layers(), 0);
  const Tensor* out = net.find_tensor("shape_out");
  ASSERT_NE(out, nullptr);
  ASSERT_TRUE(out->is_constant());
  EXPECT_TRUE(out->is_network_output());
  EXPECT_EQ(out->dtype(), DataType::kInt64);
  EXPECT_EQ(out->constant_value().to_int64(), (std::vector<int64_t>{3, 4}));
}

// y = x + (a + b) * c with a, b, c constant: the arithmetic on constants becomes one constant.
TEST(FoldConstants, ConstantArithmeticFolds) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2, 3}).value();
  Tensor* a = add_floats(net, "a", Dims{3}, {1.0f, 2.0f, 3.0f});
  Tensor* b = add_floats(net, "b", Dims{3}, {0.5f, -4.0f, 10.0f});
  Tensor* c = add_floats(net, "c", Dims{1}, {-2.0f});
  Layer* sum = add(net, OpType::kAdd, "sum", {a, b});
  Layer* product = add(net, OpType::kMul, "product", {sum->output(0), c});
  Layer* y = add(net, OpType::kAdd, "y", {x, product->output(0)});
  ASSERT_TRUE(net.mark_output(y->output(0)).is_ok());

  CapturingLogger logger;
  expect_pass_preserves_outputs(
      net, [&](Network& n) { return passes::fold_constants(n, logger); }, 0.0f, 2,
      "x 2x3 + (a + b) * c");

  ASSERT_EQ(net.num_layers(), 1);
  const Layer* only = net.layer(0);
  EXPECT_EQ(only->name(), "y");
  EXPECT_EQ(only->input(0), x);
  const Tensor* folded = only->input(1);
  ASSERT_TRUE(folded->is_constant());
  EXPECT_EQ(folded->name(), "product_out");
  EXPECT_EQ(folded->dims(), (Dims{3}));
  // (1 + 0.5) * -2, (2 - 4) * -2, (3 + 10) * -2
  EXPECT_EQ(pass_testing::to_floats(folded->constant_value()),
            (std::vector<float>{-3.0f, 4.0f, -26.0f}));
}

TEST(FoldConstants, NothingComputedFromInputsFolds) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{4}).value();
  Tensor* c = add_floats(net, "c", Dims{4}, {1.0f, -1.0f, 2.0f, -2.0f});
  Layer* relu = add(net, OpType::kRelu, "relu", {x});
  Layer* plus = add(net, OpType::kAdd, "plus", {relu->output(0), c});
  Layer* times = add(net, OpType::kMul, "times", {plus->output(0), x});
  ASSERT_TRUE(net.mark_output(times->output(0)).is_ok());

  CapturingLogger logger;
  expect_pass_preserves_outputs(
      net, [&](Network& n) { return passes::fold_constants(n, logger); }, 0.0f, 3,
      "relu(x) + c, * x");
  ASSERT_EQ(net.num_layers(), 3);
  EXPECT_EQ(net.layer(0)->name(), "relu");
  EXPECT_EQ(net.layer(1)->name(), "plus");
  EXPECT_EQ(net.layer(2)->name(), "times");
  EXPECT_EQ(net.layer(1)->input(1), c);
  EXPECT_TRUE(logger.find(Logger::Severity::kVerbose, "fold_constants").empty()) << logger.dump();
  // Shape inference ran on every layer.
  EXPECT_EQ(net.layer(2)->output(0)->dims(), (Dims{4}));
}

TEST(FoldConstants, ConstantNetworkOutputKeepsItsName) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2}).value();
  Tensor* a = add_floats(net, "a", Dims{2}, {1.5f, -2.0f});
  Layer* neg = add(net, OpType::kNeg, "neg", {a});
  Layer* relu = add(net, OpType::kRelu, "relu", {x});
  ASSERT_TRUE(net.mark_output(relu->output(0)).is_ok());
  ASSERT_TRUE(net.mark_output(neg->output(0)).is_ok());
  CapturingLogger logger;
  ASSERT_TRUE(passes::fold_constants(net, logger).is_ok());
  ASSERT_EQ(net.num_outputs(), 2);
  EXPECT_EQ(net.output(1)->name(), "neg_out");
  ASSERT_TRUE(net.output(1)->is_constant());
  EXPECT_EQ(pass_testing::to_floats(net.output(1)->constant_value()),
            (std::vector<float>{-1.5f, 2.0f}));
  EXPECT_EQ(count_layers(net, OpType::kNeg), 0);
  EXPECT_EQ(count_layers(net, OpType::kRelu), 1);
}

TEST(FoldConstants, ShapeErrorsNameTheLayer) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2, 3}).value();
  Tensor* bad_shape = add_ints(net, "bad_shape", Dims{2}, {4, 4});
  Layer* reshape = add(net, OpType::kReshape, "reshape", {x, bad_shape}, ReshapeAttrs{});
  ASSERT_TRUE(net.mark_output(reshape->output(0)).is_ok());
  CapturingLogger logger;
  Status status = passes::fold_constants(net, logger);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("\"reshape\""), std::string::npos) << status.message();
}

}  // namespace
}  // namespace int8rt
