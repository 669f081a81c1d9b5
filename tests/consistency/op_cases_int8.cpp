// INT8 op cases: the layers docs/int8.md defines, in the configurations real networks use
// (ResNet, MobileNetV2, VGG, LeNet and OCR-style nets) and at the edges (asymmetric pads,
// dilations, groups, channel multipliers, one-channel and odd-channel tensors, clipping ranges).
// A trailing Flatten makes the layer before it write int8 (requantize), a case without one ends in
// the layer's float32 (dequantizing) output.
#include "op_cases.h"

namespace int8rt::consistency {

ConvAttrs conv_attrs(int64_t k, int64_t stride, int64_t pad, int64_t group,
                     FusedActivation activation) {
  ConvAttrs attrs;
  attrs.kernel_shape = {k, k};
  attrs.strides = {stride, stride};
  attrs.pads = {pad, pad, pad, pad};
  attrs.dilations = {1, 1};
  attrs.group = group;
  attrs.activation = activation;
  return attrs;
}

PoolAttrs pool_attrs(int64_t k, int64_t stride, int64_t pad, bool count_include_pad) {
  PoolAttrs attrs;
  attrs.kernel_shape = {k, k};
  attrs.strides = {stride, stride};
  attrs.pads = {pad, pad, pad, pad};
  attrs.count_include_pad = count_include_pad;
  return attrs;
}

Step flatten() {
  return {OpType::kFlatten, FlattenAttrs{1}, {previous()}};
}

namespace {

OpCase int8_case(std::string name, std::vector<Step> steps, uint32_t seed, int64_t reduction) {
  OpCase c;
  c.name = std::move(name);
  c.precision = Precision::kInt8;
  c.steps = std::move(steps);
  c.seed = seed;
  c.reduction = reduction;
  return c;
}

// Conv over [n, c, h, w] with M output channels, k x k, bias.
Step conv(Dims x, int64_t m, ConvAttrs attrs) {
  const int64_t k = attrs.kernel_shape[0];
  const int64_t cg = x[1] / attrs.group;
  return {OpType::kConv, attrs, {data(x), weight({m, cg, k, k}), weight({m}, -2.0f, 2.0f)}};
}

FusedActivation act(ActivationKind kind, float alpha = 0.0f, float beta = 0.0f) {
  return {kind, alpha, beta};
}

}  // namespace

std::vector<OpCase> int8_cases() {
  std::vector<OpCase> cases;
  const auto relu = act(ActivationKind::kRelu);
  // Convolutions.
  cases.push_back(
      int8_case("conv3x3_float_out", {conv({1, 16, 9, 9}, 32, conv_attrs(3, 1, 1))}, 11, 16 * 9));
  cases.push_back(int8_case("conv3x3_relu_int8_out",
                            {conv({2, 16, 9, 9}, 32, conv_attrs(3, 1, 1, 1, relu)), flatten()}, 12,
                            16 * 9));
  {
    ConvAttrs a = conv_attrs(3, 2, 0);
    a.pads = {1, 0, 0, 1};  // asymmetric
    a.dilations = {2, 1};
    cases.push_back(int8_case("conv3x3_stride2_asymmetric_pads_dilation",
                              {conv({1, 8, 11, 10}, 12, a), flatten()}, 13, 8 * 9));
  }
  cases.push_back(int8_case(
      "conv1x1_relu6_batch3",
      {conv({3, 64, 7, 7}, 24, conv_attrs(1, 1, 0, 1, act(ActivationKind::kClip, 0.0f, 6.0f))),
       flatten()},
      14, 64));
  cases.push_back(int8_case(
      "conv_depthwise3x3_stride2_relu6",
      {conv({1, 32, 14, 14}, 32, conv_attrs(3, 2, 1, 32, act(ActivationKind::kClip, 0.0f, 6.0f))),
       flatten()},
      15, 9));
  cases.push_back(int8_case("conv_depthwise_channel_multiplier",
                            {conv({1, 8, 6, 6}, 16, conv_attrs(3, 1, 1, 8)), flatten()}, 16, 9));
  cases.push_back(int8_case(
      "conv_grouped4", {conv({2, 16, 8, 8}, 8, conv_attrs(3, 1, 1, 4)), flatten()}, 17, 4 * 9));
  cases.push_back(int8_case("conv7x7_stride2_three_channels",
                            {conv({2, 3, 32, 32}, 16, conv_attrs(7, 2, 3, 1, relu)), flatten()}, 18,
                            3 * 49));
  cases.push_back(int8_case("conv5x5_one_channel_lenet",
                            {conv({4, 1, 28, 28}, 6, conv_attrs(5, 1, 0, 1, relu)), flatten()}, 19,
                            25));
  cases.push_back(int8_case("conv3x3_odd_channels",
                            {conv({1, 5, 7, 7}, 7, conv_attrs(3, 1, 1)), flatten()}, 20, 5 * 9));
  cases.push_back(int8_case(
      "conv3x3_leaky_relu",
      {conv({1, 16, 8, 8}, 16, conv_attrs(3, 1, 1, 1, act(ActivationKind::kLeakyRelu, 0.1f))),
       flatten()},
      21, 16 * 9));
  cases.push_back(int8_case(
      "conv3x3_hardswish",
      {conv({1, 16, 8, 8}, 16, conv_attrs(3, 1, 1, 1, act(ActivationKind::kHardSwish))), flatten()},
      22, 16 * 9));
  {
    OpCase c = int8_case(
        "conv3x3_sigmoid",
        {conv({1, 16, 8, 8}, 16, conv_attrs(3, 1, 1, 1, act(ActivationKind::kSigmoid))), flatten()},
        23, 16 * 9);
    c.int8_steps = 1;
    cases.push_back(std::move(c));
  }
  // A ResNet block's second convolution: Conv + Add(residual) + Relu, fused by the builder.
  cases.push_back(int8_case("conv_residual_relu_fused",
                            {conv({2, 32, 8, 8}, 32, conv_attrs(3, 1, 1)),
                             {OpType::kAdd, NoAttrs{}, {previous(), data({2, 32, 8, 8})}},
                             {OpType::kRelu, NoAttrs{}, {previous()}},
                             flatten()},
                            24, 32 * 9));
  // Gemm and MatMul.
  cases.push_back(int8_case(
      "gemm_bias_float_out",
      {{OpType::kGemm, GemmAttrs{}, {data({4, 64}), weight({64, 10}), weight({10}, -2.0f, 2.0f)}}},
      31, 64));
  {
    GemmAttrs a;
    a.alpha = 0.5f;
    a.beta = 2.0f;
    a.trans_b = true;
    a.activation = relu;
    cases.push_back(int8_case(
        "gemm_trans_b_alpha_beta_relu",
        {{OpType::kGemm, a, {data({5, 37}), weight({13, 37}), weight({1, 13})}}, flatten()}, 32,
        37));
  }
  {
    GemmAttrs a;
    a.trans_a = true;
    cases.push_back(int8_case(
        "gemm_trans_a", {{OpType::kGemm, a, {data({19, 3}), weight({19, 8}), absent()}}}, 33, 19));
  }
  cases.push_back(int8_case("matmul_rank3",
                            {{OpType::kMatMul, NoAttrs{}, {data({2, 5, 64}), weight({64, 16})}}},
                            34, 64));
  // Pooling.
  cases.push_back(int8_case(
      "maxpool3x3_stride2_pad1",
      {{OpType::kMaxPool, pool_attrs(3, 2, 1), {data({2, 16, 15, 15})}}, flatten()}, 41, 1));
  cases.push_back(int8_case("maxpool2x2_float_out",
                            {{OpType::kMaxPool, pool_attrs(2, 2, 0), {data({1, 6, 24, 24})}}}, 42,
                            1));
  cases.push_back(int8_case(
      "averagepool3x3_pad1",
      {{OpType::kAveragePool, pool_attrs(3, 1, 1), {data({1, 8, 9, 9})}}, flatten()}, 43, 9));
  cases.push_back(
      int8_case("averagepool3x3_count_include_pad_float_out",
                {{OpType::kAveragePool, pool_attrs(3, 2, 1, true), {data({1, 8, 9, 9})}}}, 44, 9));
  cases.push_back(int8_case(
      "global_averagepool",
      {{OpType::kGlobalAveragePool, NoAttrs{}, {data({2, 64, 7, 7})}}, flatten()}, 45, 49));
  cases.push_back(int8_case("global_averagepool_float_out",
                            {{OpType::kGlobalAveragePool, NoAttrs{}, {data({2, 20, 5, 5})}}}, 46,
                            25));
  // Add and Concat.
  cases.push_back(
      int8_case("add_same_shape",
                {{OpType::kAdd, NoAttrs{}, {data({2, 24, 7, 7}), data({2, 24, 7, 7}, -3.0f, 3.0f)}},
                 flatten()},
                51, 2));
  cases.push_back(int8_case(
      "add_broadcast_float_out",
      {{OpType::kAdd, NoAttrs{}, {data({2, 8, 5, 5}), data({1, 8, 1, 1}, -2.0f, 2.0f)}}}, 52, 2));
  cases.push_back(int8_case(
      "concat_channels_requantized",
      {{OpType::kConcat,
        ConcatAttrs{1},
        {data({2, 3, 6, 6}), data({2, 16, 6, 6}, -4.0f, 4.0f), data({2, 5, 6, 6}, -0.5f, 0.5f)}},
       flatten()},
      53, 1));
  cases.push_back(int8_case(
      "concat_axis2_float_out",
      {{OpType::kConcat, ConcatAttrs{2}, {data({1, 4, 3, 5}), data({1, 4, 2, 5}, -2.0f, 2.0f)}}},
      54, 1));
  // A LeNet-like chain: conv, pool, conv, pool, flatten, gemm (INT8 layouts between layers).
  cases.push_back(
      int8_case("lenet_chain",
                {conv({2, 1, 28, 28}, 6, conv_attrs(5, 1, 0, 1, relu)),
                 {OpType::kMaxPool, pool_attrs(2, 2, 0), {previous()}},
                 {OpType::kConv,
                  conv_attrs(5, 1, 0, 1, relu),
                  {previous(), weight({16, 6, 5, 5}), weight({16})}},
                 {OpType::kMaxPool, pool_attrs(2, 2, 0), {previous()}},
                 flatten(),
                 {OpType::kGemm, GemmAttrs{}, {previous(), weight({256, 10}), absent()}}},
                61, 256));
  return cases;
}

}  // namespace int8rt::consistency
