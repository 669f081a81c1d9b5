// oneDNN INT8 Conv vs the contract's arithmetic (docs/int8.md) written out as a naive loop, on
// random INT8 data and random scales: INT8 outputs must be equal (tolerance 0), float32 outputs
// within kFloatOutputTolerance. Strides, asymmetric pads, dilations, groups, depthwise, fused
// activations, a fused residual, batch > 1, INT8 and float32 outputs.
#include <gtest/gtest.h>

#include "cpu_int8_test_util.h"

namespace int8rt {
namespace {

using namespace int8_testing;

// Float32 output: y = oscale_c · (acc + b'_c) with the same float operations in the same order,
// so only the implementation's use of FMA or another association could differ: one float
// rounding of values of magnitude |y|.
constexpr float kFloatOutputTolerance = 2.4e-7f;

struct Int8ConvCase {
  int64_t n = 1, c = 16, m = 32, h = 9, w = 9;
  int64_t kh = 3, kw = 3;
  std::vector<int64_t> strides = {1, 1};
  std::vector<int64_t> pads = {1, 1, 1, 1};
  std::vector<int64_t> dilations = {1, 1};
  int64_t group = 1;
  bool bias = true;
  FusedActivation activation;
  bool residual = false;
  bool int8_output = true;

  std::string to_string() const {
    std::ostringstream out;
    out << "INT8 Conv n=" << n << " c=" << c << " m=" << m << " in=" << h << "x" << w << " k=" << kh
        << "x" << kw << " s=" << strides[0] << "," << strides[1] << " pads=" << pads[0] << ","
        << pads[1] << "," << pads[2] << "," << pads[3] << " d=" << dilations[0] << ","
        << dilations[1] << " group=" << group << " bias=" << bias
        << " act=" << int8rt::to_string(activation.kind) << "(" << activation.alpha << ","
        << activation.beta << ") residual=" << residual
        << " output=" << (int8_output ? "int8" : "float32");
    return out.str();
  }
};

// Every value of the naive computation before the final rounding, in NCHW order.
struct ConvReference {
  std::vector<float> v;
  float amax = 0.0f;
};

void check_int8_conv(const Int8ConvCase& c, uint32_t seed) {
  SCOPED_TRACE(c.to_string() + " seed=" + std::to_string(seed));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> amax_dist(0.25f, 4.0f);
  const float x_amax = amax_dist(rng), r_amax = amax_dist(rng);

  Int8Layer t;
  const Dims x_dims{c.n, c.c, c.h, c.w};
  const Dims w_dims{c.m, c.c / c.group, c.kh, c.kw};
  const std::vector<int8_t> xq = random_int8(x_dims.volume(), seed + 1);
  const std::vector<float> wf = random_floats(w_dims.volume(), seed + 2, -1.0f, 1.0f);
  const std::vector<float> bf = random_floats(c.m, seed + 3, -2.0f, 2.0f);
  Tensor* x = t.int8_input(x_dims, x_amax, xq);
  std::vector<Tensor*> inputs{x, t.constant(w_dims, wf),
                              c.bias ? t.constant(Dims{c.m}, bf) : nullptr};
  ConvAttrs attrs;
  attrs.kernel_shape = {c.kh, c.kw};
  attrs.strides = c.strides;
  attrs.pads = c.pads;
  attrs.dilations = c.dilations;
  attrs.group = c.group;
  attrs.activation = c.activation;
  // The residual's dims are the output's: build the layer once without it to learn them.
  Dims y_dims;
  {
    Int8Layer probe;
    Tensor* px = probe.int8_input(x_dims, 1.0f, xq);
    probe.layer(OpType::kConv, {px, probe.constant(w_dims, wf)}, attrs);
    y_dims = probe.out_dims();
  }
  std::vector<int8_t> rq;
  if (c.residual) {
    rq = random_int8(y_dims.volume(), seed + 4);
    inputs.push_back(t.int8_input(y_dims, r_amax, rq));
  }
  t.layer(OpType::kConv, inputs, attrs);
  ASSERT_EQ(t.out_dims(), y_dims);

  // The contract, naively.
  const float s_in = x_amax / 127.0f;
  const float s_r = r_amax / 127.0f;
  const QuantizedWeights qw = quantize_weights(wf, w_dims, 0);
  const int64_t oh = y_dims[2], ow = y_dims[3];
  const int64_t cg = c.c / c.group, mg = c.m / c.group;
  std::vector<float> pre(static_cast<size_t>(y_dims.volume()));  // before scaling by 1 / s_out
  for (int64_t n = 0; n < c.n; ++n)
    for (int64_t m = 0; m < c.m; ++m)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          int32_t acc = 0;
          const int64_t g = m / mg;
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t ky = 0; ky < c.kh; ++ky)
              for (int64_t kx = 0; kx < c.kw; ++kx) {
                const int64_t iy = oy * c.strides[0] - c.pads[0] + ky * c.dilations[0];
                const int64_t ix = ox * c.strides[1] - c.pads[1] + kx * c.dilations[1];
                if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
                const int32_t xv =
                    xq[static_cast<size_t>(((n * c.c + g * cg + ci) * c.h + iy) * c.w + ix)];
                const int32_t wv =
                    qw.q[static_cast<size_t>(((m * cg + ci) * c.kh + ky) * c.kw + kx)];
                acc += xv * wv;
              }
          const size_t o = static_cast<size_t>(((n * c.m + m) * oh + oy) * ow + ox);
          pre[o] = static_cast<float>(acc);
          (void)o;
        }
  // Output scale: chosen so that about a third of the values clamp.
  float y_amax = 0.0f;
  for (size_t i = 0; i < pre.size(); ++i) {
    const auto m = static_cast<size_t>(static_cast<int64_t>(i) / (oh * ow) % c.m);
    y_amax = std::max(y_amax, std::fabs(pre[i] * s_in * qw.scale[m]));
  }
  y_amax *= 0.5f;
  t.set_output(c.int8_output ? DataType::kInt8 : DataType::kFloat, y_amax);
  const float s_out = y_amax / 127.0f;

  Expected expected;
  for (size_t i = 0; i < pre.size(); ++i) {
    const auto m = static_cast<size_t>(static_cast<int64_t>(i) / (oh * ow) % c.m);
    const float s_w = qw.scale[m];
    const float b = c.bias ? bf[m] / (s_in * s_w) : 0.0f;
    const float oscale = c.int8_output ? s_in * s_w / s_out : s_in * s_w;
    float v = oscale * (pre[i] + b);
    if (c.residual) v = std::fma(s_r / s_out, static_cast<float>(rq[i]), v);
    add_expected(expected, v, c.activation, c.int8_output, s_out);
  }
  expect_matches_naive_and_reference(t, "onednn.conv", expected, c.int8_output,
                                     kFloatOutputTolerance);
}

TEST(CpuInt8Conv, Plain3x3) {
  check_int8_conv(Int8ConvCase{}, 1);
}

TEST(CpuInt8Conv, LongReductionsSaturateNothing) {
  // K = 3 · 3 · 256: a non-VNNI int16 pair sum of ±127 · ±127 terms would saturate.
  Int8ConvCase c;
  c.c = 256;
  c.m = 64;
  c.h = c.w = 7;
  check_int8_conv(c, 2);
  c.kh = c.kw = 1;
  c.pads = {0, 0, 0, 0};
  check_int8_conv(c, 3);
}

TEST(CpuInt8Conv, StridesPadsDilations) {
  Int8ConvCase c;
  c.strides = {2, 2};
  check_int8_conv(c, 10);
  c.pads = {0, 1, 2, 0};
  check_int8_conv(c, 11);
  c.strides = {1, 3};
  c.pads = {2, 0, 0, 1};
  c.kh = 5;
  check_int8_conv(c, 12);
  c.strides = {1, 1};
  c.pads = {2, 2, 2, 2};
  c.kh = 3;
  c.dilations = {2, 2};
  check_int8_conv(c, 13);
  c.kh = c.kw = 1;
  c.pads = {0, 0, 0, 0};
  c.dilations = {1, 1};
  c.strides = {2, 2};
  check_int8_conv(c, 14);
  c.c = 3;
  c.kh = c.kw = 7;
  c.pads = {3, 3, 3, 3};
  c.h = c.w = 20;
  check_int8_conv(c, 15);
}

TEST(CpuInt8Conv, GroupsAndDepthwise) {
  Int8ConvCase c;
  c.group = 4;
  check_int8_conv(c, 20);
  c.c = c.m = 32;
  c.group = 32;
  check_int8_conv(c, 21);
  c.strides = {2, 2};
  check_int8_conv(c, 22);
  c.m = 64;  // depthwise with a channel multiplier of 2
  check_int8_conv(c, 23);
  c.c = c.m = 24;
  c.group = 24;
  c.strides = {1, 1};
  c.activation = {ActivationKind::kClip, 0.0f, 6.0f};
  check_int8_conv(c, 24);
  c.residual = true;
  check_int8_conv(c, 25);
  c.residual = false;
  c.int8_output = false;
  check_int8_conv(c, 26);
}

TEST(CpuInt8Conv, FusedActivations) {
  Int8ConvCase c;
  c.activation = {ActivationKind::kRelu, 0.0f, 0.0f};
  check_int8_conv(c, 30);
  c.activation = {ActivationKind::kLeakyRelu, 0.1f, 0.0f};
  check_int8_conv(c, 31);
  c.activation = {ActivationKind::kClip, -0.5f, 6.0f};
  check_int8_conv(c, 32);
  c.bias = false;
  c.activation = {ActivationKind::kRelu, 0.0f, 0.0f};
  check_int8_conv(c, 33);
}

TEST(CpuInt8Conv, Residual) {
  Int8ConvCase c;
  c.residual = true;
  check_int8_conv(c, 40);
  c.activation = {ActivationKind::kRelu, 0.0f, 0.0f};
  check_int8_conv(c, 41);
  c.kh = c.kw = 1;
  c.pads = {0, 0, 0, 0};
  c.c = 64;
  check_int8_conv(c, 42);
  c.n = 3;
  check_int8_conv(c, 43);
}

TEST(CpuInt8Conv, BatchAndFloatOutput) {
  Int8ConvCase c;
  c.n = 4;
  check_int8_conv(c, 50);
  c.int8_output = false;
  check_int8_conv(c, 51);
  c.activation = {ActivationKind::kRelu, 0.0f, 0.0f};
  c.group = 2;
  check_int8_conv(c, 52);
}

}  // namespace
}  // namespace int8rt

namespace int8rt {
namespace {

using namespace int8_testing;

// 1-D and 3-D convolutions against the reference INT8 kernel alone (the naive loop above is 2-D).
void check_against_reference(const Dims& x_dims, const Dims& w_dims, ConvAttrs attrs, bool residual,
                             uint32_t seed) {
  SCOPED_TRACE("INT8 Conv x=" + x_dims.to_string() + " w=" + w_dims.to_string() +
               " group=" + std::to_string(attrs.group) + " residual=" + std::to_string(residual) +
               " seed=" + std::to_string(seed));
  Int8Layer t;
  std::vector<Tensor*> inputs{
      t.int8_input(x_dims, 1.7f, seed + 1),
      t.constant(w_dims, random_floats(w_dims.volume(), seed + 2, -1.0f, 1.0f)),
      t.constant(Dims{w_dims[0]}, random_floats(w_dims[0], seed + 3, -1.0f, 1.0f))};
  Dims y_dims;
  {
    Int8Layer probe;
    probe.layer(OpType::kConv,
                {probe.int8_input(x_dims, 1.0f, 1u),
                 probe.constant(w_dims, std::vector<float>(static_cast<size_t>(w_dims.volume())))},
                attrs);
    y_dims = probe.out_dims();
  }
  if (residual) inputs.push_back(t.int8_input(y_dims, 2.5f, seed + 4));
  t.layer(OpType::kConv, inputs, attrs);
  t.set_output(DataType::kInt8, 3.0f);
  auto runs = run_cpu_and_reference(t, "onednn.conv");
  ASSERT_TRUE(runs.has_value());
  EXPECT_TRUE(int8_equal(runs->cpu.q, runs->ref.q))
      << runs->cpu.kernel << " vs " << runs->ref.kernel;
}

TEST(CpuInt8Conv, OneAndThreeSpatialAxes) {
  ConvAttrs a1;
  a1.kernel_shape = {5};
  a1.strides = {2};
  a1.pads = {2, 1};
  a1.dilations = {1};
  a1.activation = {ActivationKind::kRelu, 0.0f, 0.0f};
  check_against_reference(Dims{2, 16, 30}, Dims{24, 16, 5}, a1, false, 60);
  check_against_reference(Dims{1, 16, 30}, Dims{16, 16, 5}, a1, true, 61);
  ConvAttrs a3;
  a3.kernel_shape = {3, 3, 3};
  a3.strides = {1, 2, 2};
  a3.pads = {1, 1, 1, 1, 1, 1};
  a3.dilations = {1, 1, 1};
  check_against_reference(Dims{1, 8, 6, 8, 8}, Dims{16, 8, 3, 3, 3}, a3, false, 62);
  a3.group = 2;
  check_against_reference(Dims{2, 8, 5, 6, 6}, Dims{8, 4, 3, 3, 3}, a3, false, 63);
}

}  // namespace
}  // namespace int8rt
