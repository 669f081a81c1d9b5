// Building the bundled models and running engines, for the runtime and plan-file tests.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "int8rt/builder.h"
#include "int8rt/onnx_parser.h"
#include "testing/testing.h"

namespace int8rt::engine_testing {

inline std::unique_ptr<Network> load_model(const std::string& name) {
  auto net = std::make_unique<Network>();
  OnnxParser parser(*net);
  Status status = parser.parse_from_file(testing::source_path("models/" + name + ".onnx"));
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  return net;
}

// Every non-constant tensor gets the range [-amax, amax], so that an INT8 build needs no
// calibration data.
inline void set_all_ranges(Network& net, float amax) {
  for (int i = 0; i < net.num_tensors(); ++i) {
    Tensor* t = net.tensor(i);
    if (!t->is_constant()) {
      EXPECT_TRUE(t->set_dynamic_range(-amax, amax).is_ok()) << t->name();
    }
  }
}

// `model` (models/<model>.onnx, input "input" [N,1,28,28]) built for batch `batch`.
inline Result<std::unique_ptr<Engine>> build_model(const std::string& model, int64_t batch,
                                                   std::string_view backend, bool int8 = false) {
  Builder builder;
  auto net = load_model(model);
  if (int8) set_all_ranges(*net, 6.0f);
  auto config = builder.create_config();
  config->set_backend(backend);
  config->set_input_shape("input", Dims{batch, 1, 28, 28});
  if (int8) config->set_flag(BuilderFlag::kInt8);
  return builder.build(*net, *config);
}

using Buffers = std::vector<std::vector<float>>;

// Uniform values in [0, 1) for every (float32) input at `batch` (axis 0), seeded.
inline Buffers random_inputs(const Engine& engine, int64_t batch, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(0.0f, 1.0f);
  Buffers inputs;
  for (int i = 0; i < engine.num_inputs(); ++i) {
    Dims dims = engine.input(i).dims;
    dims[0] = batch;
    inputs.emplace_back(static_cast<size_t>(dims.volume()));
    for (float& v : inputs.back())
      v = dist(rng);
  }
  return inputs;
}

// Runs `context` at `batch` (float32 outputs); fails the test on an error.
inline Buffers run(ExecutionContext& context, const Engine& engine, const Buffers& inputs,
                   int64_t batch) {
  std::vector<const void*> in;
  for (const auto& buffer : inputs)
    in.push_back(buffer.data());
  Buffers outputs;
  std::vector<void*> out;
  for (int i = 0; i < engine.num_outputs(); ++i) {
    Dims dims = engine.output(i).dims;
    dims[0] = batch;
    outputs.emplace_back(static_cast<size_t>(dims.volume()), -12345.0f);
  }
  for (auto& buffer : outputs)
    out.push_back(buffer.data());
  Status status = context.execute(in, out, batch);
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  return outputs;
}

inline Buffers run(const Engine& engine, const Buffers& inputs, int64_t batch) {
  auto context = engine.create_execution_context();
  return run(*context, engine, inputs, batch);
}

// Index of the first element whose bits differ, or -1.
inline int64_t first_difference(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) return static_cast<int64_t>(i);
  }
  return -1;
}

inline void expect_bitwise_equal(const Buffers& expected, const Buffers& actual,
                                 const std::string& config) {
  ASSERT_EQ(expected.size(), actual.size()) << config;
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(expected[i].size(), actual[i].size()) << config << ", output " << i;
    const int64_t at = first_difference(expected[i], actual[i]);
    EXPECT_EQ(at, -1) << config << ", output " << i << " first differs at element " << at << ": "
                      << expected[i][static_cast<size_t>(at < 0 ? 0 : at)] << " vs "
                      << actual[i][static_cast<size_t>(at < 0 ? 0 : at)];
  }
}

}  // namespace int8rt::engine_testing
