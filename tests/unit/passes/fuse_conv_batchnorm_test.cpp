#include <gtest/gtest.h>

#include <cmath>

#include "pass_test_util.h"
#include "pass_testing.h"
#include "passes/passes.h"

namespace int8rt {
namespace {

using pass_testing::add_random;
using pass_testing::CapturingLogger;
using pass_testing::count_layers;
using pass_testing::expect_pass_preserves_outputs;
using pass_testing::tolerance;

constexpr float kEpsilon = 1e-3f;

constexpr auto infer_and_fuse = pass_testing::fold_then<passes::fuse_conv_batchnorm>;

struct BnParams {
  Tensor* gamma;
  Tensor* beta;
  Tensor* mean;
  Tensor* var;
};

BnParams add_bn_params(Network& net, const std::string& name, int64_t channels, uint32_t seed) {
  return {add_random(net, name + ".scale", Dims{channels}, seed, 0.5f, 1.5f),
          add_random(net, name + ".bias", Dims{channels}, seed + 1, -1.0f, 1.0f),
          add_random(net, name + ".mean", Dims{channels}, seed + 2, -1.0f, 1.0f),
          add_random(net, name + ".var", Dims{channels}, seed + 3, 0.1f, 2.0f)};
}

Layer* add_bn(Network& net, const std::string& name, Tensor* x, const BnParams& p,
              const std::string& output) {
  return net
      .add_layer(OpType::kBatchNormalization, name, {x, p.gamma, p.beta, p.mean, p.var},
                 BatchNormAttrs{kEpsilon}, {output})
      .value();
}

// s_c = gamma_c / sqrt(var_c + eps), per channel, in double.
std::vector<double> bn_scale(const BnParams& p) {
  std::vector<double> gamma = p.gamma->constant_value().to_double();
  std::vector<double> var = p.var->constant_value().to_double();
  std::vector<double> s(gamma.size());
  for (size_t c = 0; c < s.size(); ++c)
    s[c] = gamma[c] / std::sqrt(var[c] + static_cast<double>(kEpsilon));
  return s;
}

// Conv X [1, 4, 6, 6], W [6, 2, 3, 3], group 2, pads 1, with or without bias -> BN.
void check_conv_bn(bool with_bias) {
  const std::string config = std::string("Conv 4->6 group 2 3x3 pad 1, ") +
                             (with_bias ? "with" : "without") + " bias, + BatchNormalization";
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{1, 4, 6, 6}).value();
  Tensor* w = add_random(net, "conv1.weight", Dims{6, 2, 3, 3}, 21);
  Tensor* b = with_bias ? add_random(net, "conv1.bias", Dims{6}, 22) : nullptr;
  ConvAttrs attrs;
  attrs.group = 2;
  attrs.pads = {1, 1, 1, 1};
  std::vector<Tensor*> inputs = {x, w};
  if (b != nullptr) inputs.push_back(b);
  Layer* conv = net.add_layer(OpType::kConv, "conv1", inputs, attrs, {"c"}).value();
  BnParams p = add_bn_params(net, "bn1", 6, 30);
  add_bn(net, "bn1", conv->output(0), p, "y");
  ASSERT_TRUE(net.mark_output(net.find_tensor("y")).is_ok());
  const Weights original_w = w->constant_value();
  const std::vector<double> s = bn_scale(p);
  const std::vector<double> beta = p.beta->constant_value().to_double();
  const std::vector<double> mean = p.mean->constant_value().to_double();
  const std::vector<double> bias = b ? b->constant_value().to_double() : std::vector<double>(6);

  CapturingLogger logger;
  const int64_t k = 2 * 3 * 3;
  expect_pass_preserves_outputs(
      net, [&](Network& n) { return infer_and_fuse(n, logger); }, tolerance(k, 4.0f * k), 23,
      config);

  ASSERT_EQ(net.num_layers(), 1) << config;
  const Layer* fused = net.layer(0);
  EXPECT_EQ(fused->type(), OpType::kConv);
  EXPECT_EQ(fused->name(), "conv1+bn1");
  EXPECT_EQ(fused->output(0)->name(), "y");
  EXPECT_EQ(fused->attrs_as<ConvAttrs>().group, 2);
  ASSERT_EQ(fused->num_inputs(), 3) << config;
  ASSERT_TRUE(fused->input(1)->is_constant());
  ASSERT_TRUE(fused->input(2)->is_constant());
  const std::vector<double> w_before = original_w.to_double();
  const std::vector<double> w_after = fused->input(1)->constant_value().to_double();
  ASSERT_EQ(w_after.size(), w_before.size());
  for (size_t i = 0; i < w_before.size(); ++i) {
    size_t o = i / (2 * 3 * 3);
    EXPECT_NEAR(w_after[i], w_before[i] * s[o], 1e-6) << config << " weight " << i;
  }
  const std::vector<double> b_after = fused->input(2)->constant_value().to_double();
  ASSERT_EQ(b_after.size(), 6u);
  for (size_t o = 0; o < 6; ++o)
    EXPECT_NEAR(b_after[o], (bias[o] - mean[o]) * s[o] + beta[o], 1e-6) << config << " bias " << o;
  // The original weights are no longer read, so they are gone; the BN parameters too.
  EXPECT_EQ(net.find_tensor("conv1.weight"), nullptr);
  EXPECT_EQ(net.find_tensor("bn1.mean"), nullptr);
  EXPECT_EQ(net.find_tensor("c"), nullptr);
  auto lines = logger.find(Logger::Severity::kVerbose, "fuse_conv_batchnorm");
  ASSERT_EQ(lines.size(), 1u) << logger.dump();
  EXPECT_NE(lines[0].find("\"conv1+bn1\""), std::string::npos) << lines[0];
}

TEST(FuseConvBatchNorm, ConvWithBias) {
  check_conv_bn(true);
}
TEST(FuseConvBatchNorm, ConvWithoutBias) {
  check_conv_bn(false);
}

// ConvTranspose X [1, 4, 3, 3], W [4, 3, 2, 2], group 2 (6 output channels), stride 2.
TEST(FuseConvBatchNorm, ConvTransposeWithGroups) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{1, 4, 3, 3}).value();
  Tensor* w = add_random(net, "up.weight", Dims{4, 3, 2, 2}, 41);
  Tensor* b = add_random(net, "up.bias", Dims{6}, 42);
  ConvTransposeAttrs attrs;
  attrs.group = 2;
  attrs.strides = {2, 2};
  Layer* up = net.add_layer(OpType::kConvTranspose, "up", {x, w, b}, attrs, {"u"}).value();
  BnParams p = add_bn_params(net, "bn", 6, 43);
  add_bn(net, "bn", up->output(0), p, "y");
  Layer* relu =
      net.add_layer(OpType::kRelu, "relu", {net.find_tensor("y")}, NoAttrs{}, {"z"}).value();
  ASSERT_TRUE(net.mark_output(relu->output(0)).is_ok());
  const std::vector<double> w_before = w->constant_value().to_double();
  const std::vector<double> s = bn_scale(p);

  CapturingLogger logger;
  expect_pass_preserves_outputs(
      net, [&](Network& n) { return infer_and_fuse(n, logger); }, tolerance(8, 32.0f), 44,
      "ConvTranspose 4->6 group 2 2x2 stride 2 + BatchNormalization");
  ASSERT_EQ(net.num_layers(), 2);
  const Layer* fused = net.layer(0);
  EXPECT_EQ(fused->type(), OpType::kConvTranspose);
  EXPECT_EQ(fused->name(), "up+bn");
  EXPECT_EQ(fused->output(0)->name(), "y");
  EXPECT_EQ(net.layer(1)->input(0), fused->output(0));
  // W[i, j, kh, kw] feeds output channel (i / 2) * 3 + j.
  const std::vector<double> w_after = fused->input(1)->constant_value().to_double();
  for (size_t i = 0; i < w_before.size(); ++i) {
    size_t in_channel = i / 12, j = (i / 4) % 3;
    EXPECT_NEAR(w_after[i], w_before[i] * s[(in_channel / 2) * 3 + j], 1e-6) << "weight " << i;
  }
}

// Gemm: Y = 0.5 * A * B^T + 2 * C, A [3, 8], B [5, 8], C [5].
TEST(FuseConvBatchNorm, GemmWithTransposedWeightsAndScaledBias) {
  Network net;
  Tensor* a = net.add_input("a", DataType::kFloat, Dims{3, 8}).value();
  Tensor* w = add_random(net, "fc.weight", Dims{5, 8}, 51);
  Tensor* c = add_random(net, "fc.bias", Dims{5}, 52);
  GemmAttrs attrs;
  attrs.alpha = 0.5f;
  attrs.beta = 2.0f;
  attrs.trans_b = true;
  Layer* fc = net.add_layer(OpType::kGemm, "fc", {a, w, c}, attrs, {"f"}).value();
  BnParams p = add_bn_params(net, "bn", 5, 53);
  add_bn(net, "bn", fc->output(0), p, "y");
  ASSERT_TRUE(net.mark_output(net.find_tensor("y")).is_ok());
  const std::vector<double> c_before = c->constant_value().to_double();
  const std::vector<double> beta = p.beta->constant_value().to_double();
  const std::vector<double> mean = p.mean->constant_value().to_double();
  const std::vector<double> s = bn_scale(p);

  CapturingLogger logger;
  expect_pass_preserves_outputs(
      net, [&](Network& n) { return infer_and_fuse(n, logger); }, tolerance(8, 32.0f), 54,
      "Gemm alpha 0.5 beta 2 trans_b A 3x8 B 5x8 C 5 + BatchNormalization");
  ASSERT_EQ(net.num_layers(), 1);
  const Layer* fused = net.layer(0);
  EXPECT_EQ(fused->name(), "fc+bn");
  EXPECT_EQ(fused->attrs_as<GemmAttrs>().alpha, 0.5f);
  EXPECT_EQ(fused->attrs_as<GemmAttrs>().beta, 1.0f);
  EXPECT_TRUE(fused->attrs_as<GemmAttrs>().trans_b);
  const std::vector<double> c_after = fused->input(2)->constant_value().to_double();
  ASSERT_EQ(c_after.size(), 5u);
  for (size_t n = 0; n < 5; ++n)
    EXPECT_NEAR(c_after[n], (2.0 * c_before[n] - mean[n]) * s[n] + beta[n], 1e-5) << n;
}

TEST(FuseConvBatchNorm, StandaloneBatchNormStays) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{1, 3, 4, 4}).value();
  Layer* relu = net.add_layer(OpType::kRelu, "relu", {x}, NoAttrs{}, {"r"}).value();
  BnParams p = add_bn_params(net, "bn", 3, 61);
  add_bn(net, "bn", relu->output(0), p, "y");
  ASSERT_TRUE(net.mark_output(net.find_tensor("y")).is_ok());
  CapturingLogger logger;
  expect_pass_preserves_outputs(
      net, [&](Network& n) { return infer_and_fuse(n, logger); }, 0.0f, 62,
      "Relu -> BatchNormalization");
  EXPECT_EQ(count_layers(net, OpType::kBatchNormalization), 1);
  EXPECT_TRUE(logger.find(Logger::Severity::kVerbose, "fuse_conv_batchnorm").empty());
}

// The cases where the conv output must survive, or the normalization is not constant.
TEST(FuseConvBatchNorm, RefusesWhenTheConvOutputIsNeededOrParametersVary) {
  for (int variant = 0; variant < 6; ++variant) {
    const char* what[] = {"conv output is a network output", "conv output has a second reader",
                          "BN mean is a network input",      "conv already has a Relu",
                          "conv already has a residual",     "BN variance + epsilon is negative"};
    Network net;
    Tensor* x = net.add_input("x", DataType::kFloat, Dims{1, 2, 5, 5}).value();
    Tensor* w = add_random(net, "w", Dims{3, 2, 3, 3}, 71);
    ConvAttrs attrs;
    attrs.pads = {1, 1, 1, 1};
    if (variant == 3) attrs.activation = {ActivationKind::kRelu};
    std::vector<Tensor*> inputs = {x, w, nullptr};
    if (variant == 4) inputs.push_back(add_random(net, "r", Dims{1, 3, 5, 5}, 74));
    Layer* conv = net.add_layer(OpType::kConv, "conv", inputs, attrs, {"c"}).value();
    BnParams p = add_bn_params(net, "bn", 3, 72);
    if (variant == 2) p.mean = net.add_input("mean", DataType::kFloat, Dims{3}).value();
    if (variant == 5)
      p.var = pass_testing::add_floats(net, "neg_var", Dims{3}, {1.0f, -0.5f, 1.0f});
    add_bn(net, "bn", conv->output(0), p, "y");
    ASSERT_TRUE(net.mark_output(net.find_tensor("y")).is_ok());
    if (variant == 0) {
      ASSERT_TRUE(net.mark_output(conv->output(0)).is_ok());
    }
    if (variant == 1) {
      Layer* relu =
          net.add_layer(OpType::kRelu, "relu", {conv->output(0)}, NoAttrs{}, {"r"}).value();
      ASSERT_TRUE(net.mark_output(relu->output(0)).is_ok());
    }
    CapturingLogger logger;
    expect_pass_preserves_outputs(
        net, [&](Network& n) { return infer_and_fuse(n, logger); }, 0.0f, 73, what[variant]);
    EXPECT_EQ(count_layers(net, OpType::kBatchNormalization), 1) << what[variant];
    EXPECT_NE(net.find_layer("conv"), nullptr) << what[variant];
  }
}

}  // namespace
}  // namespace int8rt
