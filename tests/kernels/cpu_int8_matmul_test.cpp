// oneDNN INT8 Gemm / MatMul vs the contract written out as a naive loop and vs the reference INT8
// kernel, on random INT8 data and random scales: INT8 outputs equal (tolerance 0), float32
// outputs within one float rounding.
#include <gtest/gtest.h>

#include "cpu_int8_test_util.h"

namespace int8rt {
namespace {

using namespace int8_testing;

constexpr float kFloatOutputTolerance = 2.4e-7f;  // one float32 rounding of |y|

struct Int8GemmCase {
  OpType op = OpType::kGemm;
  std::vector<int64_t> a_dims = {4, 64};  // MatMul: [..., M, K]
  int64_t n = 48;
  bool trans_b = false;
  float alpha = 1.0f, beta = 1.0f;
  int64_t c_count = 48;  // 0: no C
  FusedActivation activation;
  bool int8_output = true;

  std::string to_string() const {
    std::ostringstream out;
    out << "INT8 " << int8rt::to_string(op) << " A=" << Dims(a_dims).to_string() << " n=" << n
        << " trans_b=" << trans_b << " alpha=" << alpha << " beta=" << beta << " C=" << c_count
        << " act=" << int8rt::to_string(activation.kind) << "(" << activation.alpha << ","
        << activation.beta << ") output=" << (int8_output ? "int8" : "float32");
    return out.str();
  }
};

void check_int8_gemm(const Int8GemmCase& c, uint32_t seed) {
  SCOPED_TRACE(c.to_string() + " seed=" + std::to_string(seed));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> amax_dist(0.25f, 4.0f);
  const float a_amax = amax_dist(rng);
  const int64_t k = c.a_dims.back();
  const int64_t m = Dims(c.a_dims).volume() / k;
  const Dims b_dims = c.trans_b ? Dims{c.n, k} : Dims{k, c.n};

  Int8Layer t;
  const std::vector<int8_t> aq = random_int8(m * k, seed + 1);
  const std::vector<float> bf = random_floats(b_dims.volume(), seed + 2, -1.0f, 1.0f);
  const std::vector<float> cf = random_floats(std::max<int64_t>(c.c_count, 1), seed + 3, -2, 2);
  std::vector<Tensor*> inputs{t.int8_input(Dims(c.a_dims), a_amax, aq), t.constant(b_dims, bf)};
  Attrs attrs = NoAttrs{};
  if (c.op == OpType::kGemm) {
    if (c.c_count > 0) inputs.push_back(t.constant(Dims{c.c_count}, cf));
    GemmAttrs g;
    g.trans_b = c.trans_b;
    g.alpha = c.alpha;
    g.beta = c.beta;
    g.activation = c.activation;
    attrs = g;
  }
  t.layer(c.op, inputs, attrs);

  // Effective weights by column: alpha · B'[p][j], quantized per column j.
  std::vector<float> wcol(static_cast<size_t>(c.n * k));
  for (int64_t j = 0; j < c.n; ++j)
    for (int64_t p = 0; p < k; ++p) {
      const float v = bf[static_cast<size_t>(c.trans_b ? j * k + p : p * c.n + j)];
      wcol[static_cast<size_t>(j * k + p)] = c.alpha == 1.0f ? v : c.alpha * v;
    }
  const QuantizedWeights qw = quantize_weights(wcol, Dims{c.n, k}, 0);
  const float s_in = a_amax / 127.0f;
  std::vector<int32_t> acc(static_cast<size_t>(m * c.n));
  float y_amax = 0.0f;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < c.n; ++j) {
      int32_t sum = 0;
      for (int64_t p = 0; p < k; ++p)
        sum += int32_t{aq[static_cast<size_t>(i * k + p)]} * qw.q[static_cast<size_t>(j * k + p)];
      acc[static_cast<size_t>(i * c.n + j)] = sum;
      y_amax = std::max(y_amax, std::fabs(sum * s_in * qw.scale[static_cast<size_t>(j)]));
    }
  y_amax *= 0.5f;
  t.set_output(c.int8_output ? DataType::kInt8 : DataType::kFloat, y_amax);
  const float s_out = y_amax / 127.0f;
  Expected expected;
  for (size_t e = 0; e < acc.size(); ++e) {
    const auto j = static_cast<size_t>(static_cast<int64_t>(e) % c.n);
    const float real = s_in * qw.scale[j];
    float v = static_cast<float>(acc[e]);
    if (c.op == OpType::kGemm && c.c_count > 0) {
      const float cj = cf[c.c_count == 1 ? 0 : j];
      v = v + (c.beta == 1.0f ? cj : c.beta * cj) / real;
    }
    v = (c.int8_output ? real / s_out : real) * v;
    add_expected(expected, v, c.activation, c.int8_output, s_out);
  }
  expect_matches_naive_and_reference(t, "onednn.matmul", expected, c.int8_output,
                                     kFloatOutputTolerance);
}

TEST(CpuInt8Matmul, GemmBiasAndTransB) {
  Int8GemmCase c;
  check_int8_gemm(c, 1);
  c.trans_b = true;
  check_int8_gemm(c, 2);
  c.c_count = 1;
  check_int8_gemm(c, 3);
  c.c_count = 0;
  check_int8_gemm(c, 4);
  c.c_count = 48;
  c.alpha = 0.5f;
  c.beta = 2.0f;
  check_int8_gemm(c, 5);
}

TEST(CpuInt8Matmul, GemmLongReductionsAndBatch) {
  Int8GemmCase c;
  c.a_dims = {1, 2048};  // a classifier over pooled features
  c.n = 10;
  c.c_count = 10;
  check_int8_gemm(c, 10);
  c.a_dims = {33, 512};
  c.n = 100;
  c.c_count = 100;
  c.trans_b = true;
  check_int8_gemm(c, 11);
}

TEST(CpuInt8Matmul, GemmActivationsAndFloatOutput) {
  Int8GemmCase c;
  c.activation = {ActivationKind::kRelu, 0.0f, 0.0f};
  check_int8_gemm(c, 20);
  c.activation = {ActivationKind::kClip, -1.0f, 1.5f};
  check_int8_gemm(c, 21);
  c.activation = {ActivationKind::kLeakyRelu, 0.2f, 0.0f};
  check_int8_gemm(c, 22);
  c.int8_output = false;
  check_int8_gemm(c, 23);
  c.activation = {};
  c.a_dims = {8, 1000};
  c.trans_b = true;
  check_int8_gemm(c, 24);
}

TEST(CpuInt8Matmul, MatMulLeadingAxes) {
  Int8GemmCase c;
  c.op = OpType::kMatMul;
  c.a_dims = {2, 5, 96};
  c.n = 40;
  check_int8_gemm(c, 30);
  c.int8_output = false;
  check_int8_gemm(c, 31);
}

}  // namespace
}  // namespace int8rt
