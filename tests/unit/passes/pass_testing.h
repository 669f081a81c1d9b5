// Shared by the pass tests: small hand-built networks, random data, a layer-by-layer reference
// evaluator, and a logger that keeps what it was told.
//
// A pass test checks two things: the rewritten structure, and that the network computes the same
// numbers before and after (both evaluated with the reference kernels on the same random inputs).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "backends/reference/reference.h"
#include "int8rt/logger.h"
#include "int8rt/network.h"
#include "ir/graph_editor.h"
#include "ir/shape_inference.h"
#include "testing/capturing_logger.h"

namespace int8rt::pass_testing {

using testing::CapturingLogger;

inline Weights random_weights(const Dims& dims, uint32_t seed, float low = -1.0f,
                              float high = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(low, high);
  std::vector<float> values(static_cast<size_t>(dims.volume()));
  for (float& v : values)
    v = dist(rng);
  return Weights::from_vector(DataType::kFloat, dims, values);
}

inline Tensor* add_random(Network& net, const std::string& name, const Dims& dims, uint32_t seed,
                          float low = -1.0f, float high = 1.0f) {
  return net.add_constant(name, random_weights(dims, seed, low, high)).value();
}

inline Tensor* add_floats(Network& net, const std::string& name, const Dims& dims,
                          const std::vector<float>& values) {
  return net.add_constant(name, Weights::from_vector(DataType::kFloat, dims, values)).value();
}

inline Tensor* add_ints(Network& net, const std::string& name, const Dims& dims,
                        const std::vector<int64_t>& values) {
  return net.add_constant(name, Weights::from_vector(DataType::kInt64, dims, values)).value();
}

inline std::vector<float> to_floats(const Weights& w) {
  const float* p = w.data_as<float>();
  return std::vector<float>(p, p + w.count());
}

using TensorValues = std::map<std::string, Weights>;

// Random float values for every network input (its declared, static shape).
inline TensorValues random_inputs(const Network& net, uint32_t seed) {
  TensorValues values;
  for (int i = 0; i < net.num_inputs(); ++i) {
    const Tensor* t = net.input(i);
    values[t->name()] = random_weights(t->dims(), seed + static_cast<uint32_t>(i) * 7919u);
  }
  return values;
}

// Runs a copy of `net` layer by layer with the reference kernels (inferring shapes as it goes,
// without any pass) and returns the values of its outputs by name. Each computed tensor becomes a
// constant of the copy, so that parameter inputs computed from the network's inputs (a Reshape's
// shape from Shape -> Gather -> Concat) are known when the reading layer's shape is inferred.
inline Result<TensorValues> run_reference(const Network& net, const TensorValues& inputs) {
  std::unique_ptr<Network> copy = net.clone();
  ir::GraphEditor editor(*copy);
  std::map<const Tensor*, Weights> values;  // the network inputs
  for (int i = 0; i < copy->num_inputs(); ++i) {
    const Tensor* t = copy->input(i);
    auto it = inputs.find(t->name());
    if (it == inputs.end()) return invalid_argument("no value for input \"", t->name(), "\"");
    values[t] = it->second;
  }
  for (int i = 0; i < copy->num_layers(); ++i) {
    Layer& layer = *copy->layer(i);
    INT8RT_RETURN_IF_ERROR(ir::infer_layer(layer));
    std::vector<Weights> args;
    for (int j = 0; j < layer.num_inputs(); ++j) {
      const Tensor* t = layer.input(j);
      if (t == nullptr) {
        args.emplace_back();
      } else if (t->is_constant()) {
        args.push_back(t->constant_value());
      } else if (values.count(t) != 0) {
        args.push_back(values.at(t));
      } else {
        return invalid_argument("layer \"", layer.name(), "\" reads \"", t->name(),
                                "\" before it is computed");
      }
    }
    INT8RT_ASSIGN_OR_RETURN(std::vector<Weights> outs, reference::evaluate(layer, args));
    for (int j = 0; j < layer.num_outputs(); ++j) {
      if (layer.output(j) != nullptr) {
        editor.make_constant(layer.output(j), outs[static_cast<size_t>(j)]);
      }
    }
  }
  TensorValues outputs;
  for (int i = 0; i < copy->num_outputs(); ++i) {
    const Tensor* t = copy->output(i);
    if (t->is_constant()) {
      outputs[t->name()] = t->constant_value();
    } else if (values.count(t) != 0) {
      outputs[t->name()] = values.at(t);
    } else {
      return invalid_argument("output \"", t->name(), "\" is never computed");
    }
  }
  return outputs;
}

// FP32 results of reassociated sums differ by a few ulps per accumulated term. The tolerance for a
// value that sums `reduction_length` products of magnitude <= `scale` is this many epsilons per
// term.
inline constexpr float kUlpsPerTerm = 4.0f;

inline float tolerance(int64_t reduction_length, float scale) {
  return kUlpsPerTerm * FLT_EPSILON * static_cast<float>(reduction_length) * std::max(scale, 1.0f);
}

// Expects every output of `after` to match `before` (same names, dtypes, shapes, values within
// `tol`); `config` describes the case in failure messages.
inline void expect_same_outputs(const TensorValues& before, const TensorValues& after, float tol,
                                const std::string& config) {
  ASSERT_EQ(before.size(), after.size()) << config;
  for (const auto& [name, expected] : before) {
    auto it = after.find(name);
    ASSERT_NE(it, after.end()) << config << ": output \"" << name << "\" disappeared";
    const Weights& actual = it->second;
    ASSERT_EQ(actual.dtype(), expected.dtype()) << config << ": output " << name;
    ASSERT_EQ(actual.dims(), expected.dims())
        << config << ": output " << name << " " << actual.dims().to_string() << " vs "
        << expected.dims().to_string();
    if (expected.dtype() != DataType::kFloat) {
      EXPECT_EQ(actual.to_int64(), expected.to_int64()) << config << ": output " << name;
      continue;
    }
    const float* a = actual.data_as<float>();
    const float* e = expected.data_as<float>();
    int bad = 0;
    for (int64_t i = 0; i < expected.count() && bad < 5; ++i) {
      bool both_nan = std::isnan(a[i]) && std::isnan(e[i]);
      if (!both_nan && !(std::fabs(a[i] - e[i]) <= tol)) {
        ADD_FAILURE() << config << ": output " << name << "[" << i << "] = " << a[i]
                      << ", expected " << e[i] << " (tolerance " << tol << ")";
        ++bad;
      }
    }
  }
}

// Runs `pass` on `net` and checks the numbers did not change on random inputs (seeded by `seed`).
template <typename Pass>
void expect_pass_preserves_outputs(Network& net, Pass&& pass, float tol, uint32_t seed,
                                   const std::string& config) {
  TensorValues inputs = random_inputs(net, seed);
  auto before = run_reference(net, inputs);
  ASSERT_TRUE(before.is_ok()) << config << ": before the pass: " << before.status().to_string();
  Status status = pass(net);
  ASSERT_TRUE(status.is_ok()) << config << ": " << status.to_string();
  auto after = run_reference(net, inputs);
  ASSERT_TRUE(after.is_ok()) << config << ": after the pass: " << after.status().to_string();
  expect_same_outputs(before.value(), after.value(), tol, config + " seed " + std::to_string(seed));
}

inline int count_layers(const Network& net, OpType type) {
  int n = 0;
  for (int i = 0; i < net.num_layers(); ++i)
    n += net.layer(i)->type() == type ? 1 : 0;
  return n;
}

inline int layer_position(const Network& net, const Layer* layer) {
  for (int i = 0; i < net.num_layers(); ++i) {
    if (net.layer(i) == layer) return i;
  }
  return -1;
}

}  // namespace int8rt::pass_testing
