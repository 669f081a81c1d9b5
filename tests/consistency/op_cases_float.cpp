// Float op cases: every op the bundled models, torchvision ResNet/MobileNetV2/VGG and OCR-style
// nets use, in FP32, and the heavy ones again in FP16 (BuilderFlag::kFp16; backends without fast
// FP16 run them in FP32).
#include "op_cases.h"

namespace int8rt::consistency {

namespace {

OpCase float_case(std::string name, std::vector<Step> steps, uint32_t seed, int64_t reduction = 1,
                  Precision precision = Precision::kFp32) {
  OpCase c;
  c.name = std::move(name);
  c.precision = precision;
  c.steps = std::move(steps);
  c.seed = seed;
  c.reduction = reduction;
  return c;
}

Step unary(OpType op, Attrs attrs = NoAttrs{}, float lo = -3.0f, float hi = 3.0f) {
  return {op, std::move(attrs), {data({2, 3, 5, 7}, lo, hi)}};
}

Step binary(OpType op, Dims a, Dims b, float lo = -2.0f, float hi = 2.0f) {
  return {op, NoAttrs{}, {data(std::move(a), lo, hi), data(std::move(b), lo, hi)}};
}

}  // namespace

std::vector<OpCase> float_cases() {
  std::vector<OpCase> cases;
  // Convolution and matrix products, FP32 and FP16.
  for (Precision p : {Precision::kFp32, Precision::kFp16}) {
    ConvAttrs relu = conv_attrs(3, 1, 1, 1, {ActivationKind::kRelu, 0.0f, 0.0f});
    cases.push_back(float_case(
        "conv3x3_relu",
        {{OpType::kConv, relu, {data({2, 16, 10, 10}), weight({32, 16, 3, 3}), weight({32})}}}, 101,
        16 * 9, p));
    cases.push_back(float_case("conv_depthwise_stride2",
                               {{OpType::kConv,
                                 conv_attrs(3, 2, 1, 24),
                                 {data({1, 24, 13, 13}), weight({24, 1, 3, 3}), weight({24})}}},
                               102, 9, p));
    cases.push_back(float_case("conv_residual_fused",
                               {{OpType::kConv,
                                 conv_attrs(1, 1, 0),
                                 {data({1, 32, 7, 7}), weight({32, 32, 1, 1}), weight({32})}},
                                {OpType::kAdd, NoAttrs{}, {previous(), data({1, 32, 7, 7})}},
                                {OpType::kRelu, NoAttrs{}, {previous()}}},
                               103, 32, p));
    cases.push_back(float_case(
        "gemm_bias",
        {{OpType::kGemm, GemmAttrs{}, {data({8, 128}), weight({128, 40}), weight({40})}}}, 104, 128,
        p));
    cases.push_back(float_case(
        "matmul_batched_activations",
        {{OpType::kMatMul, NoAttrs{}, {data({2, 3, 6, 16}), data({2, 3, 16, 5})}}}, 105, 16, p));
    cases.push_back(float_case("maxpool3x3",
                               {{OpType::kMaxPool, pool_attrs(3, 2, 1), {data({1, 8, 11, 11})}}},
                               106, 1, p));
    cases.push_back(float_case("add_relu",
                               {binary(OpType::kAdd, {2, 8, 6, 6}, {2, 8, 6, 6}),
                                {OpType::kRelu, NoAttrs{}, {previous()}}},
                               107, 2, p));
    cases.push_back(float_case(
        "softmax", {{OpType::kSoftmax, SoftmaxAttrs{-1, false}, {data({4, 10}, -4.0f, 4.0f)}}}, 108,
        10, p));
  }
  {
    GemmAttrs a;
    a.alpha = 0.5f;
    a.beta = 0.25f;
    a.trans_a = true;
    a.trans_b = true;
    cases.push_back(float_case(
        "gemm_trans_alpha_beta",
        {{OpType::kGemm, a, {data({33, 7}), weight({9, 33}), weight({7, 9})}}}, 111, 33));
  }
  {
    ConvAttrs a = conv_attrs(3, 1, 0);
    a.pads = {1, 0, 0, 1};
    OpCase c = float_case(
        "conv_asymmetric_pads",
        {{OpType::kConv, a, {data({1, 4, 6, 6}), weight({4, 4, 3, 3}), absent()}}}, 112, 36);
    c.allow_fallback = true;  // a library convolution may take symmetric pads only
    cases.push_back(std::move(c));
  }
  // Activations and unary functions.
  cases.push_back(float_case("relu", {unary(OpType::kRelu)}, 121));
  cases.push_back(float_case("leaky_relu", {unary(OpType::kLeakyRelu, LeakyReluAttrs{0.1f})}, 122));
  cases.push_back(
      float_case("clip",
                 {{OpType::kClip,
                   NoAttrs{},
                   {data({2, 3, 5, 7}, -8.0f, 8.0f), values({}, {0.0f}), values({}, {6.0f})}}},
                 123));
  cases.push_back(float_case("sigmoid", {unary(OpType::kSigmoid)}, 124));
  cases.push_back(float_case("tanh", {unary(OpType::kTanh)}, 125));
  cases.push_back(
      float_case("hard_sigmoid", {unary(OpType::kHardSigmoid, HardSigmoidAttrs{})}, 126));
  cases.push_back(float_case("hard_swish", {unary(OpType::kHardSwish)}, 127));
  cases.push_back(float_case("elu", {unary(OpType::kElu, EluAttrs{})}, 128));
  cases.push_back(float_case("softplus", {unary(OpType::kSoftplus)}, 129));
  cases.push_back(float_case("abs", {unary(OpType::kAbs)}, 130));
  cases.push_back(float_case("neg", {unary(OpType::kNeg)}, 131));
  cases.push_back(float_case("sqrt", {unary(OpType::kSqrt, NoAttrs{}, 0.0f, 9.0f)}, 132));
  cases.push_back(float_case("exp", {unary(OpType::kExp)}, 133));
  cases.push_back(float_case("log", {unary(OpType::kLog, NoAttrs{}, 0.01f, 9.0f)}, 134));
  cases.push_back(
      float_case("reciprocal", {unary(OpType::kReciprocal, NoAttrs{}, 0.1f, 4.0f)}, 135));
  cases.push_back(float_case("floor", {unary(OpType::kFloor)}, 136));
  cases.push_back(float_case("ceil", {unary(OpType::kCeil)}, 137));
  cases.push_back(float_case("erf", {unary(OpType::kErf)}, 138));
  // Binary, numpy broadcasting.
  cases.push_back(
      float_case("sub_broadcast", {binary(OpType::kSub, {2, 8, 4, 4}, {8, 1, 1})}, 141));
  cases.push_back(float_case("mul_broadcast_scalar", {binary(OpType::kMul, {3, 5}, {1})}, 142));
  cases.push_back(float_case("div", {binary(OpType::kDiv, {4, 6}, {4, 6}, 0.5f, 2.0f)}, 143));
  cases.push_back(float_case("pow", {binary(OpType::kPow, {4, 6}, {4, 6}, 0.5f, 2.0f)}, 144));
  cases.push_back(float_case("max_broadcast", {binary(OpType::kMax, {2, 1, 5}, {1, 3, 5})}, 145));
  cases.push_back(float_case("min", {binary(OpType::kMin, {7}, {7})}, 146));
  cases.push_back(
      float_case("mul_by_constant",
                 {{OpType::kMul, NoAttrs{}, {data({2, 16, 3, 3}), weight({1, 16, 1, 1})}}}, 147));
  // Pooling and reductions.
  cases.push_back(float_case(
      "averagepool_count_include_pad",
      {{OpType::kAveragePool, pool_attrs(3, 2, 1, true), {data({1, 4, 9, 9})}}}, 151, 9));
  cases.push_back(float_case(
      "averagepool", {{OpType::kAveragePool, pool_attrs(2, 2, 0), {data({2, 4, 8, 8})}}}, 152, 4));
  cases.push_back(float_case("global_averagepool",
                             {{OpType::kGlobalAveragePool, NoAttrs{}, {data({2, 64, 7, 7})}}}, 153,
                             49));
  cases.push_back(float_case("global_maxpool",
                             {{OpType::kGlobalMaxPool, NoAttrs{}, {data({2, 16, 5, 5})}}}, 154));
  cases.push_back(float_case(
      "reduce_mean_last_axis",
      {{OpType::kReduceMean, ReduceAttrs{true, false}, {data({2, 7, 48}), param({-1})}}}, 155, 48));
  cases.push_back(float_case(
      "reduce_sum_two_axes",
      {{OpType::kReduceSum, ReduceAttrs{false, false}, {data({2, 4, 5, 6}), param({2, 3})}}}, 156,
      30));
  cases.push_back(float_case(
      "reduce_max", {{OpType::kReduceMax, ReduceAttrs{true, false}, {data({3, 9}), param({0})}}},
      157));
  cases.push_back(float_case("log_softmax_axis1",
                             {{OpType::kLogSoftmax, SoftmaxAttrs{1, false}, {data({2, 6, 3})}}},
                             158, 6));
  cases.push_back(float_case("batchnorm",
                             {{OpType::kBatchNormalization,
                               BatchNormAttrs{1e-5f},
                               {data({2, 6, 4, 4}), weight({6}, 0.5f, 2.0f), weight({6}),
                                weight({6}), weight({6}, 0.1f, 2.0f)}}},
                             159));
  // Data movement.
  cases.push_back(float_case("concat_channels",
                             {{OpType::kConcat,
                               ConcatAttrs{1},
                               {data({2, 3, 4, 4}), data({2, 5, 4, 4}), data({2, 1, 4, 4})}}},
                             161));
  cases.push_back(
      float_case("transpose",
                 {{OpType::kTranspose, TransposeAttrs{{0, 2, 3, 1}}, {data({2, 3, 4, 5})}}}, 162));
  cases.push_back(float_case(
      "reshape", {{OpType::kReshape, ReshapeAttrs{}, {data({2, 3, 4, 5}), param({6, -1})}}}, 163));
  cases.push_back(float_case(
      "slice_steps",
      {{OpType::kSlice,
        NoAttrs{},
        {data({4, 10, 6}), param({1, 8}), param({-1, 0}), param({1, 2}), param({1, -2})}}},
      164));
  {
    ResizeAttrs a;
    a.mode = ResizeMode::kNearest;
    a.coordinate_transformation_mode = ResizeCoordinateMode::kAsymmetric;
    a.nearest_mode = ResizeNearestMode::kFloor;
    OpCase c = float_case(
        "resize_nearest_2x",
        {{OpType::kResize,
          a,
          {data({1, 3, 4, 5}), absent(), values({4}, {1.0f, 1.0f, 2.0f, 2.0f}), absent()}}},
        165);
    cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace int8rt::consistency
