// The INT8 contract (docs/int8.md, backends/quant.h) on the device. Every product, sum and
// quotient is an explicit IEEE round-to-nearest intrinsic (__fmul_rn, __fadd_rn, __fdiv_rn), which
// nvcc never contracts into a fused multiply-add; min and max follow std::min/std::max (a NaN
// first operand stays NaN), not fminf/fmaxf. So each function returns, bit for bit, what its host
// counterpart in quant.cpp returns.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "int8rt/attrs.h"

namespace int8rt::cuda {

__device__ __forceinline__ float std_max(float a, float b) {
  return a < b ? b : a;
}
__device__ __forceinline__ float std_min(float a, float b) {
  return b < a ? b : a;
}

// clamp(rne(v), -127, 127); NaN gives 0 (quant::saturate_rne).
__device__ __forceinline__ int8_t saturate_rne(float v) {
  if (isnan(v)) return 0;
  return static_cast<int8_t>(__float2int_rn(std_min(std_max(v, -127.0f), 127.0f)));
}

// q = clamp(rne(x / scale)): a division, as the contract says (quant::quantize).
__device__ __forceinline__ int8_t quantize_value(float x, float scale) {
  return saturate_rne(__fdiv_rn(x, scale));
}

// quant::requantize: q itself for a ratio of exactly 1.
__device__ __forceinline__ int8_t requantize_value(int8_t q, float ratio) {
  return ratio == 1.0f ? q : saturate_rne(__fmul_rn(static_cast<float>(q), ratio));
}

// The fused activation (quant::apply_activation). Sigmoid uses CUDA's expf, which may differ from
// the host's std::exp in the last bit: the one result here that is not bit-exact (its tolerance is
// stated with its tests).
struct DeviceActivation {
  ActivationKind kind = ActivationKind::kNone;
  float alpha = 0.0f;
  float beta = 0.0f;
};

__device__ __forceinline__ float apply_activation(float x, const DeviceActivation& act) {
  switch (act.kind) {
    case ActivationKind::kNone:
      return x;
    case ActivationKind::kRelu:
      return x > 0.0f ? x : 0.0f;
    case ActivationKind::kClip:
      return std_min(std_max(x, act.alpha), act.beta);
    case ActivationKind::kLeakyRelu:
      return x < 0.0f ? __fmul_rn(act.alpha, x) : x;
    case ActivationKind::kHardSwish:
      return __fdiv_rn(__fmul_rn(x, std_min(std_max(__fadd_rn(x, 3.0f), 0.0f), 6.0f)), 6.0f);
    case ActivationKind::kSigmoid:
      return __fdiv_rn(1.0f, __fadd_rn(1.0f, expf(-x)));
  }
  return x;
}

// quant::OutputStage on the device: per-channel scales and biases in device memory, the rest by
// value.
struct DeviceOutputStage {
  const float* scales = nullptr;  // per output channel
  const float* bias = nullptr;    // per output channel; null: no bias
  bool has_residual = false;
  float residual_scale = 0.0f;
  DeviceActivation activation;
  bool has_post_scale = false;
  float post_scale = 1.0f;
  bool int8_output = true;

  //   v = scales[c] * (float(acc) + bias[c]);  v = fma(residual_scale, R, v);  v = act(v);
  //   v = v * post_scale;  an int8 output is clamp(rne(v)).
  __device__ __forceinline__ float finish(int32_t acc, int64_t c, int8_t residual) const {
    float v = static_cast<float>(acc);
    if (bias != nullptr) v = __fadd_rn(v, bias[c]);
    v = __fmul_rn(scales[c], v);
    if (has_residual) v = __fmaf_rn(residual_scale, static_cast<float>(residual), v);
    v = apply_activation(v, activation);
    if (has_post_scale) v = __fmul_rn(v, post_scale);
    return v;
  }
};

}  // namespace int8rt::cuda
