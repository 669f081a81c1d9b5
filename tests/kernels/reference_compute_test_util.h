// Running one layer through the reference backend, for the tests of the compute kernels.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "backends/reference/reference.h"
#include "int8rt/builder.h"
#include "int8rt/network.h"
#include "ir/shape_inference.h"
#include "testing/random.h"

namespace int8rt::compute_testing {

// Uniform values in [lo, hi) from a generator seeded with `seed` (print the seed on failure).
inline std::vector<float> random_floats(int64_t count, uint32_t seed, float lo = -1.0f,
                                        float hi = 1.0f) {
  return testing::uniform_floats(count, seed, lo, hi);
}

inline std::vector<float> iota_floats(int64_t count, float start = 0.0f) {
  std::vector<float> values(static_cast<size_t>(count));
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = start + static_cast<float>(i);
  return values;
}

// A network of one layer whose network inputs carry data: run() infers the layer's shapes and
// evaluates it with the reference kernel.
class RefLayer {
 public:
  template <typename T = float>
  Tensor* input(Dims dims, const std::vector<T>& values, DataType type = DataType::kFloat) {
    Tensor* t = net_.add_input("x" + std::to_string(net_.num_tensors()), type, dims).value();
    data_[t] = Weights::from_vector(type, std::move(dims), values);
    return t;
  }
  template <typename T = float>
  Tensor* constant(Dims dims, const std::vector<T>& values, DataType type = DataType::kFloat) {
    return net_
        .add_constant("c" + std::to_string(net_.num_tensors()),
                      Weights::from_vector(type, std::move(dims), values))
        .value();
  }
  Tensor* ints(const std::vector<int64_t>& values) {
    return constant(Dims{static_cast<int64_t>(values.size())}, values, DataType::kInt64);
  }
  Tensor* floats(const std::vector<float>& values) {
    return constant(Dims{static_cast<int64_t>(values.size())}, values);
  }
  Layer* layer(OpType type, std::vector<Tensor*> inputs, Attrs attrs, int outputs = 1) {
    std::vector<std::string> names;
    for (int i = 0; i < outputs; ++i)
      names.push_back("y" + std::to_string(i));
    layer_ = net_.add_layer(type, "op", std::move(inputs), std::move(attrs), names).value();
    return layer_;
  }

  // Infers and evaluates the layer; fails the test (and returns empty outputs) on an error.
  std::vector<Weights> run() {
    Status status = ir::infer_layer(*layer_);
    EXPECT_TRUE(status.is_ok()) << status.to_string();
    if (!status.is_ok()) return {};
    std::vector<Weights> inputs;
    for (int i = 0; i < layer_->num_inputs(); ++i) {
      const Tensor* t = layer_->input(i);
      if (t == nullptr) {
        inputs.emplace_back();
      } else if (t->is_constant()) {
        inputs.push_back(t->constant_value());
      } else {
        inputs.push_back(data_.at(t));
      }
    }
    auto outputs = reference::evaluate(*layer_, inputs);
    EXPECT_TRUE(outputs.is_ok()) << outputs.status().to_string();
    if (!outputs.is_ok()) return {};
    return std::move(outputs).value();
  }

  // The float values of output 0 (empty after a failure).
  std::vector<float> run_floats() {
    std::vector<Weights> out = run();
    if (out.empty()) return {};
    const float* p = out[0].data_as<float>();
    return std::vector<float>(p, p + out[0].count());
  }

  Layer* layer() const { return layer_; }
  Dims out_dims(int index = 0) const { return layer_->output(index)->dims(); }

 private:
  Network net_;
  Layer* layer_ = nullptr;
  std::map<const Tensor*, Weights> data_;
};

// Builds `net` through the public Builder for the reference backend, runs it on `inputs` (one
// vector per network input, in order) and returns output 0; fails the test on an error.
inline std::vector<float> build_and_run(const Network& net,
                                        const std::vector<std::vector<float>>& inputs,
                                        std::string* out_dims = nullptr) {
  Builder builder;
  auto config = builder.create_config();
  config->set_backend("reference");
  auto engine = builder.build(net, *config);
  EXPECT_TRUE(engine.is_ok()) << engine.status().to_string();
  if (!engine.is_ok()) return {};
  const IoTensor& output = (*engine)->output(0);
  if (out_dims != nullptr) *out_dims = output.dims.to_string();
  std::vector<float> result(static_cast<size_t>(output.dims.volume()));
  std::vector<const void*> in;
  for (const auto& values : inputs)
    in.push_back(values.data());
  std::vector<void*> out = {result.data()};
  auto context = (*engine)->create_execution_context();
  Status status = context->execute(in, out);
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  return result;
}

// Element-wise comparison with an absolute tolerance `tol * max(1, |expected|)`; prints the
// configuration and the first mismatches.
inline void expect_close(const std::vector<float>& actual, const std::vector<double>& expected,
                         double tol, const std::string& config) {
  ASSERT_EQ(actual.size(), expected.size()) << config;
  int reported = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    const double e = expected[i];
    const double a = actual[i];
    const bool both_nan = std::isnan(a) && std::isnan(e);
    if (!both_nan && !(std::fabs(a - e) <= tol * std::max(1.0, std::fabs(e)))) {
      ADD_FAILURE() << config << ": element " << i << " is " << a << ", expected " << e;
      if (++reported == 5) return;
    }
  }
}

inline void expect_close(const std::vector<float>& actual, const std::vector<float>& expected,
                         double tol, const std::string& config) {
  expect_close(actual, std::vector<double>(expected.begin(), expected.end()), tol, config);
}

// Float32 rounding of a value computed in double is at most half an ulp: 2^-24 relative. The
// kernels accumulate in double, so their error does not grow with the reduction length; oracles
// computed in double in the tests agree with them to a few float ulps.
constexpr double kFloatTolerance = 4.0 / (1 << 24);

// Calls fn(index) for every index of a row-major array of `extents`, in order.
inline void for_each_index(const std::vector<int64_t>& extents,
                           const std::function<void(const std::vector<int64_t>&)>& fn) {
  for (int64_t e : extents)
    if (e == 0) return;
  std::vector<int64_t> index(extents.size(), 0);
  while (true) {
    fn(index);
    int axis = static_cast<int>(extents.size()) - 1;
    for (; axis >= 0; --axis) {
      if (++index[static_cast<size_t>(axis)] < extents[static_cast<size_t>(axis)]) break;
      index[static_cast<size_t>(axis)] = 0;
    }
    if (axis < 0) return;
  }
}

// The row-major offset of `index` in an array of `extents`.
inline int64_t flat(const std::vector<int64_t>& extents, const std::vector<int64_t>& index) {
  int64_t offset = 0;
  for (size_t i = 0; i < extents.size(); ++i)
    offset = offset * extents[i] + index[i];
  return offset;
}

inline std::string join(const std::vector<int64_t>& values) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < values.size(); ++i)
    out << (i ? "," : "") << values[i];
  out << "]";
  return out.str();
}

}  // namespace int8rt::compute_testing
