// Reference Conv and ConvTranspose against hand-computed cases and independent naive oracles
// (Conv: correlation over an explicitly zero-padded copy of the input; ConvTranspose: scattering
// every input element through the kernel).
#include <gtest/gtest.h>

#include <algorithm>

#include "kernels/reference_compute_test_util.h"

namespace int8rt {
namespace {

using namespace compute_testing;
using V = std::vector<int64_t>;

double activation(double x, const FusedActivation& act) {
  switch (act.kind) {
    case ActivationKind::kRelu:
      return std::max(0.0, x);
    case ActivationKind::kClip:
      return x < act.alpha ? act.alpha : (x > act.beta ? act.beta : x);
    case ActivationKind::kLeakyRelu:
      return x >= 0 ? x : act.alpha * x;
    case ActivationKind::kHardSwish:
      return x * std::clamp(x + 3.0, 0.0, 6.0) / 6.0;
    case ActivationKind::kSigmoid:
      return std::exp(x) / (1.0 + std::exp(x));
    case ActivationKind::kNone:
      break;
  }
  return x;
}

TEST(ReferenceConv, HandComputed) {
  // 3x3 input 0..8, 2x2 kernel of ones: each output sums a 2x2 block.
  RefLayer t;
  t.layer(
      OpType::kConv,
      {t.input({1, 1, 3, 3}, iota_floats(9)), t.constant({1, 1, 2, 2}, std::vector<float>(4, 1))},
      ConvAttrs{});
  expect_close(t.run_floats(), std::vector<float>{8, 12, 20, 24}, 0, "2x2 ones");

  // ONNX's basic_conv_with_padding: 5x5 input 0..24, 3x3 ones, pads 1.
  RefLayer p;
  ConvAttrs pads;
  pads.pads = {1, 1, 1, 1};
  p.layer(
      OpType::kConv,
      {p.input({1, 1, 5, 5}, iota_floats(25)), p.constant({1, 1, 3, 3}, std::vector<float>(9, 1))},
      pads);
  expect_close(p.run_floats(),
               std::vector<float>{12,  21, 27, 33,  24,  33,  54,  63, 72,  51,  63,  99, 108,
                                  117, 81, 93, 144, 153, 162, 111, 72, 111, 117, 123, 84},
               0, "basic_conv_with_padding");

  // Bias 10, residual 100 + i, then ReLU6 as a fused clip: min(6, 8 + 10 + 100 + i) = 6 for all.
  RefLayer f;
  ConvAttrs fused;
  fused.activation = {ActivationKind::kClip, 0.0f, 6.0f};
  f.layer(
      OpType::kConv,
      {f.input({1, 1, 3, 3}, iota_floats(9)), f.constant({1, 1, 2, 2}, std::vector<float>(4, 1)),
       f.constant({1}, std::vector<float>{-30}), f.input({1, 1, 2, 2}, iota_floats(4, 10))},
      fused);
  // 8-30+10=-12 -> 0, 12-30+11=-7 -> 0, 20-30+12=2, 24-30+13=7 -> 6
  expect_close(f.run_floats(), std::vector<float>{0, 0, 2, 6}, 0, "bias + residual + clip");
}

struct ConvConfig {
  V x, w;
  V strides, pads, dilations;
  int64_t group = 1;
  bool bias = false;
  bool residual = false;
  FusedActivation act;
  std::string describe() const {
    return "x " + join(x) + " w " + join(w) + " strides " + join(strides) + " pads " + join(pads) +
           " dilations " + join(dilations) + " group " + std::to_string(group) +
           (bias ? " +bias" : "") + (residual ? " +residual" : "") + " act " +
           std::string(to_string(act.kind));
  }
};

TEST(ReferenceConv, MatchesPaddedCorrelation) {
  const FusedActivation none;
  const ConvConfig configs[] = {
      {{1, 3, 6, 7}, {4, 3, 3, 3}, {1, 1}, {0, 0, 0, 0}, {1, 1}},
      {{2, 4, 7, 6}, {6, 2, 3, 2}, {2, 1}, {1, 0, 2, 1}, {1, 2}, 2, true},
      {{1, 6, 8, 8}, {6, 1, 3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, 6, true},  // depthwise
      {{1, 3, 9, 9}, {6, 1, 3, 3}, {1, 1}, {2, 2, 2, 2}, {2, 2}, 3, true},  // multiplier 2
      {{1, 2, 5, 5}, {3, 2, 1, 1}, {2, 2}, {0, 0, 0, 0}, {1, 1}, 1, true, true},
      {{2, 3, 11}, {4, 3, 4}, {3}, {2, 1}, {2}, 1, true},                                     // 1-D
      {{1, 2, 4, 5, 6}, {2, 2, 2, 3, 2}, {1, 2, 2}, {1, 0, 1, 0, 1, 1}, {2, 1, 1}, 1, true},  // 3-D
      {{1, 4, 6, 6},
       {4, 2, 3, 3},
       {1, 1},
       {1, 1, 1, 1},
       {1, 1},
       2,
       true,
       true,
       {ActivationKind::kRelu, 0, 0}},
      {{1, 2, 5, 5},
       {3, 2, 3, 3},
       {1, 1},
       {1, 1, 1, 1},
       {1, 1},
       1,
       true,
       false,
       {ActivationKind::kLeakyRelu, 0.1f, 0}},
      {{1, 2, 5, 5},
       {3, 2, 3, 3},
       {1, 1},
       {1, 1, 1, 1},
       {1, 1},
       1,
       true,
       true,
       {ActivationKind::kHardSwish, 0, 0}},
      {{1, 2, 5, 5},
       {3, 2, 3, 3},
       {1, 1},
       {1, 1, 1, 1},
       {1, 1},
       1,
       false,
       false,
       {ActivationKind::kSigmoid, 0, 0}},
      {{1, 2, 5, 5},
       {3, 2, 3, 3},
       {1, 1},
       {0, 0, 0, 0},
       {1, 1},
       1,
       true,
       false,
       {ActivationKind::kClip, -0.5f, 0.5f}},
  };
  uint32_t seed = 1;
  for (const ConvConfig& c : configs) {
    ++seed;
    const std::string config = c.describe() + " seed " + std::to_string(seed);
    const int n = static_cast<int>(c.x.size()) - 2;
    const auto un = static_cast<size_t>(n);
    // Independent output extents.
    V out = {c.x[0], c.w[0]};
    for (size_t i = 0; i < un; ++i) {
      const int64_t padded = c.x[i + 2] + c.pads[i] + c.pads[i + un];
      out.push_back((padded - ((c.w[i + 2] - 1) * c.dilations[i] + 1)) / c.strides[i] + 1);
    }
    const int64_t x_count = Dims(c.x).volume();
    const int64_t w_count = Dims(c.w).volume();
    const int64_t out_count = Dims(out).volume();
    const auto x = random_floats(x_count, seed);
    const auto w = random_floats(w_count, seed + 100);
    const auto b = random_floats(c.w[0], seed + 200);
    const auto r = random_floats(out_count, seed + 300);

    RefLayer t;
    ConvAttrs attrs;
    attrs.strides = c.strides;
    attrs.pads = c.pads;
    attrs.dilations = c.dilations;
    attrs.group = c.group;
    attrs.activation = c.act;
    std::vector<Tensor*> inputs = {t.input(Dims(c.x), x), t.constant(Dims(c.w), w)};
    inputs.push_back(c.bias ? t.constant(Dims{c.w[0]}, b) : nullptr);
    if (c.residual) inputs.push_back(t.input(Dims(out), r));
    t.layer(OpType::kConv, inputs, attrs);
    const std::vector<float> actual = t.run_floats();
    ASSERT_EQ(t.out_dims().to_string(), Dims(out).to_string()) << config;

    // Zero-padded copy of the input.
    V padded = {c.x[0], c.x[1]};
    for (size_t i = 0; i < un; ++i)
      padded.push_back(c.x[i + 2] + c.pads[i] + c.pads[i + un]);
    std::vector<double> xp(static_cast<size_t>(Dims(padded).volume()), 0.0);
    for_each_index(c.x, [&](const V& index) {
      V shifted = index;
      for (size_t i = 0; i < un; ++i)
        shifted[i + 2] += c.pads[i];
      xp[static_cast<size_t>(flat(padded, shifted))] = x[static_cast<size_t>(flat(c.x, index))];
    });
    const int64_t in_per_group = c.x[1] / c.group;
    const int64_t out_per_group = c.w[0] / c.group;
    const V taps(c.w.begin() + 1, c.w.end());  // (C/group, k...)
    std::vector<double> expected(static_cast<size_t>(out_count));
    for_each_index(out, [&](const V& o) {
      const int64_t m = o[1];
      double sum = 0.0;
      for_each_index(taps, [&](const V& tap) {
        V at = {o[0], (m / out_per_group) * in_per_group + tap[0]};
        for (size_t i = 0; i < un; ++i)
          at.push_back(o[i + 2] * c.strides[i] + tap[i + 1] * c.dilations[i]);
        V w_index = {m};
        w_index.insert(w_index.end(), tap.begin(), tap.end());
        sum += xp[static_cast<size_t>(flat(padded, at))] *
               static_cast<double>(w[static_cast<size_t>(flat(c.w, w_index))]);
      });
      if (c.bias) sum += b[static_cast<size_t>(m)];
      if (c.residual) sum += r[static_cast<size_t>(flat(out, o))];
      expected[static_cast<size_t>(flat(out, o))] = activation(sum, c.act);
    });
    expect_close(actual, expected, kFloatTolerance, config);
  }
}

TEST(ReferenceConvTranspose, HandComputed) {
  // ONNX's convtranspose example: 3x3 input 0..8, two 3x3 kernels of ones.
  const std::vector<float> plane = {0,  1,  3, 3,  2,  3,  8,  15, 12, 7,  9,  21, 36,
                                    27, 15, 9, 20, 33, 24, 13, 6,  13, 21, 15, 8};
  RefLayer t;
  t.layer(
      OpType::kConvTranspose,
      {t.input({1, 1, 3, 3}, iota_floats(9)), t.constant({1, 2, 3, 3}, std::vector<float>(18, 1))},
      ConvTransposeAttrs{});
  std::vector<float> both = plane;
  both.insert(both.end(), plane.begin(), plane.end());
  expect_close(t.run_floats(), both, 0, "convtranspose");

  // 1-D, stride 2, kernel [1, 10], bias 0.5: y[2i] += x[i], y[2i+1] += 10 x[i].
  RefLayer s;
  ConvTransposeAttrs strided;
  strided.strides = {2};
  s.layer(
      OpType::kConvTranspose,
      {s.input({1, 1, 3}, std::vector<float>{1, 2, 3}),
       s.constant({1, 1, 2}, std::vector<float>{1, 10}), s.constant({1}, std::vector<float>{0.5f})},
      strided);
  expect_close(s.run_floats(), std::vector<float>{1.5f, 10.5f, 2.5f, 20.5f, 3.5f, 30.5f}, 0,
               "1-D stride 2");
}

struct DeconvConfig {
  V x, w;
  V strides, pads, dilations, output_padding, output_shape;
  int64_t group = 1;
  bool bias = false;
  std::string describe() const {
    return "x " + join(x) + " w " + join(w) + " strides " + join(strides) + " pads " + join(pads) +
           " dilations " + join(dilations) + " output_padding " + join(output_padding) +
           " output_shape " + join(output_shape) + " group " + std::to_string(group);
  }
};

TEST(ReferenceConvTranspose, MatchesScatter) {
  const DeconvConfig configs[] = {
      {{1, 2, 4, 3}, {2, 3, 3, 3}, {1, 1}, {0, 0, 0, 0}, {1, 1}, {0, 0}, {}, 1, true},
      {{2, 2, 3, 4}, {2, 2, 3, 2}, {3, 2}, {1, 2, 1, 0}, {1, 1}, {1, 1}, {}, 1, true},
      {{1, 4, 3, 3}, {4, 3, 2, 2}, {2, 2}, {0, 1, 1, 0}, {2, 1}, {0, 0}, {}, 2, true},
      {{1, 3, 5}, {3, 1, 3}, {2}, {1, 1}, {1}, {1}, {}, 3, false},  // 1-D depthwise
      {{1, 1, 2, 3, 2},
       {1, 2, 2, 2, 3},
       {2, 1, 2},
       {0, 0, 1, 1, 0, 0},
       {1, 2, 1},
       {0, 0, 0},
       {},
       1,
       true},
      // output_shape larger than the full result: a negative end pad, extra zeros (+ bias).
      {{1, 1, 3, 3}, {1, 2, 3, 3}, {3, 2}, {}, {1, 1}, {0, 0}, {10, 8}, 1, true},
      {{1, 1, 3, 3}, {1, 2, 3, 3}, {3, 2}, {}, {1, 1}, {0, 0}, {8, 6}, 1, false},
  };
  uint32_t seed = 50;
  for (const DeconvConfig& c : configs) {
    ++seed;
    const std::string config = c.describe() + " seed " + std::to_string(seed);
    const auto un = c.x.size() - 2;
    const int64_t out_channels = c.w[1] * c.group;
    const auto x = random_floats(Dims(c.x).volume(), seed);
    const auto w = random_floats(Dims(c.w).volume(), seed + 100);
    const auto b = random_floats(out_channels, seed + 200);
    RefLayer t;
    ConvTransposeAttrs attrs;
    attrs.strides = c.strides;
    attrs.pads = c.pads;
    attrs.dilations = c.dilations;
    attrs.output_padding = c.output_padding;
    attrs.output_shape = c.output_shape;
    attrs.group = c.group;
    std::vector<Tensor*> inputs = {t.input(Dims(c.x), x), t.constant(Dims(c.w), w)};
    if (c.bias) inputs.push_back(t.constant(Dims{out_channels}, b));
    t.layer(OpType::kConvTranspose, inputs, attrs);
    const std::vector<float> actual = t.run_floats();

    // Independent geometry: the full transposed convolution, then cropped at pad_begin.
    V out = {c.x[0], out_channels};
    V pad_begin(un, 0);
    for (size_t i = 0; i < un; ++i) {
      const int64_t full = c.strides[i] * (c.x[i + 2] - 1) + c.output_padding[i] +
                           (c.w[i + 2] - 1) * c.dilations[i] + 1;
      if (!c.output_shape.empty()) {
        const int64_t total = full - c.output_shape[i];
        pad_begin[i] = total - static_cast<int64_t>(std::floor(total / 2.0));
        out.push_back(c.output_shape[i]);
      } else {
        pad_begin[i] = c.pads[i];
        out.push_back(full - c.pads[i] - c.pads[i + un]);
      }
    }
    ASSERT_EQ(t.out_dims().to_string(), Dims(out).to_string()) << config;
    std::vector<double> expected(static_cast<size_t>(Dims(out).volume()), 0.0);
    if (c.bias) {
      for_each_index(out, [&](const V& o) {
        expected[static_cast<size_t>(flat(out, o))] = b[static_cast<size_t>(o[1])];
      });
    }
    const int64_t in_per_group = c.x[1] / c.group;
    const V taps(c.w.begin() + 1, c.w.end());  // (M/group, k...)
    for_each_index(c.x, [&](const V& i) {
      const double xv = x[static_cast<size_t>(flat(c.x, i))];
      const int64_t group = i[1] / in_per_group;
      for_each_index(taps, [&](const V& tap) {
        V o = {i[0], group * c.w[1] + tap[0]};
        for (size_t a = 0; a < un; ++a) {
          const int64_t pos = i[a + 2] * c.strides[a] + tap[a + 1] * c.dilations[a] - pad_begin[a];
          if (pos < 0 || pos >= out[a + 2]) return;
          o.push_back(pos);
        }
        V w_index = {i[1]};
        w_index.insert(w_index.end(), tap.begin(), tap.end());
        expected[static_cast<size_t>(flat(out, o))] +=
            xv * static_cast<double>(w[static_cast<size_t>(flat(c.w, w_index))]);
      });
    });
    expect_close(actual, expected, kFloatTolerance, config);
  }
}

// Conv -> Relu -> ConvTranspose through the Builder (the builder may fuse the Relu into the Conv).
TEST(ReferenceConv, BuilderEndToEnd) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{1, 1, 3, 3}).value();
  const std::vector<float> ones(4, 1.0f);
  Tensor* w =
      net.add_constant("w", Weights::from_vector(DataType::kFloat, Dims{1, 1, 2, 2}, ones)).value();
  Tensor* b = net.add_constant(
                     "b", Weights::from_vector(DataType::kFloat, Dims{1}, std::vector<float>{-10}))
                  .value();
  Layer* conv = net.add_layer(OpType::kConv, "conv", {x, w, b}, ConvAttrs{}, {"c"}).value();
  Layer* relu = net.add_layer(OpType::kRelu, "relu", {conv->output(0)}, NoAttrs{}, {"r"}).value();
  Tensor* wt =
      net.add_constant("wt", Weights::from_vector(DataType::kFloat, Dims{1, 1, 2, 2}, ones))
          .value();
  Layer* deconv = net.add_layer(OpType::kConvTranspose, "deconv", {relu->output(0), wt},
                                ConvTransposeAttrs{}, {"y"})
                      .value();
  ASSERT_TRUE(net.mark_output(deconv->output(0)).is_ok());
  std::string dims;
  // conv: 2x2 block sums of 0..8 minus 10 = [-2, 2, 10, 14]; relu: [0, 2, 10, 14];
  // the transposed conv spreads each value over a 2x2 block of the 3x3 output.
  const std::vector<float> y = build_and_run(net, {iota_floats(9)}, &dims);
  EXPECT_EQ(dims, "1x1x3x3");
  expect_close(y, std::vector<float>{0, 2, 2, 10, 26, 16, 10, 24, 14}, 0, "conv-relu-deconv");
}

}  // namespace
}  // namespace int8rt
