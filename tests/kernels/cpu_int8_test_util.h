// Helpers for the oneDNN INT8 kernel tests: one INT8 layer built by hand (kInt8 tensors with
// ranges), run through cpu::create_kernel with its inputs reordered into the layouts the kernel
// declares, and the contract's arithmetic (docs/int8.md) written out as naive loops to compare
// with.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "backends/reference/reference.h"
#include "int8rt/network.h"
#include "ir/shape_inference.h"

namespace int8rt::int8_testing {

// Random INT8 values in [-127, 127]; one in five is ±127, so that the extremes (where saturating
// int16 pair sums would show) are frequent.
inline std::vector<int8_t> random_int8(int64_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> value(-127, 127);
  std::uniform_int_distribution<int> pick(0, 9);
  std::vector<int8_t> values(static_cast<size_t>(count));
  for (int8_t& v : values) {
    const int p = pick(rng);
    v = static_cast<int8_t>(p == 0 ? 127 : p == 1 ? -127 : value(rng));
  }
  return values;
}

inline std::vector<float> random_floats(int64_t count, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> values(static_cast<size_t>(count));
  for (float& v : values)
    v = dist(rng);
  return values;
}

// The contract's weight quantization, written independently of the kernels: per channel c of
// `axis`, scale_c = max|w_c| / 127 (1 when all zero), q = clamp(rne(w / scale_c), -127, 127).
struct QuantizedWeights {
  std::vector<int8_t> q;
  std::vector<float> scale;
};
inline QuantizedWeights quantize_weights(const std::vector<float>& w, const Dims& dims, int axis) {
  int64_t inner = 1;
  for (int i = axis + 1; i < dims.rank(); ++i)
    inner *= dims[i];
  const int64_t channels = dims[axis];
  auto channel_of = [&](size_t i) { return static_cast<int64_t>(i) / inner % channels; };
  QuantizedWeights out{std::vector<int8_t>(w.size()),
                       std::vector<float>(static_cast<size_t>(channels), 0.0f)};
  for (size_t i = 0; i < w.size(); ++i) {
    float& s = out.scale[static_cast<size_t>(channel_of(i))];
    s = std::max(s, std::fabs(w[i]));
  }
  for (float& s : out.scale)
    s = s == 0.0f ? 1.0f : s / 127.0f;
  for (size_t i = 0; i < w.size(); ++i) {
    const float r = std::nearbyint(w[i] / out.scale[static_cast<size_t>(channel_of(i))]);
    out.q[i] = static_cast<int8_t>(std::min(127.0f, std::max(-127.0f, r)));
  }
  return out;
}

inline float apply_activation(float v, const FusedActivation& act) {
  switch (act.kind) {
    case ActivationKind::kRelu:
      return v < 0.0f ? 0.0f : v;
    case ActivationKind::kLeakyRelu:
      return v < 0.0f ? v * act.alpha : v;
    case ActivationKind::kClip:
      return std::min(std::max(v, act.alpha), act.beta);
    default:
      return v;
  }
}

inline int8_t requantize(float v) {
  return static_cast<int8_t>(std::nearbyint(std::min(127.0f, std::max(-127.0f, v))));
}

// A layer's output: INT8 values or float32 values (the other one empty) and the kernel's name.
struct Output {
  std::string kernel;
  std::vector<int8_t> q;
  std::vector<float> f;
};

// One layer over network inputs that carry data.
class Int8Layer {
 public:
  Tensor* int8_input(const Dims& dims, float amax, uint32_t seed) {
    return int8_input(dims, amax, random_int8(dims.volume(), seed));
  }
  Tensor* int8_input(const Dims& dims, float amax, const std::vector<int8_t>& values) {
    Tensor* t = net_.add_input(next_name("x"), DataType::kInt8, dims).value();
    EXPECT_TRUE(t->set_dynamic_range(-amax, amax).is_ok());
    bytes_[t] = to_bytes(values);
    return t;
  }
  Tensor* float_input(const Dims& dims, const std::vector<float>& values) {
    Tensor* t = net_.add_input(next_name("x"), DataType::kFloat, dims).value();
    bytes_[t] = to_bytes(values);
    return t;
  }
  Tensor* constant(const Dims& dims, const std::vector<float>& values) {
    return net_.add_constant(next_name("c"), Weights::from_vector(DataType::kFloat, dims, values))
        .value();
  }
  // Adds the layer and infers its output shape (with the INT8 inputs seen as float32, as shape
  // inference does not depend on the element type here), then makes output 0 `type` with range
  // ±amax (amax ignored for float32).
  Layer* layer(OpType type, std::vector<Tensor*> inputs, Attrs attrs) {
    layer_ = net_.add_layer(type, "op", std::move(inputs), std::move(attrs), {"y"}).value();
    std::vector<std::pair<Tensor*, DataType>> saved;
    for (int i = 0; i < layer_->num_inputs(); ++i) {
      Tensor* t = layer_->input(i);
      if (t != nullptr && t->dtype() != DataType::kFloat && !t->is_constant()) {
        saved.emplace_back(t, t->dtype());
        t->set_dtype(DataType::kFloat);
      }
    }
    Status status = ir::infer_layer(*layer_);
    EXPECT_TRUE(status.is_ok()) << status.to_string();
    for (auto& [t, saved_type] : saved)
      t->set_dtype(saved_type);
    return layer_;
  }
  // Adds the layer with output 0 given (no shape inference), e.g. the INT8 reformats.
  Layer* layer_with_output(OpType type, std::vector<Tensor*> inputs, Attrs attrs, Dims dims,
                           DataType out_type, float amax) {
    layer_ = net_.add_layer(type, "op", std::move(inputs), std::move(attrs), {"y"}).value();
    layer_->output(0)->set_dims(std::move(dims));
    set_output(out_type, amax);
    return layer_;
  }
  void set_output(DataType type, float amax) {
    Tensor* y = layer_->output(0);
    y->set_dtype(type);
    if (type == DataType::kInt8) {
      EXPECT_TRUE(y->set_dynamic_range(-amax, amax).is_ok());
    }
  }
  Layer* current() const { return layer_; }
  Dims out_dims() const { return layer_->output(0)->dims(); }

  // Runs the layer on the CPU backend. Fails (and returns nothing) when there is no oneDNN kernel.
  std::optional<Output> run_cpu() {
    std::vector<Layout> plain(static_cast<size_t>(layer_->num_inputs()));
    return run(cpu::create_kernel(*layer_, plain));
  }
  // Runs the layer with the reference backend's kernel (the oracle).
  std::optional<Output> run_reference() { return run(reference::create_kernel(*layer_)); }

 private:
  std::optional<Output> run(Result<KernelPtr> kernel) {
    EXPECT_TRUE(kernel.is_ok()) << kernel.status().to_string();
    if (!kernel.is_ok()) return std::nullopt;
    if (*kernel == nullptr) {
      ADD_FAILURE() << "no CPU kernel for this configuration";
      return std::nullopt;
    }
    const Kernel& k = **kernel;
    std::vector<std::vector<std::byte>> in_buffers;
    std::vector<const void*> inputs;
    for (int i = 0; i < layer_->num_inputs(); ++i) {
      const Tensor* t = layer_->input(i);
      if (t == nullptr) {
        inputs.push_back(nullptr);
        in_buffers.emplace_back();
        continue;
      }
      const std::vector<std::byte>& plain_bytes =
          t->is_constant() ? constant_bytes(*t) : bytes_.at(t);
      in_buffers.push_back(
          relayout(t->dtype(), t->dims(), Layout(), k.input_layout(i), plain_bytes));
      inputs.push_back(in_buffers.back().data());
    }
    const Tensor* y = layer_->output(0);
    const Layout y_layout = k.output_layout(0);
    const size_t y_bytes = y_layout.is_plain()
                               ? static_cast<size_t>(y->dims().volume()) * element_size(y->dtype())
                               : y_layout.desc()->byte_size();
    std::vector<std::byte> out_buffer(y_bytes);
    std::vector<void*> outputs{out_buffer.data()};
    auto scratch = aligned(k.scratch_bytes());
    KernelIo io{inputs, outputs, scratch.get(), nullptr};
    Status status = k.execute(io);
    EXPECT_TRUE(status.is_ok()) << status.to_string();
    if (!status.is_ok()) return std::nullopt;
    std::vector<std::byte> plain_out =
        relayout(y->dtype(), y->dims(), y_layout, Layout(), out_buffer);
    Output out;
    out.kernel = k.name();
    if (y->dtype() == DataType::kInt8) {
      out.q.resize(static_cast<size_t>(y->dims().volume()));
      std::memcpy(out.q.data(), plain_out.data(), out.q.size());
    } else {
      out.f.resize(static_cast<size_t>(y->dims().volume()));
      std::memcpy(out.f.data(), plain_out.data(), out.f.size() * sizeof(float));
    }
    return out;
  }

  template <typename T>
  static std::vector<std::byte> to_bytes(const std::vector<T>& values) {
    std::vector<std::byte> bytes(values.size() * sizeof(T));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    return bytes;
  }
  std::vector<std::byte> constant_bytes(const Tensor& t) {
    const Weights& w = t.constant_value();
    auto& bytes = bytes_[&t];
    bytes.resize(w.byte_size());
    std::memcpy(bytes.data(), w.data(), bytes.size());
    return bytes;
  }
  static std::unique_ptr<std::byte, void (*)(void*)> aligned(size_t bytes) {
    const size_t size = std::max<size_t>((bytes + 63) / 64 * 64, 64);
    return {static_cast<std::byte*>(std::aligned_alloc(64, size)), std::free};
  }
  // `bytes` (in layout `from`) in layout `to`, through the backend's reorder.
  static std::vector<std::byte> relayout(DataType type, const Dims& dims, const Layout& from,
                                         const Layout& to, const std::vector<std::byte>& bytes) {
    if (from == to) return bytes;
    auto reorder = cpu::create_reorder(type, dims, from, to);
    EXPECT_TRUE(reorder.is_ok()) << reorder.status().to_string();
    if (!reorder.is_ok()) return {};
    const size_t out_size = to.is_plain() ? static_cast<size_t>(dims.volume()) * element_size(type)
                                          : to.desc()->byte_size();
    std::vector<std::byte> out(out_size);
    const void* in_ptr = bytes.data();
    void* out_ptr = out.data();
    auto scratch = aligned((*reorder)->scratch_bytes());
    KernelIo io{std::span<const void* const>(&in_ptr, 1), std::span<void* const>(&out_ptr, 1),
                scratch.get(), nullptr};
    Status status = (*reorder)->execute(io);
    EXPECT_TRUE(status.is_ok()) << status.to_string();
    return out;
  }
  std::string next_name(const std::string& prefix) {
    return prefix + std::to_string(net_.num_tensors());
  }

  Network net_;
  Layer* layer_ = nullptr;
  std::map<const Tensor*, std::vector<std::byte>> bytes_;
};

// Exact comparison of INT8 outputs; prints the first mismatches.
inline ::testing::AssertionResult int8_equal(const std::vector<int8_t>& actual,
                                             const std::vector<int8_t>& expected) {
  if (actual.size() != expected.size()) {
    return ::testing::AssertionFailure()
           << "size " << actual.size() << " != expected " << expected.size();
  }
  int64_t bad = 0;
  std::ostringstream first;
  for (size_t i = 0; i < actual.size(); ++i) {
    if (actual[i] != expected[i]) {
      if (bad < 5) {
        first << " [" << i << "] " << int(actual[i]) << " vs " << int(expected[i]) << ";";
      }
      ++bad;
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << actual.size()
                                       << " INT8 values differ (got vs expected):" << first.str();
}

inline ::testing::AssertionResult float_close(const std::vector<float>& actual,
                                              const std::vector<float>& expected, float tolerance) {
  if (actual.size() != expected.size()) {
    return ::testing::AssertionFailure()
           << "size " << actual.size() << " != expected " << expected.size();
  }
  int64_t bad = 0;
  std::ostringstream first;
  for (size_t i = 0; i < actual.size(); ++i) {
    const float allowed = tolerance * std::max(1.0f, std::fabs(expected[i]));
    if (!(std::fabs(actual[i] - expected[i]) <= allowed)) {
      if (bad < 5) first << " [" << i << "] " << actual[i] << " vs " << expected[i] << ";";
      ++bad;
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << bad << " of " << actual.size() << " values differ beyond " << tolerance
         << " x max(1, |expected|) (got vs expected):" << first.str();
}

// What the naive loop expects of a layer: INT8 values or float32 values (the other one empty).
struct Expected {
  std::vector<int8_t> q;
  std::vector<float> f;
};

// The end of the output stage for one value `v` already scaled (by s_in·s_w / s_out for an INT8
// output, s_in·s_w for float32): the fused activation, whose Clip bounds are real values and so
// are divided by s_out for an INT8 output, then the rounding to INT8.
inline void add_expected(Expected& expected, float v, FusedActivation act, bool int8_output,
                         float s_out) {
  if (int8_output && act.kind == ActivationKind::kClip) {
    act.alpha /= s_out;
    act.beta /= s_out;
  }
  v = apply_activation(v, act);
  if (int8_output) {
    expected.q.push_back(requantize(v));
  } else {
    expected.f.push_back(v);
  }
}

// The layer run by a oneDNN kernel and by the reference backend's.
struct CpuAndReference {
  Output cpu;
  Output ref;
};

// Runs the layer on both backends; fails (and returns nothing) when either does not run it, and
// fails when the CPU kernel's name does not start with `kernel_prefix`.
inline std::optional<CpuAndReference> run_cpu_and_reference(Int8Layer& t,
                                                            const std::string& kernel_prefix) {
  auto out = t.run_cpu();
  EXPECT_TRUE(out.has_value());
  if (!out.has_value()) return std::nullopt;
  EXPECT_EQ(out->kernel.rfind(kernel_prefix, 0), 0u) << out->kernel;
  auto ref = t.run_reference();
  EXPECT_TRUE(ref.has_value());
  if (!ref.has_value()) return std::nullopt;
  return CpuAndReference{std::move(*out), std::move(*ref)};
}

// The oneDNN kernel's output equals the naive loop's and the reference kernel's (INT8), or is
// within `float_tolerance` of both (float32).
inline void expect_matches_naive_and_reference(Int8Layer& t, const std::string& kernel_prefix,
                                               const Expected& expected, bool int8_output,
                                               float float_tolerance) {
  auto runs = run_cpu_and_reference(t, kernel_prefix);
  ASSERT_TRUE(runs.has_value());
  const Output& out = runs->cpu;
  const Output& ref = runs->ref;
  if (int8_output) {
    EXPECT_TRUE(int8_equal(out.q, expected.q)) << out.kernel << " vs the naive loop";
    EXPECT_TRUE(int8_equal(out.q, ref.q)) << out.kernel << " vs " << ref.kernel;
  } else {
    EXPECT_TRUE(float_close(out.f, expected.f, float_tolerance)) << out.kernel;
    EXPECT_TRUE(float_close(out.f, ref.f, float_tolerance)) << out.kernel << " vs " << ref.kernel;
  }
}

}  // namespace int8rt::int8_testing
