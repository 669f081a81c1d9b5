// Reference ReduceMean/Sum/Max/Min/Prod against hand-computed values and an oracle that gathers
// each output's elements by comparing indices.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/reference_compute_test_util.h"

namespace int8rt {
namespace {

using namespace compute_testing;
using V = std::vector<int64_t>;

ReduceAttrs reduce(bool keepdims, bool noop = false) {
  ReduceAttrs a;
  a.keepdims = keepdims;
  a.noop_with_empty_axes = noop;
  return a;
}

TEST(ReferenceReduce, HandComputed) {
  // [[1, 2, 3], [4, 5, 6]]
  const std::vector<float> x = {1, 2, 3, 4, 5, 6};
  struct Case {
    OpType type;
    V axes;
    std::vector<float> expected;
  };
  const Case cases[] = {
      {OpType::kReduceSum, {0}, {5, 7, 9}},  {OpType::kReduceSum, {1}, {6, 15}},
      {OpType::kReduceSum, {}, {21}},        {OpType::kReduceMean, {-1}, {2, 5}},
      {OpType::kReduceMean, {0, 1}, {3.5f}}, {OpType::kReduceMax, {0}, {4, 5, 6}},
      {OpType::kReduceMin, {1}, {1, 4}},     {OpType::kReduceProd, {1}, {6, 120}},
      {OpType::kReduceProd, {}, {720}},
  };
  for (const Case& c : cases) {
    RefLayer t;
    std::vector<Tensor*> inputs = {t.input({2, 3}, x)};
    if (!c.axes.empty()) inputs.push_back(t.ints(c.axes));
    t.layer(c.type, inputs, reduce(false));
    expect_close(t.run_floats(), c.expected, kFloatTolerance,
                 std::string(to_string(c.type)) + " axes " + join(c.axes));
  }
  // noop_with_empty_axes: a copy.
  RefLayer noop;
  noop.layer(OpType::kReduceSum, {noop.input({2, 3}, x), noop.ints({})}, reduce(true, true));
  expect_close(noop.run_floats(), x, 0, "noop");
}

TEST(ReferenceReduce, IntegerData) {
  RefLayer sum;
  sum.layer(OpType::kReduceSum,
            {sum.input<int64_t>({2, 2}, {1LL << 40, 3, 5, -7}, DataType::kInt64), sum.ints({0})},
            reduce(true));
  std::vector<Weights> out = sum.run();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data_as<int64_t>()[0], (1LL << 40) + 5);
  EXPECT_EQ(out[0].data_as<int64_t>()[1], -4);

  RefLayer mean;
  mean.layer(OpType::kReduceMean, {mean.input<int32_t>({3}, {1, 2, 4}, DataType::kInt32)},
             reduce(false));
  std::vector<Weights> mean_out = mean.run();
  ASSERT_EQ(mean_out.size(), 1u);
  EXPECT_EQ(mean_out[0].data_as<int32_t>()[0], 2);  // 7 / 3, truncated

  RefLayer max;
  max.layer(OpType::kReduceMax, {max.input<uint8_t>({4}, {7, 250, 3, 128}, DataType::kUInt8)},
            reduce(false));
  std::vector<Weights> max_out = max.run();
  ASSERT_EQ(max_out.size(), 1u);
  EXPECT_EQ(max_out[0].data_as<uint8_t>()[0], 250);

  RefLayer min;
  min.layer(OpType::kReduceMin, {min.input<int8_t>({3}, {-3, -128, 5}, DataType::kInt8)},
            reduce(false));
  std::vector<Weights> min_out = min.run();
  ASSERT_EQ(min_out.size(), 1u);
  EXPECT_EQ(min_out[0].data_as<int8_t>()[0], -128);
}

TEST(ReferenceReduce, MatchesGatherOracle) {
  const V dims = {2, 3, 4, 5};
  const std::vector<V> axes_cases = {{0}, {1}, {3}, {0, 2}, {1, 3}, {-1, -3}, {0, 1, 2, 3}, {}};
  const OpType types[] = {OpType::kReduceSum, OpType::kReduceMean, OpType::kReduceMax,
                          OpType::kReduceMin, OpType::kReduceProd};
  uint32_t seed = 120;
  for (OpType type : types) {
    for (const V& axes : axes_cases) {
      for (bool keepdims : {true, false}) {
        ++seed;
        const std::string config = std::string(to_string(type)) + " x " + join(dims) + " axes " +
                                   join(axes) + (keepdims ? " keepdims" : "") + " seed " +
                                   std::to_string(seed);
        // Values near 1 keep the products of up to 120 elements well scaled.
        const auto x = random_floats(Dims(dims).volume(), seed, 0.8f, 1.2f);
        RefLayer t;
        std::vector<Tensor*> inputs = {t.input(Dims(dims), x)};
        if (!axes.empty()) inputs.push_back(t.ints(axes));
        t.layer(type, inputs, reduce(keepdims));
        const std::vector<float> actual = t.run_floats();

        std::vector<bool> reduced(dims.size(), axes.empty());
        for (int64_t a : axes)
          reduced[static_cast<size_t>(a < 0 ? a + 4 : a)] = true;
        V out_dims;
        for (size_t i = 0; i < dims.size(); ++i) {
          if (!reduced[i])
            out_dims.push_back(dims[i]);
          else if (keepdims)
            out_dims.push_back(1);
        }
        ASSERT_EQ(t.out_dims().to_string(), Dims(out_dims).to_string()) << config;
        // For each output element (in order), the input elements whose kept axes match.
        V kept_extents;
        for (size_t i = 0; i < dims.size(); ++i)
          kept_extents.push_back(reduced[i] ? 1 : dims[i]);
        std::vector<double> expected;
        for_each_index(kept_extents, [&](const V& o) {
          std::vector<double> group;
          int64_t flat_index = 0;
          for_each_index(dims, [&](const V& i) {
            bool match = true;
            for (size_t a = 0; a < dims.size(); ++a)
              match = match && (reduced[a] || i[a] == o[a]);
            if (match) group.push_back(x[static_cast<size_t>(flat_index)]);
            ++flat_index;
          });
          double v = 0.0;
          switch (type) {
            case OpType::kReduceSum:
            case OpType::kReduceMean:
              for (double g : group)
                v += g;
              if (type == OpType::kReduceMean) v /= static_cast<double>(group.size());
              break;
            case OpType::kReduceProd:
              v = 1.0;
              for (double g : group)
                v *= g;
              break;
            case OpType::kReduceMax:
              v = *std::max_element(group.begin(), group.end());
              break;
            default:
              v = *std::min_element(group.begin(), group.end());
              break;
          }
          expected.push_back(v);
        });
        expect_close(actual, expected, kFloatTolerance, config);
      }
    }
  }
}

TEST(ReferenceReduce, BuilderEndToEnd) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2, 3}).value();
  Tensor* axes = net.add_constant("axes", Weights::from_vector(DataType::kInt64, Dims{1},
                                                               std::vector<int64_t>{1}))
                     .value();
  Layer* sum = net.add_layer(OpType::kReduceSum, "sum", {x, axes}, reduce(false), {"s"}).value();
  Layer* max =
      net.add_layer(OpType::kReduceMax, "max", {sum->output(0)}, reduce(true), {"y"}).value();
  ASSERT_TRUE(net.mark_output(max->output(0)).is_ok());
  std::string dims;
  // Row sums [6, -15]; their max keeps a 1-element axis.
  const std::vector<float> y = build_and_run(net, {{1, 2, 3, -4, -5, -6}}, &dims);
  EXPECT_EQ(dims, "1");
  expect_close(y, std::vector<float>{6}, 0, "sum-max");
}

}  // namespace
}  // namespace int8rt
