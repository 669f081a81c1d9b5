// oneDNN Gemm / MatMul kernels vs the reference kernels on random data.
#include <gtest/gtest.h>

#include "cpu_test_util.h"

namespace int8rt {
namespace {

using testing::add_random_constant;
using testing::expect_cpu_matches_reference;
using testing::fp32_tolerance;

struct GemmCase {
  int64_t m = 4, k = 64, n = 10;
  bool trans_b = true;
  float alpha = 1.0f, beta = 1.0f;
  std::vector<int64_t> c_dims = {10};  // empty: no C
  FusedActivation activation;
  std::string to_string() const {
    std::ostringstream out;
    out << "Gemm m=" << m << " k=" << k << " n=" << n << " trans_b=" << trans_b
        << " alpha=" << alpha << " beta=" << beta << " C=" << Dims(c_dims).to_string()
        << " act=" << int8rt::to_string(activation.kind);
    return out.str();
  }
};

void check_gemm(const GemmCase& c, uint32_t seed) {
  Network net;
  Tensor* a = net.add_input("a", DataType::kFloat, Dims{c.m, c.k}).value();
  Tensor* b = add_random_constant(net, "b", c.trans_b ? Dims{c.n, c.k} : Dims{c.k, c.n}, seed + 1);
  std::vector<Tensor*> inputs{a, b};
  if (!c.c_dims.empty()) inputs.push_back(add_random_constant(net, "c", Dims(c.c_dims), seed + 2));
  GemmAttrs attrs;
  attrs.alpha = c.alpha;
  attrs.beta = c.beta;
  attrs.trans_b = c.trans_b;
  attrs.activation = c.activation;
  Layer* gemm = net.add_layer(OpType::kGemm, "gemm", inputs, attrs, {"y"}).value();
  ASSERT_TRUE(net.mark_output(gemm->output(0)).is_ok());
  const float scale = std::max(1.0f, std::fabs(c.alpha)) + std::fabs(c.beta);
  expect_cpu_matches_reference(net, fp32_tolerance(c.k + 1) * scale, seed, c.to_string(), {"gemm"});
}

TEST(CpuGemm, FullyConnected) {
  check_gemm(GemmCase{}, 1);
  GemmCase c;
  c.m = 1;
  c.k = 512;
  c.n = 1000;
  c.c_dims = {1000};
  check_gemm(c, 2);
  c.m = 8;
  check_gemm(c, 3);
}

TEST(CpuGemm, TransposesScalesAndBiasShapes) {
  GemmCase c;
  c.trans_b = false;
  check_gemm(c, 10);
  c.alpha = 0.5f;
  c.beta = 2.0f;
  check_gemm(c, 11);
  c.c_dims = {1, 10};
  check_gemm(c, 12);
  c.c_dims = {1};
  check_gemm(c, 13);
  c.c_dims = {};
  check_gemm(c, 14);
  c.c_dims = {10};
  c.beta = 0.0f;
  check_gemm(c, 15);
}

TEST(CpuGemm, FusedActivations) {
  uint32_t seed = 20;
  for (FusedActivation activation :
       {FusedActivation{ActivationKind::kRelu}, FusedActivation{ActivationKind::kClip, -0.2f, 0.3f},
        FusedActivation{ActivationKind::kSigmoid}, FusedActivation{ActivationKind::kHardSwish},
        FusedActivation{ActivationKind::kLeakyRelu, 0.2f}}) {
    GemmCase c;
    c.activation = activation;
    check_gemm(c, seed++);
  }
}

void check_matmul(const Dims& a_dims, int64_t n, uint32_t seed) {
  Network net;
  const int64_t k = a_dims[a_dims.rank() - 1];
  Tensor* a = net.add_input("a", DataType::kFloat, a_dims).value();
  Tensor* b = add_random_constant(net, "b", Dims{k, n}, seed + 1);
  Layer* mm = net.add_layer(OpType::kMatMul, "matmul", {a, b}, NoAttrs{}, {"y"}).value();
  ASSERT_TRUE(net.mark_output(mm->output(0)).is_ok());
  expect_cpu_matches_reference(net, fp32_tolerance(k), seed,
                               "MatMul A=" + a_dims.to_string() + " n=" + std::to_string(n),
                               {"matmul"});
}

TEST(CpuMatMul, ConstantRightHandSide) {
  check_matmul(Dims{3, 17}, 9, 30);
  check_matmul(Dims{2, 5, 32}, 16, 31);
  check_matmul(Dims{2, 3, 4, 8}, 7, 32);
}

}  // namespace
}  // namespace int8rt
