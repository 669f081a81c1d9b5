#include <gtest/gtest.h>

#include <limits>

#include "pass_test_util.h"
#include "pass_testing.h"
#include "passes/passes.h"

namespace int8rt {
namespace {

using pass_testing::add_floats;
using pass_testing::add_random;
using pass_testing::CapturingLogger;
using pass_testing::count_layers;
using pass_testing::expect_pass_preserves_outputs;
using pass_testing::tolerance;

constexpr auto infer_and_fuse = pass_testing::fold_then<passes::fuse_conv_activation>;

struct ActivationCase {
  const char* name;
  OpType op;
  Attrs attrs;
  std::vector<std::optional<float>> clip_bounds;  // Clip's min, max (nullopt: absent)
  FusedActivation expected;
};

constexpr float kInf = std::numeric_limits<float>::infinity();

// Conv X [1, 3, 5, 5] (values in [-1, 1]), W [4, 3, 3, 3] -> activation -> y.
void make_conv_then(Network& net, const ActivationCase& c) {
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{1, 3, 5, 5}).value();
  Tensor* w = add_random(net, "conv.weight", Dims{4, 3, 3, 3}, 81);
  Tensor* b = add_random(net, "conv.bias", Dims{4}, 82);
  Layer* conv = net.add_layer(OpType::kConv, "conv", {x, w, b}, ConvAttrs{}, {"c"}).value();
  std::vector<Tensor*> inputs = {conv->output(0)};
  for (size_t i = 0; i < c.clip_bounds.size(); ++i) {
    inputs.push_back(c.clip_bounds[i]
                         ? add_floats(net, i == 0 ? "min" : "max", Dims{}, {*c.clip_bounds[i]})
                         : nullptr);
  }
  net.add_layer(c.op, "act", inputs, c.attrs, {"y"}).value();
  EXPECT_TRUE(net.mark_output(net.find_tensor("y")).is_ok());
}

TEST(FuseConvActivation, EachActivationFusesIntoConv) {
  const ActivationCase cases[] = {
      {"Relu", OpType::kRelu, NoAttrs{}, {}, {ActivationKind::kRelu}},
      {"ReLU6 (Clip 0..6)",
       OpType::kClip,
       NoAttrs{},
       {0.0f, 6.0f},
       {ActivationKind::kClip, 0.0f, 6.0f}},
      {"Clip with min only",
       OpType::kClip,
       NoAttrs{},
       {-0.25f, std::nullopt},
       {ActivationKind::kClip, -0.25f, kInf}},
      {"Clip with max only",
       OpType::kClip,
       NoAttrs{},
       {std::nullopt, 0.5f},
       {ActivationKind::kClip, -kInf, 0.5f}},
      {"LeakyRelu 0.1",
       OpType::kLeakyRelu,
       LeakyReluAttrs{0.1f},
       {},
       {ActivationKind::kLeakyRelu, 0.1f}},
      {"HardSwish", OpType::kHardSwish, NoAttrs{}, {}, {ActivationKind::kHardSwish}},
      {"Sigmoid", OpType::kSigmoid, NoAttrs{}, {}, {ActivationKind::kSigmoid}},
  };
  for (const ActivationCase& c : cases) {
    const std::string config = std::string("Conv 3->4 3x3 + ") + c.name;
    Network net;
    make_conv_then(net, c);
    CapturingLogger logger;
    // The sums are identical; only the activation moves into the conv's epilogue.
    expect_pass_preserves_outputs(
        net, [&](Network& n) { return infer_and_fuse(n, logger); }, tolerance(27, 27.0f), 83,
        config);
    ASSERT_EQ(net.num_layers(), 1) << config;
    const Layer* fused = net.layer(0);
    EXPECT_EQ(fused->type(), OpType::kConv) << config;
    EXPECT_EQ(fused->name(), "conv+act") << config;
    EXPECT_EQ(fused->output(0)->name(), "y") << config;
    const FusedActivation& act = fused->attrs_as<ConvAttrs>().activation;
    EXPECT_EQ(act.kind, c.expected.kind) << config;
    EXPECT_EQ(act.alpha, c.expected.alpha) << config;
    EXPECT_EQ(act.beta, c.expected.beta) << config;
    EXPECT_EQ(net.find_tensor("c"), nullptr) << config;
    EXPECT_EQ(logger.find(Logger::Severity::kVerbose, "fuse_conv_activation").size(), 1u)
        << config << "\n"
        << logger.dump();
  }
}

TEST(FuseConvActivation, GemmTakesRelu) {
  Network net;
  Tensor* a = net.add_input("a", DataType::kFloat, Dims{2, 6}).value();
  Tensor* w = add_random(net, "fc.weight", Dims{6, 4}, 91);
  Layer* fc = net.add_layer(OpType::kGemm, "fc", {a, w}, GemmAttrs{}, {"f"}).value();
  Layer* relu = net.add_layer(OpType::kRelu, "relu", {fc->output(0)}, NoAttrs{}, {"y"}).value();
  ASSERT_TRUE(net.mark_output(relu->output(0)).is_ok());
  CapturingLogger logger;
  expect_pass_preserves_outputs(
      net, [&](Network& n) { return infer_and_fuse(n, logger); }, tolerance(6, 6.0f), 92,
      "Gemm 2x6 * 6x4 + Relu");
  ASSERT_EQ(net.num_layers(), 1);
  EXPECT_EQ(net.layer(0)->name(), "fc+relu");
  EXPECT_EQ(net.layer(0)->attrs_as<GemmAttrs>().activation.kind, ActivationKind::kRelu);
}

// Conv -> Relu -> Sigmoid: the Relu fuses; the Sigmoid cannot join a conv that has an activation.
TEST(FuseConvActivation, SecondActivationStays) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{1, 2, 4, 4}).value();
  Tensor* w = add_random(net, "w", Dims{2, 2, 1, 1}, 101);
  Layer* conv = net.add_layer(OpType::kConv, "conv", {x, w}, ConvAttrs{}, {"c"}).value();
  Layer* relu = net.add_layer(OpType::kRelu, "relu", {conv->output(0)}, NoAttrs{}, {"r"}).value();
  Layer* sig = net.add_layer(OpType::kSigmoid, "sig", {relu->output(0)}, NoAttrs{}, {"y"}).value();
  ASSERT_TRUE(net.mark_output(sig->output(0)).is_ok());
  CapturingLogger logger;
  expect_pass_preserves_outputs(
      net, [&](Network& n) { return infer_and_fuse(n, logger); }, tolerance(2, 2.0f), 102,
      "Conv 1x1 + Relu + Sigmoid");
  ASSERT_EQ(net.num_layers(), 2);
  EXPECT_EQ(net.layer(0)->name(), "conv+relu");
  EXPECT_EQ(net.layer(1)->type(), OpType::kSigmoid);
  EXPECT_EQ(net.layer(1)->input(0)->name(), "r");
}

TEST(FuseConvActivation, Refusals) {
  for (int variant = 0; variant < 4; ++variant) {
    const char* what[] = {"conv output is a network output", "conv output has a second reader",
                          "Clip min computed at run time", "Tanh has no fused form"};
    Network net;
    Tensor* x = net.add_input("x", DataType::kFloat, Dims{1, 2, 4, 4}).value();
    Tensor* w = add_random(net, "w", Dims{2, 2, 3, 3}, 111);
    Layer* conv = net.add_layer(OpType::kConv, "conv", {x, w}, ConvAttrs{}, {"c"}).value();
    Layer* act = nullptr;
    if (variant == 2) {
      Tensor* low = net.add_input("low", DataType::kFloat, Dims{}).value();
      act = net.add_layer(OpType::kClip, "clip", {conv->output(0), low, nullptr}, NoAttrs{}, {"y"})
                .value();
    } else {
      OpType type = variant == 3 ? OpType::kTanh : OpType::kRelu;
      act = net.add_layer(type, "act", {conv->output(0)}, NoAttrs{}, {"y"}).value();
    }
    ASSERT_TRUE(net.mark_output(act->output(0)).is_ok());
    if (variant == 0) {
      ASSERT_TRUE(net.mark_output(conv->output(0)).is_ok());
    }
    if (variant == 1) {
      Layer* neg = net.add_layer(OpType::kNeg, "neg", {conv->output(0)}, NoAttrs{}, {"n"}).value();
      ASSERT_TRUE(net.mark_output(neg->output(0)).is_ok());
    }
    CapturingLogger logger;
    expect_pass_preserves_outputs(
        net, [&](Network& n) { return infer_and_fuse(n, logger); }, 0.0f, 112, what[variant]);
    ASSERT_NE(net.find_layer("conv"), nullptr) << what[variant];
    EXPECT_EQ(net.find_layer("conv")->attrs_as<ConvAttrs>().activation.kind, ActivationKind::kNone)
        << what[variant];
    EXPECT_EQ(count_layers(net, OpType::kConv), 1) << what[variant];
    EXPECT_EQ(net.num_layers(), variant == 1 ? 3 : 2) << what[variant];
  }
}

}  // namespace
}  // namespace int8rt
