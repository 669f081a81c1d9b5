// Oracles for the INT8 reference kernel tests, written apart from src/backends/quant.cpp: rounding
// by floor and an explicit tie test, weight quantization by its definition, and the float32 output
// stage spelled out per docs/int8.md.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "int8rt/network.h"
#include "kernels/reference_compute_test_util.h"

namespace int8rt::int8_testing {

// Round half to even by floor and tie test, then clamp to [-127, 127].
inline int rne_clamp(double v) {
  if (v >= 127.0) return 127;
  if (v <= -127.0) return -127;
  const double f = std::floor(v);
  const double frac = v - f;
  auto r = static_cast<int>(f);
  if (frac > 0.5 || (frac == 0.5 && r % 2 != 0)) ++r;
  return r;
}

inline float scale_of(float amax) {
  return amax > 0.0f ? amax / 127.0f : 1.0f;
}

inline std::vector<int8_t> random_int8(int64_t count, uint32_t seed, int lo = -127, int hi = 127) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<int8_t> v(static_cast<size_t>(count));
  for (auto& x : v)
    x = static_cast<int8_t>(dist(rng));
  return v;
}

// Per-channel weights of `w` (channel-major, `per` values per channel) by the definition.
struct OracleWeights {
  std::vector<int> q;
  std::vector<float> scale;
};
inline OracleWeights oracle_weights(const std::vector<float>& w, int64_t channels, int64_t per) {
  OracleWeights out;
  for (int64_t c = 0; c < channels; ++c) {
    float amax = 0.0f;
    for (int64_t i = 0; i < per; ++i)
      amax = std::max(amax, std::fabs(w[static_cast<size_t>(c * per + i)]));
    const float s = scale_of(amax);
    out.scale.push_back(s);
    for (int64_t i = 0; i < per; ++i) {
      const float ratio = w[static_cast<size_t>(c * per + i)] / s;
      out.q.push_back(rne_clamp(ratio));
    }
  }
  return out;
}

// The float32 activation of the contract (quant.h).
inline float oracle_act(float x, const FusedActivation& act) {
  switch (act.kind) {
    case ActivationKind::kRelu:
      return x < 0.0f ? 0.0f : x;
    case ActivationKind::kLeakyRelu:
      return x >= 0.0f ? x : act.alpha * x;
    case ActivationKind::kClip:
      return x < act.alpha ? act.alpha : (x > act.beta ? act.beta : x);
    case ActivationKind::kHardSwish: {
      const float r = x + 3.0f < 0.0f ? 0.0f : (x + 3.0f > 6.0f ? 6.0f : x + 3.0f);
      return x * r / 6.0f;
    }
    case ActivationKind::kSigmoid:
      return 1.0f / (1.0f + std::exp(-x));
    case ActivationKind::kNone:
      break;
  }
  return x;
}

// The output stage for one element, per docs/int8.md. `s_out` 0 means a float output.
struct StageParams {
  float s_in = 1.0f;
  float s_out = 0.0f;  // 0: float output
  bool has_bias = false;
  bool has_residual = false;
  float s_residual = 1.0f;
  FusedActivation act;
};
inline float oracle_stage(const StageParams& p, int64_t acc, float s_w, float bias, int residual) {
  const bool int8_out = p.s_out != 0.0f;
  const bool homogeneous =
      p.act.kind == ActivationKind::kNone || p.act.kind == ActivationKind::kRelu ||
      p.act.kind == ActivationKind::kLeakyRelu || p.act.kind == ActivationKind::kClip;
  const float real_scale = p.s_in * s_w;
  const bool output_units = int8_out && homogeneous;
  const float scale = output_units ? real_scale / p.s_out : real_scale;
  float v = static_cast<float>(acc);
  if (p.has_bias) {
    const float folded = bias / real_scale;
    v = v + folded;
  }
  v = scale * v;
  if (p.has_residual) {
    const float rs = output_units ? p.s_residual / p.s_out : p.s_residual;
    v = std::fma(rs, static_cast<float>(residual), v);
  }
  FusedActivation act = p.act;
  if (output_units && act.kind == ActivationKind::kClip) {
    act.alpha = act.alpha / p.s_out;
    act.beta = act.beta / p.s_out;
  }
  v = oracle_act(v, act);
  if (int8_out && !homogeneous) v = v * (1.0f / p.s_out);
  return int8_out ? static_cast<float>(rne_clamp(v)) : v;
}

// Output 0 of `t` as floats (int8 outputs converted), empty after a failure.
inline std::vector<float> run_as_floats(compute_testing::RefLayer& t) {
  std::vector<Weights> out = t.run();
  if (out.empty()) return {};
  std::vector<float> v(static_cast<size_t>(out[0].count()));
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = out[0].dtype() == DataType::kInt8 ? static_cast<float>(out[0].data_as<int8_t>()[i])
                                             : out[0].data_as<float>()[i];
  }
  return v;
}

// An int8 input of `t` holding `values`, with range ±amax.
inline Tensor* int8_input(compute_testing::RefLayer& t, Dims dims,
                          const std::vector<int8_t>& values, float amax) {
  Tensor* x = t.input<int8_t>(std::move(dims), values, DataType::kInt8);
  EXPECT_TRUE(x->set_dynamic_range(-amax, amax).is_ok());
  return x;
}

// Makes output 0 of `layer` int8 with range amax (or leaves it float32 when amax is 0).
inline void set_int8_output(Layer* layer, float amax) {
  if (amax == 0.0f) return;
  layer->output(0)->set_dtype(DataType::kInt8);
  EXPECT_TRUE(layer->output(0)->set_dynamic_range(-amax, amax).is_ok());
}

// Bitwise comparison (exact), reporting the first mismatches with the configuration.
inline void expect_exact(const std::vector<float>& actual, const std::vector<float>& expected,
                         const std::string& config) {
  ASSERT_EQ(actual.size(), expected.size()) << config;
  int reported = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    if (!(actual[i] == expected[i]) && !(std::isnan(actual[i]) && std::isnan(expected[i]))) {
      ADD_FAILURE() << config << ": element " << i << " is " << actual[i] << ", expected "
                    << expected[i];
      if (++reported == 5) return;
    }
  }
}

// The int8 output range for outputs whose real values are `real`: 80% of the largest magnitude,
// so that some outputs saturate; 0 (a float32 output) when !int8_out.
inline float saturating_amax(const std::vector<double>& real, bool int8_out) {
  double real_max = 0.0;
  for (double v : real)
    real_max = std::max(real_max, std::fabs(v));
  return int8_out ? static_cast<float>(0.8 * real_max) + 0.01f : 0.0f;
}

// `got` against the float model `want` (real values after the activation): within the weight
// rounding error bound `bound` plus a float ulp margin; for an int8 output (amax_out > 0) in output
// steps, clamped to ±127, plus half a step. Stops at the first element out of bounds. Counts the
// saturated expectations in `saturated` when given.
inline void expect_near_float_model(const std::vector<float>& got, const std::vector<double>& want,
                                    const std::vector<double>& bound, float amax_out,
                                    const std::string& where, int* saturated = nullptr) {
  ASSERT_EQ(got.size(), want.size()) << where;
  for (size_t i = 0; i < got.size(); ++i) {
    double w = want[i];
    double slack = bound[i] + 1e-4 * (1 + std::fabs(w));
    if (amax_out != 0.0f) {
      const double s_out = amax_out / 127.0;
      w = std::clamp(w / s_out, -127.0, 127.0);
      slack = slack / s_out + 0.5 + 1e-3;
      if (saturated != nullptr && std::fabs(w) >= 127.0) ++*saturated;
    }
    ASSERT_LE(std::fabs(got[i] - w), slack) << where << " element " << i;
  }
}

}  // namespace int8rt::int8_testing
