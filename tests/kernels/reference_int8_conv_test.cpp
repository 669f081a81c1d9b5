// Reference INT8 Conv: hand-worked rounding, clamping, zero-weight channels, residual and clip;
// random configurations (groups, depthwise, strides, pads, dilations, 1-D to 3-D, every fused
// activation, residual, int8 and float outputs) against an oracle that correlates an explicitly
// zero-padded int copy of the input, and against the float convolution within the quantization
// error bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "backends/reference/reference.h"
#include "kernels/reference_int8_test_util.h"

namespace int8rt {
namespace {

using compute_testing::flat;
using compute_testing::for_each_index;
using compute_testing::join;
using compute_testing::random_floats;
using compute_testing::RefLayer;
using int8_testing::expect_exact;
using int8_testing::expect_near_float_model;
using int8_testing::int8_input;
using int8_testing::oracle_stage;
using int8_testing::oracle_weights;
using int8_testing::random_int8;
using int8_testing::run_as_floats;
using int8_testing::saturating_amax;
using int8_testing::set_int8_output;
using int8_testing::StageParams;
using V = std::vector<int64_t>;

TEST(ReferenceInt8Conv, HandWorkedRoundingAndClamping) {
  // Scales 1 everywhere: w channel 0 = [1, 127] (s_w 1), channel 1 all zeros (s_w 1, q 0).
  // y0 = rne(acc + 0.5): acc 2 -> 2.5 -> 2, -3 -> -2.5 -> -2, 3 -> 3.5 -> 4, 127 -> 127.5 -> 127,
  // -16256 -> -127 (never -128), -127 -> -126.5 -> -126; y1 = rne(0 + 2.25) = 2.
  const std::vector<int8_t> x = {2, -3, 3, 0, -127, -127, 0, 0, 0, 1, -127, 0};
  for (bool int8_out : {true, false}) {
    RefLayer t;
    Layer* conv = t.layer(OpType::kConv,
                          {int8_input(t, {1, 2, 1, 6}, x, 127.0f),
                           t.constant({2, 2, 1, 1}, std::vector<float>{1, 127, 0, 0}),
                           t.constant({2}, std::vector<float>{0.5f, 2.25f})},
                          ConvAttrs{});
    set_int8_output(conv, int8_out ? 127.0f : 0.0f);
    if (int8_out) {
      expect_exact(run_as_floats(t), {2, -2, 4, 127, -127, -126, 2, 2, 2, 2, 2, 2}, "int8 out");
    } else {
      // Float output: s_in * s_w * (acc + 0.5) without rounding or clamping.
      expect_exact(
          run_as_floats(t),
          {2.5f, -2.5f, 3.5f, 127.5f, -16255.5f, -126.5f, 2.25f, 2.25f, 2.25f, 2.25f, 2.25f, 2.25f},
          "float out");
    }
  }
}

TEST(ReferenceInt8Conv, HandWorkedResidualAndRelu6) {
  // s_in 1, s_w 1 (w = [1, 127], the second input channel is zero), s_out 0.5, s_R 2:
  // v = 2 * acc + 4 * R in output units, clip [0, 6 / 0.5].
  const std::vector<int8_t> x = {1, 1, 2, 3, 5, -1, 0, 0, 0, 0, 0, 0};
  const std::vector<int8_t> r = {0, 1, 1, 1, 1, 0};
  RefLayer t;
  ConvAttrs attrs;
  attrs.activation = {ActivationKind::kClip, 0.0f, 6.0f};
  Tensor* residual = t.input<int8_t>({1, 1, 1, 6}, r, DataType::kInt8);
  ASSERT_TRUE(residual->set_dynamic_range(-254.0f, 254.0f).is_ok());
  Layer* conv = t.layer(OpType::kConv,
                        {int8_input(t, {1, 2, 1, 6}, x, 127.0f),
                         t.constant({1, 2, 1, 1}, std::vector<float>{1, 127}), nullptr, residual},
                        attrs);
  set_int8_output(conv, 63.5f);
  expect_exact(run_as_floats(t), {2, 6, 8, 10, 12, 0}, "residual + relu6");
}

struct Config {
  V x, w, strides, pads, dilations;
  int64_t group = 1;
  bool bias = false;
  bool residual = false;
  FusedActivation act;
  bool int8_out = true;
  std::string describe(uint32_t seed) const {
    return "x " + join(x) + " w " + join(w) + " strides " + join(strides) + " pads " + join(pads) +
           " dilations " + join(dilations) + " group " + std::to_string(group) +
           (bias ? " +bias" : "") + (residual ? " +residual" : "") + " act " +
           std::string(to_string(act.kind)) + (int8_out ? " int8 out" : " float out") + " seed " +
           std::to_string(seed);
  }
};

void check_config(const Config& cfg, uint32_t seed) {
  const std::string where = cfg.describe(seed);
  SCOPED_TRACE(where);
  const int spatial = static_cast<int>(cfg.x.size()) - 2;
  const int64_t m_total = cfg.w[0];
  const int64_t cg = cfg.w[1];
  int64_t k_volume = 1;
  for (int i = 0; i < spatial; ++i)
    k_volume *= cfg.w[static_cast<size_t>(i + 2)];
  V out = {cfg.x[0], m_total};
  for (int i = 0; i < spatial; ++i) {
    const auto a = static_cast<size_t>(i);
    const int64_t span = (cfg.w[a + 2] - 1) * cfg.dilations[a] + 1;
    out.push_back((cfg.x[a + 2] + cfg.pads[a] + cfg.pads[a + spatial] - span) / cfg.strides[a] + 1);
  }
  int64_t x_count = 1, w_count = 1, y_count = 1;
  for (int64_t e : cfg.x)
    x_count *= e;
  for (int64_t e : cfg.w)
    w_count *= e;
  for (int64_t e : out)
    y_count *= e;
  const float amax_in = 3.0f;
  const std::vector<int8_t> x = random_int8(x_count, seed);
  std::vector<float> w = random_floats(w_count, seed + 1, -0.5f, 0.5f);
  // Output channel 1 (when there is one) has only zero weights.
  if (m_total > 1) std::fill(w.begin() + cg * k_volume, w.begin() + 2 * cg * k_volume, 0.0f);
  const std::vector<float> bias = random_floats(m_total, seed + 2, -2.0f, 2.0f);
  const std::vector<int8_t> r = random_int8(y_count, seed + 3);
  const float amax_r = 5.0f;
  const float s_in = amax_in / 127.0f;
  const auto ow = oracle_weights(w, m_total, cg * k_volume);

  // Integer accumulations over a zero-padded int copy of x, and the float model.
  V padded = cfg.x;
  for (int i = 0; i < spatial; ++i)
    padded[static_cast<size_t>(i + 2)] +=
        cfg.pads[static_cast<size_t>(i)] + cfg.pads[static_cast<size_t>(i + spatial)];
  int64_t p_count = 1;
  for (int64_t e : padded)
    p_count *= e;
  std::vector<int> xp(static_cast<size_t>(p_count), 0);
  for_each_index(cfg.x, [&](const V& idx) {
    V at = idx;
    for (int i = 0; i < spatial; ++i)
      at[static_cast<size_t>(i + 2)] += cfg.pads[static_cast<size_t>(i)];
    xp[static_cast<size_t>(flat(padded, at))] = x[static_cast<size_t>(flat(cfg.x, idx))];
  });
  std::vector<int64_t> acc(static_cast<size_t>(y_count));
  std::vector<double> real(static_cast<size_t>(y_count));   // float conv of the dequantized input
  std::vector<double> bound(static_cast<size_t>(y_count));  // its weight-rounding error bound
  const V kernel(cfg.w.begin() + 2, cfg.w.end());
  const int64_t mg = m_total / cfg.group;
  for_each_index(out, [&](const V& o) {
    const int64_t n = o[0], m = o[1];
    int64_t sum = 0;
    double fsum = 0.0, err = 0.0;
    for (int64_t c = 0; c < cg; ++c) {
      const int64_t ci = (m / mg) * cg + c;
      for_each_index(kernel, [&](const V& k) {
        V at = {n, ci};
        for (int i = 0; i < spatial; ++i) {
          const auto a = static_cast<size_t>(i);
          at.push_back(o[a + 2] * cfg.strides[a] + k[a] * cfg.dilations[a]);
        }
        const int xv = xp[static_cast<size_t>(flat(padded, at))];
        const size_t wi = static_cast<size_t>((m * cg + c) * k_volume + flat(kernel, k));
        sum += static_cast<int64_t>(xv) * ow.q[wi];
        fsum += xv * static_cast<double>(s_in) * w[wi];
        err += std::abs(xv) * static_cast<double>(s_in) * ow.scale[static_cast<size_t>(m)] * 0.5;
      });
    }
    const auto i = static_cast<size_t>(flat(out, o));
    acc[i] = sum;
    real[i] = fsum + (cfg.bias ? bias[static_cast<size_t>(m)] : 0.0) +
              (cfg.residual ? r[i] * (amax_r / 127.0) : 0.0);
    bound[i] = err;
  });
  const float amax_out = saturating_amax(real, cfg.int8_out);

  RefLayer t;
  std::vector<Tensor*> inputs = {int8_input(t, Dims(cfg.x), x, amax_in),
                                 t.constant(Dims(cfg.w), w)};
  // A residual needs the bias slot: a zero bias when the configuration has none.
  if (cfg.bias || cfg.residual) {
    inputs.push_back(t.constant(
        {m_total}, cfg.bias ? bias : std::vector<float>(static_cast<size_t>(m_total), 0.0f)));
  }
  if (cfg.residual) inputs.push_back(int8_input(t, Dims(out), r, amax_r));
  ConvAttrs attrs;
  attrs.strides = cfg.strides;
  attrs.pads = cfg.pads;
  attrs.dilations = cfg.dilations;
  attrs.group = cfg.group;
  attrs.activation = cfg.act;
  Layer* conv = t.layer(OpType::kConv, inputs, attrs);
  set_int8_output(conv, amax_out);
  const std::vector<float> got = run_as_floats(t);
  ASSERT_EQ(got.size(), static_cast<size_t>(y_count));
  EXPECT_EQ(t.out_dims(), Dims(out));
  EXPECT_EQ(conv->output(0)->dtype(), cfg.int8_out ? DataType::kInt8 : DataType::kFloat);

  StageParams p;
  p.s_in = s_in;
  p.s_out = cfg.int8_out ? amax_out / 127.0f : 0.0f;
  p.has_bias = cfg.bias || cfg.residual;
  p.has_residual = cfg.residual;
  p.s_residual = amax_r / 127.0f;
  p.act = cfg.act;
  std::vector<float> expected(static_cast<size_t>(y_count));
  for_each_index(out, [&](const V& o) {
    const auto i = static_cast<size_t>(flat(out, o));
    const auto m = static_cast<size_t>(o[1]);
    expected[i] = oracle_stage(p, acc[i], ow.scale[m], cfg.bias ? bias[m] : 0.0f, r[i]);
  });
  expect_exact(got, expected, where);

  // Against the float model: the weight rounding error, half an output step, a float ulp margin.
  const bool homogeneous =
      cfg.act.kind != ActivationKind::kHardSwish && cfg.act.kind != ActivationKind::kSigmoid;
  int saturated = 0;
  if (homogeneous) {
    std::vector<double> want = real;
    for (double& v : want) {
      if (cfg.act.kind == ActivationKind::kRelu) v = std::max(0.0, v);
      if (cfg.act.kind == ActivationKind::kLeakyRelu && v < 0) v *= cfg.act.alpha;
      if (cfg.act.kind == ActivationKind::kClip)
        v = std::clamp(v, double(cfg.act.alpha), double(cfg.act.beta));
    }
    expect_near_float_model(got, want, bound, amax_out, where, &saturated);
    if (::testing::Test::HasFatalFailure()) return;
  }
  if (cfg.int8_out && homogeneous && cfg.act.kind == ActivationKind::kNone) {
    EXPECT_GT(saturated, 0) << where << ": expected some saturated outputs";
  }
  for (float v : got) {
    if (cfg.int8_out) {
      ASSERT_GE(v, -127.0f) << where;
    }
  }
}

TEST(ReferenceInt8Conv, RandomConfigurationsMatchOracle) {
  const FusedActivation none;
  const FusedActivation relu{ActivationKind::kRelu, 0, 0};
  const FusedActivation leaky{ActivationKind::kLeakyRelu, 0.1f, 0};
  const FusedActivation clip{ActivationKind::kClip, -0.5f, 1.5f};
  const FusedActivation hswish{ActivationKind::kHardSwish, 0, 0};
  const FusedActivation sigmoid{ActivationKind::kSigmoid, 0, 0};
  const std::vector<Config> configs = {
      {{1, 3, 6, 7}, {4, 3, 3, 3}, {1, 1}, {0, 0, 0, 0}, {1, 1}},
      {{2, 4, 7, 6}, {6, 2, 3, 2}, {2, 1}, {1, 0, 2, 1}, {1, 2}, 2, true},
      {{1, 6, 8, 8}, {6, 1, 3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, 6, true},  // depthwise
      {{1, 3, 9, 9}, {6, 1, 3, 3}, {1, 1}, {2, 2, 2, 2}, {2, 2}, 3, true},  // multiplier 2
      {{1, 8, 5, 5}, {4, 8, 1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 1, true, true},
      {{2, 3, 11}, {4, 3, 4}, {3}, {2, 1}, {2}, 1, true},                                     // 1-D
      {{1, 2, 4, 5, 6}, {2, 2, 2, 3, 2}, {1, 2, 2}, {1, 0, 1, 0, 1, 1}, {2, 1, 1}, 1, true},  // 3-D
      {{1, 4, 6, 6}, {4, 2, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 2, true, true, relu},
      {{1, 2, 5, 5}, {3, 2, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, true, false, leaky},
      {{1, 2, 5, 5}, {3, 2, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, true, true, clip},
      {{1, 2, 5, 5}, {3, 2, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, true, true, hswish},
      {{1, 2, 5, 5}, {3, 2, 3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, 1, false, false, sigmoid},
      {{1, 32, 6, 6}, {16, 32, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, true},  // K = 288
  };
  uint32_t seed = 1000;
  for (const Config& base : configs) {
    for (bool int8_out : {true, false}) {
      Config cfg = base;
      cfg.int8_out = int8_out;
      check_config(cfg, seed);
      seed += 10;
    }
  }
}

TEST(ReferenceInt8Conv, ErrorsNameTheLayerAndTensor) {
  // No range on the int8 input: shape inference treats it as plain int8 and refuses Conv.
  RefLayer t;
  Tensor* x = t.input<int8_t>({1, 1, 2, 2}, {1, 2, 3, 4}, DataType::kInt8);
  t.layer(OpType::kConv, {x, t.constant({1, 1, 1, 1}, std::vector<float>{1})}, ConvAttrs{});
  Status status = ir::infer_layer(*t.layer());
  EXPECT_FALSE(status.is_ok());
  EXPECT_NE(status.to_string().find("Conv \"op\""), std::string::npos) << status.to_string();

  // The int8 output has no range: the kernel needs its scale.
  RefLayer o;
  o.layer(OpType::kConv,
          {int8_input(o, {1, 1, 2, 2}, {1, 2, 3, 4}, 1.0f),
           o.constant({1, 1, 1, 1}, std::vector<float>{1})},
          ConvAttrs{});
  o.layer()->output(0)->set_dtype(DataType::kInt8);
  ASSERT_TRUE(ir::infer_layer(*o.layer()).is_ok());
  auto kernel = reference::create_kernel(*o.layer());
  ASSERT_FALSE(kernel.is_ok());
  EXPECT_NE(kernel.status().to_string().find("Conv \"op\": output \"y0\" has no dynamic range"),
            std::string::npos)
      << kernel.status().to_string();

  // A weight computed at run time cannot be quantized once.
  RefLayer w;
  Tensor* wt = w.input({1, 1, 1, 1}, std::vector<float>{1});
  w.layer(OpType::kConv, {int8_input(w, {1, 1, 2, 2}, {1, 2, 3, 4}, 1.0f), wt}, ConvAttrs{});
  status = ir::infer_layer(*w.layer());
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.to_string().find("expected a float32 constant"), std::string::npos)
      << status.to_string();
  EXPECT_FALSE(reference::supports_int8(*w.layer()));
  EXPECT_TRUE(reference::supports_int8(*o.layer()));
}

}  // namespace
}  // namespace int8rt
