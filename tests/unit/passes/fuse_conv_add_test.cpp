#include <gtest/gtest.h>

#include "pass_test_util.h"
#include "pass_testing.h"
#include "passes/passes.h"

namespace int8rt {
namespace {

using pass_testing::add_random;
using pass_testing::CapturingLogger;
using pass_testing::count_layers;
using pass_testing::expect_pass_preserves_outputs;
using pass_testing::layer_position;
using pass_testing::tolerance;

constexpr auto infer_and_fuse = pass_testing::fold_then<passes::fuse_conv_add>;

Layer* add_conv(Network& net, const std::string& name, Tensor* x, int64_t in, int64_t out,
                uint32_t seed, bool bias = true) {
  ConvAttrs attrs;
  attrs.pads = {1, 1, 1, 1};
  std::vector<Tensor*> inputs = {x, add_random(net, name + ".weight", Dims{out, in, 3, 3}, seed)};
  if (bias) inputs.push_back(add_random(net, name + ".bias", Dims{out}, seed + 1));
  return net.add_layer(OpType::kConv, name, inputs, attrs, {name + "_out"}).value();
}

constexpr int64_t kReduction = 4 * 3 * 3;

// x [1, 4, 5, 5] -> conv (3x3, pad 1, 4->4) -> Add(conv_out, x) -> y: the identity shortcut.
TEST(FuseConvAdd, IdentityShortcutBecomesResidualInput) {
  for (bool bias : {true, false}) {
    const std::string config =
        std::string("Conv 4->4 3x3 pad 1 ") + (bias ? "with" : "without") + " bias, Add(conv, x)";
    Network net;
    Tensor* x = net.add_input("x", DataType::kFloat, Dims{1, 4, 5, 5}).value();
    Layer* conv = add_conv(net, "conv", x, 4, 4, 121, bias);
    Layer* sum = net.add_layer(OpType::kAdd, "add", {conv->output(0), x}, NoAttrs{}, {"y"}).value();
    ASSERT_TRUE(net.mark_output(sum->output(0)).is_ok());
    CapturingLogger logger;
    expect_pass_preserves_outputs(
        net, [&](Network& n) { return infer_and_fuse(n, logger); },
        tolerance(kReduction, kReduction), 122, config);
    ASSERT_EQ(net.num_layers(), 1) << config;
    const Layer* fused = net.layer(0);
    EXPECT_EQ(fused->name(), "conv+add") << config;
    ASSERT_EQ(fused->num_inputs(), 4) << config;
    EXPECT_EQ(fused->input(0), x);
    EXPECT_EQ(fused->input(2) != nullptr, bias) << config;
    EXPECT_EQ(fused->input(3), x) << config;
    EXPECT_EQ(fused->output(0)->name(), "y");
    EXPECT_EQ(fused->attrs_as<ConvAttrs>().activation.kind, ActivationKind::kNone);
    EXPECT_EQ(logger.find(Logger::Severity::kVerbose, "fuse_conv_add").size(), 1u) << logger.dump();
  }
}

// conv_a is computed first; r = Relu(x) is computed after it; Add(r, conv_a_out). The fused conv
// must move after the Relu, or it would read r before it exists.
TEST(FuseConvAdd, FusedConvMovesAfterTheResidualProducer) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{1, 4, 5, 5}).value();
  Layer* conv = add_conv(net, "conv_a", x, 4, 4, 131);
  Layer* relu = net.add_layer(OpType::kRelu, "relu", {x}, NoAttrs{}, {"r"}).value();
  Layer* sum =
      net.add_layer(OpType::kAdd, "add", {relu->output(0), conv->output(0)}, NoAttrs{}, {"y"})
          .value();
  ASSERT_TRUE(net.mark_output(sum->output(0)).is_ok());
  CapturingLogger logger;
  expect_pass_preserves_outputs(
      net, [&](Network& n) { return infer_and_fuse(n, logger); }, tolerance(kReduction, kReduction),
      132, "Add(Relu(x), Conv(x)), Relu after Conv");
  ASSERT_EQ(net.num_layers(), 2);
  const Layer* fused = net.find_layer("conv_a+add");
  ASSERT_NE(fused, nullptr);
  EXPECT_EQ(fused->input(3), relu->output(0));
  EXPECT_GT(layer_position(net, fused), layer_position(net, relu));
}

// Both operands are convs (a projection shortcut): the later conv takes the earlier one's output.
TEST(FuseConvAdd, LaterConvAbsorbsTheAdd) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{1, 4, 5, 5}).value();
  Layer* main_conv = add_conv(net, "main", x, 4, 6, 141);
  Layer* shortcut = add_conv(net, "shortcut", x, 4, 6, 143);
  Layer* sum = net.add_layer(OpType::kAdd, "add", {main_conv->output(0), shortcut->output(0)},
                             NoAttrs{}, {"y"})
                   .value();
  ASSERT_TRUE(net.mark_output(sum->output(0)).is_ok());
  CapturingLogger logger;
  expect_pass_preserves_outputs(
      net, [&](Network& n) { return infer_and_fuse(n, logger); },
      tolerance(2 * kReduction, 2 * kReduction), 144, "Add(Conv(x), Conv(x))");
  ASSERT_EQ(net.num_layers(), 2);
  EXPECT_EQ(net.layer(0), main_conv);
  EXPECT_EQ(net.layer(1)->name(), "shortcut+add");
  EXPECT_EQ(net.layer(1)->input(3), main_conv->output(0));
}

TEST(FuseConvAdd, Refusals) {
  const char* what[] = {"other operand broadcasts (1x4x1x1)", "conv already has an activation",
                        "Add(conv_out, conv_out)", "conv output is a network output"};
  for (int variant = 0; variant < 4; ++variant) {
    Network net;
    Tensor* x = net.add_input("x", DataType::kFloat, Dims{1, 4, 5, 5}).value();
    Layer* conv = add_conv(net, "conv", x, 4, 4, 151);
    if (variant == 1) {
      std::get<ConvAttrs>(conv->mutable_attrs()).activation = {ActivationKind::kRelu};
    }
    Tensor* other = x;
    if (variant == 0) other = add_random(net, "shift", Dims{1, 4, 1, 1}, 152);
    if (variant == 2) other = conv->output(0);
    Layer* sum =
        net.add_layer(OpType::kAdd, "add", {conv->output(0), other}, NoAttrs{}, {"y"}).value();
    ASSERT_TRUE(net.mark_output(sum->output(0)).is_ok());
    if (variant == 3) {
      ASSERT_TRUE(net.mark_output(conv->output(0)).is_ok());
    }
    CapturingLogger logger;
    expect_pass_preserves_outputs(
        net, [&](Network& n) { return infer_and_fuse(n, logger); }, 0.0f, 153, what[variant]);
    EXPECT_EQ(count_layers(net, OpType::kAdd), 1) << what[variant];
    ASSERT_NE(net.find_layer("conv"), nullptr) << what[variant];
    EXPECT_LE(net.find_layer("conv")->num_inputs(), 3) << what[variant];
  }
}

}  // namespace
}  // namespace int8rt
