// Reference kernels of the activations on hand-computed values.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "int8rt/network.h"
#include "testing/reference_eval.h"

namespace int8rt {
namespace {

using testing::evaluate_layer_output;
using testing::tensor;
using testing::values_of;

template <typename T>
std::vector<T> run_values(OpType type, Attrs attrs, const std::vector<Weights>& inputs) {
  auto y = evaluate_layer_output(type, std::move(attrs), inputs);
  if (!y.is_ok()) {
    ADD_FAILURE() << to_string(type) << ": " << y.status().to_string();
    return {};
  }
  return values_of<T>(y.value());
}

Weights floats(std::vector<float> values) {
  return tensor(DataType::kFloat, Dims{static_cast<int64_t>(values.size())}, values);
}

void expect_near(const std::vector<float>& got, const std::vector<float>& expected,
                 const std::string& what) {
  ASSERT_EQ(got.size(), expected.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    // Expected values are decimal approximations to 8 significant digits.
    EXPECT_NEAR(got[i], expected[i], 1e-6 * std::max(1.0f, std::fabs(expected[i])))
        << what << ", element " << i;
  }
}

TEST(ReferenceActivation, ReluOnFloatAndIntegers) {
  EXPECT_EQ(run_values<float>(OpType::kRelu, NoAttrs{}, {floats({-1.5f, 0.0f, 2.5f})}),
            (std::vector<float>{0.0f, 0.0f, 2.5f}));
  EXPECT_EQ(run_values<int8_t>(OpType::kRelu, NoAttrs{},
                               {tensor<int8_t>(DataType::kInt8, {3}, {-128, 0, 127})}),
            (std::vector<int8_t>{0, 0, 127}));
  EXPECT_EQ(run_values<int64_t>(OpType::kRelu, NoAttrs{},
                                {tensor<int64_t>(DataType::kInt64, {2}, {-3, 3})}),
            (std::vector<int64_t>{0, 3}));
}

TEST(ReferenceActivation, LeakyReluEluSoftplus) {
  expect_near(run_values<float>(OpType::kLeakyRelu, LeakyReluAttrs{0.1f}, {floats({-2, 0, 3})}),
              {-0.2f, 0.0f, 3.0f}, "LeakyRelu alpha 0.1");
  expect_near(run_values<float>(OpType::kLeakyRelu, LeakyReluAttrs{}, {floats({-100})}), {-1.0f},
              "LeakyRelu default alpha 0.01");
  // alpha * (e^x - 1) for x < 0: 2 * (e^-1 - 1) = -1.2642411
  expect_near(run_values<float>(OpType::kElu, EluAttrs{2.0f}, {floats({-1, 0, 3})}),
              {-1.2642411f, 0.0f, 3.0f}, "Elu alpha 2");
  // ln(1 + e^x): ln 2, ln(1 + e), ~x for large x, ~e^x for very negative x
  expect_near(run_values<float>(OpType::kSoftplus, NoAttrs{}, {floats({0, 1, 100, -20})}),
              {0.69314718f, 1.3132617f, 100.0f, 2.0611537e-9f}, "Softplus");
}

TEST(ReferenceActivation, SigmoidTanhHardSigmoidHardSwish) {
  // 1 / (1 + e^-x)
  expect_near(run_values<float>(OpType::kSigmoid, NoAttrs{}, {floats({0, 1, -2, -100})}),
              {0.5f, 0.73105858f, 0.11920292f, 0.0f}, "Sigmoid");
  expect_near(run_values<float>(OpType::kTanh, NoAttrs{}, {floats({0, 0.5f, -2})}),
              {0.0f, 0.46211716f, -0.96402758f}, "Tanh");
  // max(0, min(1, alpha x + beta))
  expect_near(run_values<float>(OpType::kHardSigmoid, HardSigmoidAttrs{0.5f, 0.6f},
                                {floats({-2, 0.5f, 1})}),
              {0.0f, 0.85f, 1.0f}, "HardSigmoid alpha 0.5 beta 0.6");
  // x * max(0, min(1, x / 6 + 0.5))
  expect_near(run_values<float>(OpType::kHardSwish, NoAttrs{}, {floats({-4, -1, 1, 4})}),
              {0.0f, -0.33333333f, 0.66666667f, 4.0f}, "HardSwish");
}

TEST(ReferenceActivation, PReluBroadcastsSlope) {
  // X 2x3, slope 3 (one per column)
  Weights x = tensor<float>(DataType::kFloat, {2, 3}, {-1, 2, -3, 4, -5, -6});
  Weights slope = tensor<float>(DataType::kFloat, {3}, {0.5f, 2, 0});
  EXPECT_EQ(run_values<float>(OpType::kPRelu, NoAttrs{}, {x, slope}),
            (std::vector<float>{-0.5f, 2, 0, 4, -10, 0}));
  // X 2x2x2, slope 2x1 (one per middle index)
  Weights x3 = tensor<float>(DataType::kFloat, {2, 2, 2}, {-1, -1, -1, 1, -2, -2, -2, 2});
  Weights slope3 = tensor<float>(DataType::kFloat, {2, 1}, {3, 10});
  EXPECT_EQ(run_values<float>(OpType::kPRelu, NoAttrs{}, {x3, slope3}),
            (std::vector<float>{-3, -3, -10, 1, -6, -6, -20, 2}));
}

TEST(ReferenceActivation, ClipWithOptionalBounds) {
  Weights x = floats({-3, -1, 0, 1, 3});
  Weights lo = tensor<float>(DataType::kFloat, {}, {-1.5f});
  Weights hi = tensor<float>(DataType::kFloat, {}, {2.0f});
  EXPECT_EQ(run_values<float>(OpType::kClip, NoAttrs{}, {x, lo, hi}),
            (std::vector<float>{-1.5f, -1, 0, 1, 2}));
  EXPECT_EQ(run_values<float>(OpType::kClip, NoAttrs{}, {x, lo}),
            (std::vector<float>{-1.5f, -1, 0, 1, 3}));
  EXPECT_EQ(run_values<float>(OpType::kClip, NoAttrs{}, {x, Weights(), hi}),
            (std::vector<float>{-3, -1, 0, 1, 2}));
  EXPECT_EQ(run_values<float>(OpType::kClip, NoAttrs{}, {x}),
            (std::vector<float>{-3, -1, 0, 1, 3}));
  // min > max: every element becomes max (ONNX).
  EXPECT_EQ(run_values<float>(OpType::kClip, NoAttrs{},
                              {x, tensor<float>(DataType::kFloat, {}, {2}),
                               tensor<float>(DataType::kFloat, {}, {1})}),
            (std::vector<float>{1, 1, 1, 1, 1}));
  Weights x8 = tensor<int8_t>(DataType::kInt8, {4}, {-128, -5, 5, 127});
  EXPECT_EQ(run_values<int8_t>(OpType::kClip, NoAttrs{},
                               {x8, Weights(), tensor<int8_t>(DataType::kInt8, {1}, {0})}),
            (std::vector<int8_t>{-128, -5, 0, 0}));
  EXPECT_EQ(run_values<int8_t>(OpType::kClip, NoAttrs{}, {x8}),
            (std::vector<int8_t>{-128, -5, 5, 127}));
}

TEST(ReferenceActivation, ClipReadsRunTimeBounds) {
  // min/max computed by the network (not constants): the kernel reads them when it runs.
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{3}).value();
  Tensor* lo = net.add_input("lo", DataType::kFloat, Dims{}).value();
  Layer* clip = net.add_layer(OpType::kClip, "clip", {x, lo}, NoAttrs{}, {"y"}).value();
  ASSERT_TRUE(ir::infer_layer(*clip).is_ok());
  auto y =
      reference::evaluate(*clip, {floats({-2, 0, 2}), tensor<float>(DataType::kFloat, {}, {-1})});
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  EXPECT_EQ(values_of<float>(y->at(0)), (std::vector<float>{-1, 0, 2}));
}

}  // namespace
}  // namespace int8rt
