// Import, build and run small ONNX models written in old opset forms, against results computed
// here with plain loops: the upgrades must keep the ONNX semantics, not just the graph's shape.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "int8rt/builder.h"
#include "int8rt/engine.h"
#include "onnx_test_util.h"
#include "testing/random.h"

namespace int8rt::testing {
namespace {

constexpr int32_t kFloat = onnx::TensorProto::FLOAT;

std::vector<float> random_values(size_t count, std::mt19937& rng, float scale) {
  return uniform_floats(count, rng, -scale, scale);
}

// Imports `model`, builds it for `backend` with the given input shape, runs it on `input` and
// returns output 0 (its dims in `dims`).
std::vector<float> run_model(const OnnxModel& model, std::string_view backend,
                             const std::string& input_name, const Dims& input_dims,
                             const std::vector<float>& input, Dims* dims) {
  Network net;
  CapturingLogger logger;
  Status parsed = parse_model(model, net, &logger);
  EXPECT_TRUE(parsed.is_ok()) << parsed.to_string();
  if (!parsed.is_ok()) return {};
  Builder builder(logger);
  BuilderConfig config;
  config.set_backend(backend);
  config.set_input_shape(input_name, input_dims);
  auto engine = builder.build(net, config);
  EXPECT_TRUE(engine.is_ok()) << engine.status().to_string();
  if (!engine.is_ok()) return {};
  *dims = (*engine)->output(0).dims;
  std::vector<float> output(static_cast<size_t>(dims->volume()));
  auto context = (*engine)->create_execution_context();
  const void* inputs[] = {input.data()};
  void* outputs[] = {output.data()};
  Status run = context->execute(inputs, outputs);
  EXPECT_TRUE(run.is_ok()) << run.to_string();
  return output;
}

// FP32 results of different summation orders: a relative tolerance for sums of ~100 terms.
constexpr float kTolerance = 1e-5f;

// Opset 9: Conv (pads 1) -> Clip-6 (min/max attributes) -> MaxPool 2x2 -> Flatten -> Gemm (transB)
// -> Softmax-1 (axis 1, 2-D coercion).
TEST(OnnxEndToEnd, Opset9ConvClipPoolGemmSoftmax) {
  const int64_t n = 2, c_out = 2, hw = 4, classes = 3;
  std::mt19937 rng(7);
  const std::vector<float> w = random_values(c_out * 9, rng, 0.5f);
  const std::vector<float> b = random_values(c_out, rng, 0.2f);
  const std::vector<float> w2 = random_values(classes * c_out * 4, rng, 0.5f);
  const std::vector<float> b2 = random_values(classes, rng, 0.2f);
  const std::vector<float> x = random_values(n * hw * hw, rng, 1.0f);

  OnnxModel model(9);
  model.input("x", kFloat, {"N", 1, hw, hw});
  model.initializer("w", {c_out, 1, 3, 3}, w);
  model.initializer("b", {c_out}, b, /*raw=*/true);
  model.initializer("w2", {classes, c_out * 4}, w2);
  model.initializer("b2", {classes}, b2);
  model.node("Conv", {"x", "w", "b"}, {"conv"}, "conv")
      .attr_ints("kernel_shape", {3, 3})
      .attr_ints("pads", {1, 1, 1, 1});
  model.node("Clip", {"conv"}, {"clip"}, "clip").attr_float("min", -0.3f).attr_float("max", 0.4f);
  model.node("MaxPool", {"clip"}, {"pool"}, "pool")
      .attr_ints("kernel_shape", {2, 2})
      .attr_ints("strides", {2, 2});
  model.node("Flatten", {"pool"}, {"flat"}, "flatten");
  model.node("Gemm", {"flat", "w2", "b2"}, {"fc"}, "fc").attr_int("transB", 1);
  model.node("Softmax", {"fc"}, {"probs"}, "softmax");
  model.output("probs");

  // Expected, by the ONNX definitions.
  std::vector<float> expected(static_cast<size_t>(n * classes));
  for (int64_t s = 0; s < n; ++s) {
    std::vector<float> pooled(static_cast<size_t>(c_out * 4));
    for (int64_t co = 0; co < c_out; ++co) {
      float clipped[4][4];
      for (int64_t i = 0; i < hw; ++i) {
        for (int64_t j = 0; j < hw; ++j) {
          float acc = b[co];
          for (int64_t ki = 0; ki < 3; ++ki) {
            for (int64_t kj = 0; kj < 3; ++kj) {
              int64_t ii = i + ki - 1, jj = j + kj - 1;
              if (ii < 0 || jj < 0 || ii >= hw || jj >= hw) continue;
              acc += w[co * 9 + ki * 3 + kj] * x[s * hw * hw + ii * hw + jj];
            }
          }
          clipped[i][j] = std::min(std::max(acc, -0.3f), 0.4f);
        }
      }
      for (int64_t pi = 0; pi < 2; ++pi) {
        for (int64_t pj = 0; pj < 2; ++pj) {
          float m =
              std::max(std::max(clipped[2 * pi][2 * pj], clipped[2 * pi][2 * pj + 1]),
                       std::max(clipped[2 * pi + 1][2 * pj], clipped[2 * pi + 1][2 * pj + 1]));
          pooled[static_cast<size_t>(co * 4 + pi * 2 + pj)] = m;
        }
      }
    }
    double logits[3];
    double total = 0.0;
    for (int64_t k = 0; k < classes; ++k) {
      double acc = b2[k];
      for (int64_t f = 0; f < c_out * 4; ++f)
        acc += double{w2[k * c_out * 4 + f]} * pooled[f];
      logits[k] = std::exp(acc);
      total += logits[k];
    }
    for (int64_t k = 0; k < classes; ++k)
      expected[s * classes + k] = static_cast<float>(logits[k] / total);
  }

  for (std::string_view backend : {"reference", "cpu"}) {
    SCOPED_TRACE(std::string(backend));
    Dims dims;
    std::vector<float> got = run_model(model, backend, "x", Dims{n, 1, hw, hw}, x, &dims);
    ASSERT_EQ(dims, (Dims{n, classes}));
    for (size_t i = 0; i < expected.size(); ++i)
      EXPECT_NEAR(got[i], expected[i], kTolerance) << "element " << i << ", seed 7";
  }
}

// Opset 9: Slice-1 (attributes) -> ReduceMean (axes attribute) -> Unsqueeze-1 -> Pad-2
// (attributes), and opset 6's axis broadcasting on Mul.
TEST(OnnxEndToEnd, AttributeFormsOfSliceReducePadUnsqueeze) {
  std::mt19937 rng(11);
  const std::vector<float> x = random_values(2 * 3 * 5, rng, 2.0f);
  OnnxModel model(9);
  model.input("x", kFloat, {2, 3, 5});
  model.node("Slice", {"x"}, {"sliced"}, "slice")
      .attr_ints("starts", {1})
      .attr_ints("ends", {4})
      .attr_ints("axes", {2});  // [2,3,3]
  model.node("ReduceMean", {"sliced"}, {"mean"}, "mean")
      .attr_ints("axes", {1})
      .attr_int("keepdims", 0);                                                     // [2,3]
  model.node("Unsqueeze", {"mean"}, {"unsq"}, "unsqueeze").attr_ints("axes", {0});  // [1,2,3]
  model.node("Pad", {"unsq"}, {"y"}, "pad")
      .attr_ints("pads", {0, 0, 1, 0, 0, 0})
      .attr_float("value", 9.0f);  // [1,2,4]
  model.output("y");

  std::vector<float> expected;
  for (int64_t s = 0; s < 2; ++s) {
    expected.push_back(9.0f);
    for (int64_t j = 1; j < 4; ++j) {
      float sum = 0.0f;
      for (int64_t c = 0; c < 3; ++c)
        sum += x[static_cast<size_t>(s * 15 + c * 5 + j)];
      expected.push_back(sum / 3.0f);
    }
  }
  Dims dims;
  std::vector<float> got = run_model(model, "reference", "x", Dims{2, 3, 5}, x, &dims);
  ASSERT_EQ(dims, (Dims{1, 2, 4}));
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(got[i], expected[i], kTolerance) << "element " << i << ", seed 11";
}

TEST(OnnxEndToEnd, Opset6AxisBroadcast) {
  std::mt19937 rng(5);
  const std::vector<float> x = random_values(2 * 3 * 2 * 2, rng, 1.0f);
  const std::vector<float> scale = {2.0f, -1.0f, 0.5f};
  OnnxModel model(6);
  model.input("x", kFloat, {2, 3, 2, 2});
  model.initializer("scale", {3}, scale);
  model.node("Mul", {"x", "scale"}, {"y"}, "mul").attr_int("broadcast", 1).attr_int("axis", 1);
  model.output("y");
  Dims dims;
  std::vector<float> got = run_model(model, "reference", "x", Dims{2, 3, 2, 2}, x, &dims);
  ASSERT_EQ(dims, (Dims{2, 3, 2, 2}));
  for (size_t i = 0; i < x.size(); ++i) {
    float expected = x[i] * scale[(i / 4) % 3];  // channel of element i
    EXPECT_FLOAT_EQ(got[i], expected) << "element " << i;
  }
}

}  // namespace
}  // namespace int8rt::testing
