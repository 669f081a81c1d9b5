// Reference BatchNormalization against hand-computed values and a per-element oracle.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/reference_compute_test_util.h"

namespace int8rt {
namespace {

using namespace compute_testing;

TEST(ReferenceBatchNorm, HandComputed) {
  // Channel 0: mean 1, var 4 - eps, scale 2, bias 0.5: y = (x - 1) / 2 * 2 + 0.5 = x - 0.5.
  // Channel 1: mean -1, var 0.25 - eps, scale 1, bias 0: y = (x + 1) * 2.
  const float eps = 1e-3f;
  RefLayer t;
  BatchNormAttrs attrs;
  attrs.epsilon = eps;
  t.layer(OpType::kBatchNormalization,
          {t.input({1, 2, 2}, std::vector<float>{3, 5, 0, 1}), t.floats({2, 1}),
           t.floats({0.5f, 0}), t.floats({1, -1}), t.floats({4 - eps, 0.25f - eps})},
          attrs);
  expect_close(t.run_floats(), std::vector<float>{2.5f, 4.5f, 2, 4}, 1e-6, "hand");
}

TEST(ReferenceBatchNorm, MatchesFormula) {
  for (const Dims& x_dims : {Dims{2, 3}, Dims{2, 3, 5}, Dims{1, 4, 3, 3}, Dims{2, 2, 2, 3, 2}}) {
    const uint32_t seed = static_cast<uint32_t>(x_dims.volume());
    const int64_t c = x_dims[1];
    const auto x = random_floats(x_dims.volume(), seed, -3, 3);
    const auto scale = random_floats(c, seed + 1, 0.5f, 2);
    const auto bias = random_floats(c, seed + 2);
    const auto mean = random_floats(c, seed + 3);
    const auto var = random_floats(c, seed + 4, 0.1f, 3);
    RefLayer t;
    t.layer(OpType::kBatchNormalization,
            {t.input(x_dims, x), t.floats(scale), t.floats(bias), t.floats(mean), t.floats(var)},
            BatchNormAttrs{});
    const std::vector<float> actual = t.run_floats();
    const int64_t inner = x_dims.volume() / (x_dims[0] * c);
    std::vector<double> expected;
    for (int64_t i = 0; i < x_dims.volume(); ++i) {
      const auto ch = static_cast<size_t>((i / inner) % c);
      const double normalized = (x[static_cast<size_t>(i)] - mean[ch]) / std::sqrt(var[ch] + 1e-5);
      expected.push_back(scale[ch] * normalized + bias[ch]);
    }
    expect_close(actual, expected, kFloatTolerance,
                 "x " + x_dims.to_string() + " seed " + std::to_string(seed));
  }
}

TEST(ReferenceBatchNorm, BuilderEndToEnd) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{1, 2, 2}).value();
  auto param = [&](const char* name, std::vector<float> v) {
    return net.add_constant(name, Weights::from_vector(DataType::kFloat, Dims{2}, v)).value();
  };
  BatchNormAttrs attrs;
  attrs.epsilon = 0.0f;
  // Channel 0: (x - 1) / 2 * 3 + 1; channel 1: (x + 2) / 1 * -1 + 0.
  Layer* bn = net.add_layer(OpType::kBatchNormalization, "bn",
                            {x, param("s", {3, -1}), param("b", {1, 0}), param("m", {1, -2}),
                             param("v", {4, 1})},
                            attrs, {"y"})
                  .value();
  ASSERT_TRUE(net.mark_output(bn->output(0)).is_ok());
  expect_close(build_and_run(net, {{3, 5, 0, 1}}), std::vector<float>{4, 7, -2, -3}, 1e-6,
               "batchnorm");
}

}  // namespace
}  // namespace int8rt
