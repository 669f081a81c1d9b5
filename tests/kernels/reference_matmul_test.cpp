// Reference Gemm and MatMul against hand-computed products and naive oracles that transpose and
// broadcast explicitly before multiplying.
#include <gtest/gtest.h>

#include "kernels/reference_compute_test_util.h"

namespace int8rt {
namespace {

using namespace compute_testing;
using V = std::vector<int64_t>;

TEST(ReferenceGemm, HandComputed) {
  RefLayer t;
  t.layer(OpType::kGemm,
          {t.input({2, 2}, std::vector<float>{1, 2, 3, 4}),
           t.constant({2, 2}, std::vector<float>{5, 6, 7, 8})},
          GemmAttrs{});
  expect_close(t.run_floats(), std::vector<float>{19, 22, 43, 50}, 0, "plain");

  // alpha 2, beta 0.5, C a row [1, 2] broadcast over the rows, then a fused ReLU after a shift.
  RefLayer s;
  GemmAttrs attrs;
  attrs.alpha = 2.0f;
  attrs.beta = 0.5f;
  attrs.trans_b = true;  // B^T = [[5, 7], [6, 8]]
  attrs.activation = {ActivationKind::kLeakyRelu, 0.5f, 0.0f};
  s.layer(OpType::kGemm,
          {s.input({2, 2}, std::vector<float>{1, -2, 3, 4}),
           s.constant({2, 2}, std::vector<float>{5, 6, 7, 8}),
           s.constant({2}, std::vector<float>{1, 2})},
          attrs);
  // A B^T = [[1*5-2*6, 1*7-2*8], [3*5+4*6, 3*7+4*8]] = [[-7, -9], [39, 53]]
  // 2 * that + 0.5 * [1, 2] = [[-13.5, -17], [78.5, 107]]; leaky 0.5 on the negatives.
  expect_close(s.run_floats(), std::vector<float>{-6.75f, -8.5f, 78.5f, 107}, 0, "alpha/beta");

  RefLayer i;
  GemmAttrs ints;
  ints.beta = 3.0f;
  i.layer(OpType::kGemm,
          {i.input<int32_t>({1, 3}, {1, 2, 3}, DataType::kInt32),
           i.constant<int32_t>({3, 2}, {1, -1, 10, -10, 100, -100}, DataType::kInt32),
           i.constant<int32_t>({1, 1}, {7}, DataType::kInt32)},
          ints);
  std::vector<Weights> out = i.run();
  ASSERT_EQ(out.size(), 1u);
  const int32_t* y = out[0].data_as<int32_t>();
  EXPECT_EQ(y[0], 321 + 21);
  EXPECT_EQ(y[1], -321 + 21);
}

struct GemmConfig {
  int64_t m, k, n;
  bool trans_a, trans_b;
  bool has_c;
  V c;
  float alpha, beta;
  FusedActivation act;
};

TEST(ReferenceGemm, MatchesNaiveProduct) {
  const GemmConfig configs[] = {
      {3, 4, 5, false, false, false, {}, 1.0f, 1.0f, {}},
      {4, 7, 3, true, false, true, {3}, 0.5f, 2.0f, {}},
      {2, 5, 6, false, true, true, {2, 1}, 1.0f, -1.0f, {}},
      {5, 3, 2, true, true, true, {5, 2}, -1.5f, 0.25f, {ActivationKind::kRelu, 0, 0}},
      {1, 16, 8, false, true, true, {1, 8}, 1.0f, 1.0f, {ActivationKind::kSigmoid, 0, 0}},
      {3, 3, 3, false, false, true, {}, 1.0f, 1.0f, {ActivationKind::kHardSwish, 0, 0}},
      {3, 3, 3, false, false, true, {1}, 1.0f, 1.0f, {ActivationKind::kClip, -0.2f, 0.3f}},
  };
  uint32_t seed = 10;
  for (const GemmConfig& c : configs) {
    ++seed;
    const std::string config = "m " + std::to_string(c.m) + " k " + std::to_string(c.k) + " n " +
                               std::to_string(c.n) + (c.trans_a ? " transA" : "") +
                               (c.trans_b ? " transB" : "") + (c.has_c ? " C " + join(c.c) : "") +
                               " alpha " + std::to_string(c.alpha) + " beta " +
                               std::to_string(c.beta) + " act " +
                               std::string(to_string(c.act.kind)) + " seed " + std::to_string(seed);
    const auto a = random_floats(c.m * c.k, seed);
    const auto b = random_floats(c.k * c.n, seed + 1);
    const Dims c_dims(c.c);
    const auto bias = random_floats(c_dims.volume(), seed + 2);
    RefLayer t;
    GemmAttrs attrs;
    attrs.trans_a = c.trans_a;
    attrs.trans_b = c.trans_b;
    attrs.alpha = c.alpha;
    attrs.beta = c.beta;
    attrs.activation = c.act;
    std::vector<Tensor*> inputs = {t.input(c.trans_a ? Dims{c.k, c.m} : Dims{c.m, c.k}, a),
                                   t.constant(c.trans_b ? Dims{c.n, c.k} : Dims{c.k, c.n}, b)};
    if (c.has_c) inputs.push_back(t.constant(c_dims, bias));
    t.layer(OpType::kGemm, inputs, attrs);
    const std::vector<float> actual = t.run_floats();

    // Explicit row-major A' (m x k), B' (k x n) and C' (m x n).
    std::vector<double> ap(static_cast<size_t>(c.m * c.k)), bp(static_cast<size_t>(c.k * c.n));
    for (int64_t i = 0; i < c.m; ++i)
      for (int64_t p = 0; p < c.k; ++p)
        ap[static_cast<size_t>(i * c.k + p)] =
            a[static_cast<size_t>(c.trans_a ? p * c.m + i : i * c.k + p)];
    for (int64_t p = 0; p < c.k; ++p)
      for (int64_t j = 0; j < c.n; ++j)
        bp[static_cast<size_t>(p * c.n + j)] =
            b[static_cast<size_t>(c.trans_b ? j * c.k + p : p * c.n + j)];
    std::vector<double> expected(static_cast<size_t>(c.m * c.n));
    for (int64_t i = 0; i < c.m; ++i) {
      for (int64_t j = 0; j < c.n; ++j) {
        double sum = 0.0;
        for (int64_t p = 0; p < c.k; ++p)
          sum += ap[static_cast<size_t>(i * c.k + p)] * bp[static_cast<size_t>(p * c.n + j)];
        double v = c.alpha * sum;
        if (c.has_c) {
          // Right-align C's shape with (m, n); extent-1 axes repeat.
          const int64_t ci = c.c.size() == 2 && c.c[0] != 1 ? i : 0;
          const int64_t cj = !c.c.empty() && c.c.back() != 1 ? j : 0;
          const int64_t cols = c.c.empty() ? 1 : c.c.back();
          v += c.beta * bias[static_cast<size_t>(ci * cols + cj)];
        }
        switch (c.act.kind) {
          case ActivationKind::kRelu:
            v = v < 0 ? 0 : v;
            break;
          case ActivationKind::kSigmoid:
            v = 1.0 / (1.0 + std::exp(-v));
            break;
          case ActivationKind::kHardSwish:
            v = v <= -3 ? 0 : (v >= 3 ? v : v * (v + 3) / 6);
            break;
          case ActivationKind::kClip:
            v = std::min<double>(std::max<double>(v, c.act.alpha), c.act.beta);
            break;
          default:
            break;
        }
        expected[static_cast<size_t>(i * c.n + j)] = v;
      }
    }
    expect_close(actual, expected, kFloatTolerance, config);
  }
}

TEST(ReferenceMatMul, HandComputed) {
  RefLayer dot;
  dot.layer(
      OpType::kMatMul,
      {dot.input({3}, std::vector<float>{1, 2, 3}), dot.input({3}, std::vector<float>{4, 5, 6})},
      NoAttrs{});
  expect_close(dot.run_floats(), std::vector<float>{32}, 0, "dot");
  EXPECT_EQ(dot.out_dims().to_string(), "()");

  // [1, 2] x [[1, 2, 3], [4, 5, 6]] = [9, 12, 15]
  RefLayer row;
  row.layer(OpType::kMatMul,
            {row.input({2}, std::vector<float>{1, 2}),
             row.constant({2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6})},
            NoAttrs{});
  expect_close(row.run_floats(), std::vector<float>{9, 12, 15}, 0, "vector x matrix");

  RefLayer ints;
  ints.layer(OpType::kMatMul,
             {ints.input<int64_t>({2, 2}, {1, 2, 3, 4}, DataType::kInt64),
              ints.input<int64_t>({2}, {1000000000000, 1}, DataType::kInt64)},
             NoAttrs{});
  std::vector<Weights> out = ints.run();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data_as<int64_t>()[0], 1000000000002);
  EXPECT_EQ(out[0].data_as<int64_t>()[1], 3000000000004);
}

TEST(ReferenceMatMul, MatchesBroadcastOracle) {
  struct Case {
    V a, b;
  };
  const Case cases[] = {
      {{3, 4}, {4, 5}}, {{2, 1, 3, 4}, {5, 4, 6}}, {{7, 3, 4}, {4, 2}},          {{4}, {2, 4, 3}},
      {{2, 3, 4}, {4}}, {{1, 3, 4}, {6, 4, 2}},    {{3, 1, 2, 5}, {1, 4, 5, 3}},
  };
  uint32_t seed = 30;
  for (const Case& c : cases) {
    ++seed;
    const std::string config =
        "A " + join(c.a) + " B " + join(c.b) + " seed " + std::to_string(seed);
    const auto a = random_floats(Dims(c.a).volume(), seed);
    const auto b = random_floats(Dims(c.b).volume(), seed + 1);
    RefLayer t;
    t.layer(OpType::kMatMul, {t.input(Dims(c.a), a), t.input(Dims(c.b), b)}, NoAttrs{});
    const std::vector<float> actual = t.run_floats();

    // Promote to matrices with batch axes, padded to a common batch rank.
    V a3 = c.a, b3 = c.b;
    if (a3.size() == 1) a3.insert(a3.begin(), 1);
    if (b3.size() == 1) b3.push_back(1);
    const size_t batch_rank = std::max(a3.size(), b3.size()) - 2;
    while (a3.size() < batch_rank + 2)
      a3.insert(a3.begin(), 1);
    while (b3.size() < batch_rank + 2)
      b3.insert(b3.begin(), 1);
    const int64_t m = a3[batch_rank], k = a3[batch_rank + 1], n = b3[batch_rank + 1];
    V batch(batch_rank);
    for (size_t i = 0; i < batch_rank; ++i)
      batch[i] = std::max(a3[i], b3[i]);
    std::vector<double> expected;
    V index(batch_rank, 0);
    const int64_t batches = Dims(batch).volume();
    for (int64_t e = 0; e < batches; ++e) {
      int64_t rest = e, a_off = 0, b_off = 0, a_mul = 1, b_mul = 1;
      for (size_t i = batch_rank; i-- > 0;) {
        const int64_t idx = rest % batch[i];
        rest /= batch[i];
        a_off += (a3[i] == 1 ? 0 : idx) * a_mul;
        b_off += (b3[i] == 1 ? 0 : idx) * b_mul;
        a_mul *= a3[i];
        b_mul *= b3[i];
      }
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
          double sum = 0.0;
          for (int64_t p = 0; p < k; ++p) {
            sum += static_cast<double>(a[static_cast<size_t>(a_off * m * k + i * k + p)]) *
                   b[static_cast<size_t>(b_off * k * n + p * n + j)];
          }
          expected.push_back(sum);
        }
      }
    }
    expect_close(actual, expected, kFloatTolerance, config);
  }
}

// MatMul + Add (which the builder may turn into a Gemm) then a Gemm with transB, through the
// Builder.
TEST(ReferenceMatMul, BuilderEndToEnd) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2, 3}).value();
  Tensor* w = net.add_constant("w", Weights::from_vector(DataType::kFloat, Dims{3, 2},
                                                         std::vector<float>{1, 0, 0, 1, 1, 1}))
                  .value();
  Tensor* b = net.add_constant("b", Weights::from_vector(DataType::kFloat, Dims{2},
                                                         std::vector<float>{10, 20}))
                  .value();
  Layer* mm = net.add_layer(OpType::kMatMul, "mm", {x, w}, NoAttrs{}, {"m"}).value();
  Layer* add = net.add_layer(OpType::kAdd, "add", {mm->output(0), b}, NoAttrs{}, {"a"}).value();
  Tensor* w2 = net.add_constant("w2", Weights::from_vector(DataType::kFloat, Dims{1, 2},
                                                           std::vector<float>{1, -1}))
                   .value();
  GemmAttrs attrs;
  attrs.trans_b = true;
  attrs.alpha = 2.0f;
  Layer* gemm = net.add_layer(OpType::kGemm, "gemm", {add->output(0), w2}, attrs, {"y"}).value();
  ASSERT_TRUE(net.mark_output(gemm->output(0)).is_ok());
  // x = [[1, 2, 3], [4, 5, 6]]: x w = [[4, 5], [10, 11]]; + b = [[14, 25], [20, 31]];
  // 2 * (col0 - col1) = [-22, -22].
  std::string dims;
  const std::vector<float> y = build_and_run(net, {{1, 2, 3, 4, 5, 6}}, &dims);
  EXPECT_EQ(dims, "2x1");
  expect_close(y, std::vector<float>{-22, -22}, 0, "matmul-add-gemm");
}

}  // namespace
}  // namespace int8rt
