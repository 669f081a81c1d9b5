// Helpers for the oneDNN ("cpu" backend) kernel tests: random networks built by hand, run with the
// CPU backend and with the reference backend (the oracle), compared element by element.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "int8rt/builder.h"
#include "int8rt/engine.h"
#include "int8rt/logger.h"
#include "int8rt/network.h"

namespace int8rt::testing {

// FP32 tolerance: oneDNN sums in float in its own order (blocked, vectorized), the reference in
// double. With operands in [-1, 1], an output that reduces over K products may differ by about
// K float roundings of terms of magnitude <= 1 (the worst case grows linearly in K). Compared as
// |cpu - ref| <= fp32_tolerance(K) · max(1, |ref|).
constexpr float kFp32ErrorPerTerm = 4.0f * 1.1920929e-7f;  // 4 ulp of 1.0f per accumulated term
// Elementwise kernels that are not exactly rounded (exp, tanh, logistic, ... use polynomial
// approximations): a few ulp.
constexpr float kFp32ElementwiseTolerance = 1e-5f;

inline float fp32_tolerance(int64_t reduction_length) {
  return kFp32ErrorPerTerm * static_cast<float>(std::max<int64_t>(reduction_length, 1)) +
         kFp32ElementwiseTolerance;
}

inline std::vector<float> random_floats(int64_t count, uint32_t seed, float lo = -1.0f,
                                        float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> values(static_cast<size_t>(count));
  for (float& v : values)
    v = dist(rng);
  return values;
}

inline Tensor* add_random_constant(Network& net, const std::string& name, const Dims& dims,
                                   uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  auto values = random_floats(dims.volume(), seed, lo, hi);
  return net.add_constant(name, Weights::from_vector(DataType::kFloat, dims, values)).value();
}

struct NetworkRun {
  std::vector<std::vector<float>> outputs;
  std::vector<LayerInfo> layers;
};

// Builds `net` for `backend` and runs it once on `inputs` (one vector per network input).
inline Result<NetworkRun> run_network(const Network& net, std::string_view backend,
                                      const std::vector<std::vector<float>>& inputs) {
  static StderrLogger logger(Logger::Severity::kError);
  Builder builder(logger);
  auto config = builder.create_config();
  config->set_backend(backend);
  INT8RT_ASSIGN_OR_RETURN(auto engine, builder.build(net, *config));
  NetworkRun run;
  run.layers = engine->layers();
  std::vector<const void*> in;
  for (const auto& v : inputs)
    in.push_back(v.data());
  std::vector<void*> out;
  for (int i = 0; i < engine->num_outputs(); ++i) {
    run.outputs.emplace_back(static_cast<size_t>(engine->output(i).dims.volume()), NAN);
  }
  for (auto& v : run.outputs)
    out.push_back(v.data());
  auto context = engine->create_execution_context();
  INT8RT_RETURN_IF_ERROR(context->execute(in, out));
  return run;
}

// Random inputs for every network input (values in [-1, 1]), seeded.
inline std::vector<std::vector<float>> random_inputs(const Network& net, uint32_t seed) {
  std::vector<std::vector<float>> inputs;
  for (int i = 0; i < net.num_inputs(); ++i) {
    inputs.push_back(random_floats(net.input(i)->dims().volume(), seed + static_cast<uint32_t>(i)));
  }
  return inputs;
}

inline ::testing::AssertionResult all_close(const std::vector<float>& actual,
                                            const std::vector<float>& expected, float tolerance) {
  if (actual.size() != expected.size()) {
    return ::testing::AssertionFailure()
           << "size " << actual.size() << " != expected " << expected.size();
  }
  int64_t bad = 0, first = -1;
  double worst = 0.0;
  for (size_t i = 0; i < actual.size(); ++i) {
    const double error = std::fabs(static_cast<double>(actual[i]) - expected[i]);
    const double allowed = tolerance * std::max(1.0, std::fabs(static_cast<double>(expected[i])));
    if (!(error <= allowed)) {  // NaN fails too
      if (first < 0) first = static_cast<int64_t>(i);
      ++bad;
    }
    if (std::isfinite(error)) worst = std::max(worst, error);
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << bad << " of " << actual.size() << " elements differ; first at " << first << ": got "
         << actual[static_cast<size_t>(first)] << ", expected "
         << expected[static_cast<size_t>(first)] << " (tolerance " << tolerance
         << " x max(1, |expected|), largest error " << worst << ")";
}

// The kernel the engine chose for layer `name` (alone or fused with others: "conv+relu"), or ""
// when it has no such layer.
inline std::string kernel_of(const NetworkRun& run, const std::string& name) {
  for (const auto& layer : run.layers) {
    std::string_view rest = layer.name;
    while (true) {
      const size_t plus = rest.find('+');
      if (rest.substr(0, plus) == name) return layer.kernel;
      if (plus == std::string_view::npos) break;
      rest.remove_prefix(plus + 1);
    }
  }
  return "";
}

inline std::string describe_layers(const NetworkRun& run) {
  std::ostringstream out;
  for (const auto& layer : run.layers)
    out << "\n  " << layer.name << " [" << layer.op << "] " << layer.kernel;
  return out.str();
}

// Builds and runs `net` with the CPU and the reference backends on random inputs (seeded) and
// checks that every output matches within `tolerance` and that the layers named in `onednn_layers`
// ran on oneDNN kernels (not a silent fallback to the reference). `config` is printed on failure.
inline void expect_cpu_matches_reference(const Network& net, float tolerance, uint32_t seed,
                                         const std::string& config,
                                         const std::vector<std::string>& onednn_layers) {
  SCOPED_TRACE(config + " seed=" + std::to_string(seed));
  const auto inputs = random_inputs(net, seed);
  auto cpu = run_network(net, "cpu", inputs);
  ASSERT_TRUE(cpu.is_ok()) << cpu.status().to_string();
  auto ref = run_network(net, "reference", inputs);
  ASSERT_TRUE(ref.is_ok()) << ref.status().to_string();
  for (const auto& name : onednn_layers) {
    EXPECT_EQ(kernel_of(*cpu, name).rfind("onednn.", 0), 0u)
        << "layer " << name << " did not run on oneDNN:" << describe_layers(*cpu);
  }
  ASSERT_EQ(cpu->outputs.size(), ref->outputs.size());
  for (size_t i = 0; i < cpu->outputs.size(); ++i) {
    EXPECT_TRUE(all_close(cpu->outputs[i], ref->outputs[i], tolerance))
        << "output " << i << describe_layers(*cpu);
  }
}

}  // namespace int8rt::testing
