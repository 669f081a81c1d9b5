// Reference INT8 Gemm and MatMul: hand-worked ties and saturation, then random configurations
// (trans_a, trans_b, alpha, beta, bias shapes, activations, int8 and float outputs, batched MatMul)
// against an oracle looping over the untransposed matrices, and against the float product within
// the quantization error bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "backends/reference/reference.h"
#include "kernels/reference_int8_test_util.h"

namespace int8rt {
namespace {

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

TEST(ReferenceInt8Gemm, HandWorkedTiesAndSaturation) {
  // Scales 1: column 0 of B = [1, 0, 127] (s_w 1), column 1 zeros (s_w 1, q 0); C = [0.5, -2.5].
  // Row [2, 5, 0]: 2 + 0.5 -> 2, -2.5 -> -2; row [-3, 0, 0]: -2.5 -> -2; row [0, 0, 127]:
  // 16129.5 -> 127; row [0, 0, -127]: -16128.5 -> -127.
  RefLayer t;
  Layer* gemm = t.layer(OpType::kGemm,
                        {int8_input(t, {4, 3}, {2, 5, 0, -3, 0, 0, 0, 0, 127, 0, 0, -127}, 127.0f),
                         t.constant({3, 2}, std::vector<float>{1, 0, 0, 0, 127, 0}),
                         t.constant({2}, std::vector<float>{0.5f, -2.5f})},
                        GemmAttrs{});
  set_int8_output(gemm, 127.0f);
  expect_exact(run_as_floats(t), {2, -2, -2, -2, 127, -2, -127, -2}, "gemm ties");
}

struct GemmConfig {
  int64_t m, k, n;
  bool trans_a = false, trans_b = false;
  float alpha = 1.0f, beta = 1.0f;
  int c_rank = -1;  // -1: no C; 0: one value; 1: [N]; 2: [1, N]
  FusedActivation act;
  bool int8_out = true;
  std::string describe(uint32_t seed) const {
    return "m " + std::to_string(m) + " k " + std::to_string(k) + " n " + std::to_string(n) +
           (trans_a ? " transA" : "") + (trans_b ? " transB" : "") + " alpha " +
           std::to_string(alpha) + " beta " + std::to_string(beta) + " C rank " +
           std::to_string(c_rank) + " act " + std::string(to_string(act.kind)) +
           (int8_out ? " int8 out" : " float out") + " seed " + std::to_string(seed);
  }
};

void check_gemm(const GemmConfig& cfg, uint32_t seed) {
  const std::string where = cfg.describe(seed);
  SCOPED_TRACE(where);
  const float amax_in = 2.0f;
  const float s_in = amax_in / 127.0f;
  const std::vector<int8_t> a = random_int8(cfg.m * cfg.k, seed);  // stored as given (maybe A^T)
  std::vector<float> b = random_floats(cfg.k * cfg.n, seed + 1, -0.4f, 0.6f);
  // Output column 0 has only zero weights.
  for (int64_t p = 0; p < cfg.k; ++p)
    b[static_cast<size_t>(cfg.trans_b ? p : p * cfg.n)] = 0.0f;
  const int64_t c_count = cfg.c_rank <= 0 ? 1 : cfg.n;
  const std::vector<float> c = random_floats(c_count, seed + 2, -1.0f, 1.0f);
  auto a_at = [&](int64_t i, int64_t p) {
    return static_cast<int>(a[static_cast<size_t>(cfg.trans_a ? p * cfg.m + i : i * cfg.k + p)]);
  };
  // Effective weights [N][K] = alpha * B'^T, quantized per column by the oracle.
  std::vector<float> w(static_cast<size_t>(cfg.n * cfg.k));
  for (int64_t j = 0; j < cfg.n; ++j) {
    for (int64_t p = 0; p < cfg.k; ++p) {
      const float v = b[static_cast<size_t>(cfg.trans_b ? j * cfg.k + p : p * cfg.n + j)];
      w[static_cast<size_t>(j * cfg.k + p)] = cfg.alpha == 1.0f ? v : cfg.alpha * v;
    }
  }
  const auto ow = oracle_weights(w, cfg.n, cfg.k);
  std::vector<int64_t> acc(static_cast<size_t>(cfg.m * cfg.n));
  std::vector<double> real(acc.size()), bound(acc.size());
  std::vector<float> bias(static_cast<size_t>(cfg.n), 0.0f);
  for (int64_t j = 0; j < cfg.n; ++j) {
    if (cfg.c_rank < 0) continue;
    const float cv = c[static_cast<size_t>(c_count == 1 ? 0 : j)];
    bias[static_cast<size_t>(j)] = cfg.beta == 1.0f ? cv : cfg.beta * cv;
  }
  for (int64_t i = 0; i < cfg.m; ++i) {
    for (int64_t j = 0; j < cfg.n; ++j) {
      int64_t sum = 0;
      double fsum = 0.0, err = 0.0;
      for (int64_t p = 0; p < cfg.k; ++p) {
        const auto wi = static_cast<size_t>(j * cfg.k + p);
        sum += static_cast<int64_t>(a_at(i, p)) * ow.q[wi];
        fsum += a_at(i, p) * static_cast<double>(s_in) * w[wi];
        err +=
            std::abs(a_at(i, p)) * static_cast<double>(s_in) * ow.scale[static_cast<size_t>(j)] / 2;
      }
      const auto at = static_cast<size_t>(i * cfg.n + j);
      acc[at] = sum;
      real[at] = fsum + bias[static_cast<size_t>(j)];
      bound[at] = err;
    }
  }
  const float amax_out = saturating_amax(real, cfg.int8_out);

  RefLayer t;
  std::vector<Tensor*> inputs = {
      int8_input(t, cfg.trans_a ? Dims{cfg.k, cfg.m} : Dims{cfg.m, cfg.k}, a, amax_in),
      t.constant(cfg.trans_b ? Dims{cfg.n, cfg.k} : Dims{cfg.k, cfg.n}, b)};
  if (cfg.c_rank == 0) inputs.push_back(t.constant({}, c));
  if (cfg.c_rank == 1) inputs.push_back(t.constant({cfg.n}, c));
  if (cfg.c_rank == 2) inputs.push_back(t.constant({1, cfg.n}, c));
  GemmAttrs attrs;
  attrs.trans_a = cfg.trans_a;
  attrs.trans_b = cfg.trans_b;
  attrs.alpha = cfg.alpha;
  attrs.beta = cfg.beta;
  attrs.activation = cfg.act;
  Layer* gemm = t.layer(OpType::kGemm, inputs, attrs);
  set_int8_output(gemm, amax_out);
  EXPECT_TRUE(reference::supports_int8(*gemm));
  const std::vector<float> got = run_as_floats(t);
  ASSERT_EQ(got.size(), acc.size());

  StageParams p;
  p.s_in = s_in;
  p.s_out = cfg.int8_out ? amax_out / 127.0f : 0.0f;
  p.has_bias = cfg.c_rank >= 0;
  p.act = cfg.act;
  std::vector<float> expected(acc.size());
  for (size_t i = 0; i < acc.size(); ++i) {
    const auto j = static_cast<size_t>(static_cast<int64_t>(i) % cfg.n);
    expected[i] = oracle_stage(p, acc[i], ow.scale[j], bias[j], 0);
  }
  expect_exact(got, expected, where);
  if (cfg.act.kind != ActivationKind::kNone) return;
  expect_near_float_model(got, real, bound, amax_out, where);
}

TEST(ReferenceInt8Gemm, RandomConfigurationsMatchOracle) {
  const FusedActivation relu{ActivationKind::kRelu, 0, 0};
  const FusedActivation clip{ActivationKind::kClip, 0.0f, 1.0f};
  const FusedActivation sigmoid{ActivationKind::kSigmoid, 0, 0};
  const std::vector<GemmConfig> configs = {
      {3, 5, 4},
      {4, 7, 3, true, false, 1.0f, 1.0f, 1},
      {2, 6, 5, false, true, 0.5f, 2.0f, 2},
      {5, 9, 6, true, true, -1.5f, 0.25f, 0, relu},
      {1, 64, 10, false, true, 1.0f, 1.0f, 1, clip},
      {3, 16, 4, false, false, 2.0f, -1.0f, 1, sigmoid},
  };
  uint32_t seed = 2000;
  for (const GemmConfig& base : configs) {
    for (bool int8_out : {true, false}) {
      GemmConfig cfg = base;
      cfg.int8_out = int8_out;
      check_gemm(cfg, seed);
      seed += 10;
    }
  }
}

TEST(ReferenceInt8MatMul, BatchedRowsMatchOracle) {
  for (bool int8_out : {true, false}) {
    const uint32_t seed = int8_out ? 3001 : 3002;
    const int64_t k = 12, n = 5;
    const std::vector<int8_t> a = random_int8(2 * 3 * k, seed);
    const std::vector<float> b = random_floats(k * n, seed + 1, -1.0f, 1.0f);
    const auto w = [&] {
      std::vector<float> cols(static_cast<size_t>(n * k));
      for (int64_t j = 0; j < n; ++j)
        for (int64_t p = 0; p < k; ++p)
          cols[static_cast<size_t>(j * k + p)] = b[static_cast<size_t>(p * n + j)];
      return cols;
    }();
    const auto ow = oracle_weights(w, n, k);
    RefLayer t;
    Layer* mm = t.layer(OpType::kMatMul, {int8_input(t, {2, 3, k}, a, 4.0f), t.constant({k, n}, b)},
                        NoAttrs{});
    set_int8_output(mm, int8_out ? 3.0f : 0.0f);
    EXPECT_TRUE(reference::supports_int8(*mm));
    const std::vector<float> got = run_as_floats(t);
    EXPECT_EQ(t.out_dims(), (Dims{2, 3, n}));
    StageParams p;
    p.s_in = 4.0f / 127.0f;
    p.s_out = int8_out ? 3.0f / 127.0f : 0.0f;
    std::vector<float> expected;
    for (int64_t row = 0; row < 6; ++row) {
      for (int64_t j = 0; j < n; ++j) {
        int64_t sum = 0;
        for (int64_t q = 0; q < k; ++q)
          sum += a[static_cast<size_t>(row * k + q)] * ow.q[static_cast<size_t>(j * k + q)];
        expected.push_back(oracle_stage(p, sum, ow.scale[static_cast<size_t>(j)], 0.0f, 0));
      }
    }
    expect_exact(got, expected, std::string("matmul seed ") + std::to_string(seed));
  }
}

TEST(ReferenceInt8Gemm, UnsupportedConfigurations) {
  // C per row ([M, 1]) is no per-column bias; B computed at run time cannot be quantized once.
  RefLayer t;
  Layer* gemm = t.layer(OpType::kGemm,
                        {int8_input(t, {2, 2}, {1, 2, 3, 4}, 1.0f),
                         t.constant({2, 2}, std::vector<float>{1, 2, 3, 4}),
                         t.constant({2, 1}, std::vector<float>{1, 2})},
                        GemmAttrs{});
  EXPECT_FALSE(reference::supports_int8(*gemm));
  ASSERT_TRUE(ir::infer_layer(*gemm).is_ok());
  auto kernel = reference::create_kernel(*gemm);
  ASSERT_FALSE(kernel.is_ok());
  EXPECT_NE(kernel.status().to_string().find("Gemm \"op\": C"), std::string::npos)
      << kernel.status().to_string();

  RefLayer r;
  Layer* mm = r.layer(
      OpType::kMatMul,
      {int8_input(r, {2, 2}, {1, 2, 3, 4}, 1.0f), r.input({2, 2}, std::vector<float>{1, 2, 3, 4})},
      NoAttrs{});
  EXPECT_FALSE(reference::supports_int8(*mm));
  Status status = ir::infer_layer(*mm);
  EXPECT_NE(status.to_string().find("MatMul \"op\": input 1"), std::string::npos)
      << status.to_string();
}

}  // namespace
}  // namespace int8rt
