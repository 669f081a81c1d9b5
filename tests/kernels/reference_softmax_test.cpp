// Reference Softmax and LogSoftmax against values computed from the definition.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/reference_compute_test_util.h"

namespace int8rt {
namespace {

using namespace compute_testing;

std::vector<float> run(OpType type, const Dims& dims, const std::vector<float>& x, int64_t axis,
                       bool coerce = false) {
  RefLayer t;
  SoftmaxAttrs attrs;
  attrs.axis = axis;
  attrs.coerce_to_2d = coerce;
  t.layer(type, {t.input(dims, x)}, attrs);
  return t.run_floats();
}

TEST(ReferenceSoftmax, HandComputed) {
  // softmax([1, 2, 3]) = e^i / (e + e^2 + e^3)
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  expect_close(run(OpType::kSoftmax, {1, 3}, {1, 2, 3}, -1),
               std::vector<double>{std::exp(1.0) / z, std::exp(2.0) / z, std::exp(3.0) / z},
               kFloatTolerance, "softmax [1,2,3]");
  expect_close(run(OpType::kLogSoftmax, {1, 3}, {1, 2, 3}, 1),
               std::vector<double>{1 - std::log(z), 2 - std::log(z), 3 - std::log(z)},
               kFloatTolerance, "logsoftmax [1,2,3]");
  // Large inputs must not overflow: softmax is shift invariant.
  expect_close(run(OpType::kSoftmax, {2}, {10000, 10001}, 0),
               std::vector<double>{1 / (1 + std::exp(1.0)), 1 / (1 + std::exp(-1.0))},
               kFloatTolerance, "large");
}

// The reductions run over index sets chosen by the test: along one axis, or (coerce_to_2d) over
// every axis from `axis` on.
TEST(ReferenceSoftmax, MatchesDefinitionPerAxis) {
  const Dims dims{2, 3, 4};
  const auto x = random_floats(24, 5, -4, 4);
  for (OpType type : {OpType::kSoftmax, OpType::kLogSoftmax}) {
    for (int64_t axis = -3; axis < 3; ++axis) {
      for (bool coerce : {false, true}) {
        const int a = static_cast<int>(axis < 0 ? axis + 3 : axis);
        // Two elements share a normalization group when they agree on every axis that is not
        // normalized over.
        auto same_group = [&](int64_t i, int64_t j) {
          const int64_t ii[3] = {i / 12, (i / 4) % 3, i % 4};
          const int64_t jj[3] = {j / 12, (j / 4) % 3, j % 4};
          for (int d = 0; d < 3; ++d) {
            const bool normalized = d == a || (coerce && d > a);
            if (!normalized && ii[d] != jj[d]) return false;
          }
          return true;
        };
        std::vector<double> expected;
        for (int64_t i = 0; i < 24; ++i) {
          double sum = 0.0;
          for (int64_t j = 0; j < 24; ++j)
            if (same_group(i, j)) sum += std::exp(static_cast<double>(x[static_cast<size_t>(j)]));
          const double xi = x[static_cast<size_t>(i)];
          expected.push_back(type == OpType::kSoftmax ? std::exp(xi) / sum : xi - std::log(sum));
        }
        expect_close(run(type, dims, x, axis, coerce), expected, kFloatTolerance,
                     std::string(to_string(type)) + " 2x3x4 axis " + std::to_string(axis) +
                         (coerce ? " coerce_to_2d" : "") + " seed 5");
      }
    }
  }
}

TEST(ReferenceSoftmax, BuilderEndToEnd) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2, 2}).value();
  SoftmaxAttrs attrs;
  attrs.axis = 0;
  Layer* sm = net.add_layer(OpType::kLogSoftmax, "lsm", {x}, attrs, {"y"}).value();
  ASSERT_TRUE(net.mark_output(sm->output(0)).is_ok());
  // Columns [0, ln 3] and [5, 5]: log(1/4), log(3/4), log(1/2), log(1/2).
  expect_close(build_and_run(net, {{0, 5, static_cast<float>(std::log(3.0)), 5}}),
               std::vector<double>{std::log(0.25), std::log(0.5), std::log(0.75), std::log(0.5)},
               kFloatTolerance, "logsoftmax axis 0");
}

}  // namespace
}  // namespace int8rt
