// The INT8 quantization contract in code (docs/int8.md): scalar rounding, weight quantization,
// bias folding and the output stage of Conv/Gemm/MatMul. Every backend prepares its INT8 kernels
// with these functions, so that the numbers it is compared against bit for bit are computed the
// same way; the reference kernels also run them element by element.
//
// All arithmetic is float32 in the order written here (no fused multiply-add unless std::fma is
// written out). Rounding is to nearest, ties to even; int8 results are clamped to [-127, 127]
// before rounding (the same as after, since ±127 are integers), so -128 is never produced.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "int8rt/attrs.h"

namespace int8rt::quant {

inline constexpr float kQMax = 127.0f;

// clamp(rne(v), -127, 127); NaN gives 0.
int8_t saturate_rne(float v);

// Quantize (float -> int8): clamp(rne(x / scale), -127, 127). The division is the contract (not a
// multiplication by 1 / scale).
int8_t quantize(float x, float scale);

// Dequantize (int8 -> float): q * scale.
inline float dequantize(int8_t q, float scale) {
  return static_cast<float>(q) * scale;
}

// Requantize to another scale: clamp(rne(float(q) * ratio), -127, 127) with ratio = s_in / s_out
// (see requantize_ratio). A ratio of exactly 1 returns q unchanged.
int8_t requantize(int8_t q, float ratio);
inline float requantize_ratio(float s_in, float s_out) {
  return s_in / s_out;
}

// Symmetric per-output-channel weights: `values` holds the int8 weights channel-major
// ([channels][per_channel], the layout they were given in), `scales` one scale per channel.
struct PerChannelWeights {
  std::vector<int8_t> values;
  std::vector<float> scales;
};

// scale_c = max_i |w[c, i]| / 127 (1 for a channel of zeros), q = clamp(rne(w / scale_c)).
// `w` is channel-major: channel c is w[c * per_channel, (c + 1) * per_channel).
PerChannelWeights quantize_per_channel(const float* w, int64_t channels, int64_t per_channel);

// Gemm's effective weights by output column, channel-major [N][K]: w[j][k] = alpha * B'[k][j]
// with B' = B or B^T (B is [K, N], or [N, K] with trans_b). The multiplication by alpha is
// skipped when alpha == 1. MatMul uses alpha = 1, trans_b = false.
std::vector<float> gemm_weights_by_column(const float* b, int64_t k, int64_t n, bool trans_b,
                                          float alpha);

// Gemm's bias per output column: bias[j] = beta * C[j] (C of 1 or N elements, broadcast along the
// rows; the multiplication by beta is skipped when beta == 1).
std::vector<float> gemm_bias(const float* c, int64_t c_count, int64_t n, float beta);

// The output stage of an INT8 Conv/Gemm/MatMul. With acc the int32 accumulation of int8 x int8
// for output channel c, and R the optional int8 residual (Conv input 3):
//
//   v = scales[c] * (float(acc) + bias[c])          bias empty: v = scales[c] * float(acc)
//   v = std::fma(residual_scale, float(R), v)       residual only (oneDNN's sum post-op)
//   v = act(v)                                      see apply_activation
//   v = v * post_scale                              only when has_post_scale
//   y = clamp(rne(v), -127, 127)                    int8 output; a float output is v
//
// Parameters (s_in, s_w,c, s_R, s_out: the input, weight, residual and output scales):
//   bias[c]       = bias_c / (s_in * s_w,c)         the bias in the accumulator domain
//   int8 output, activation none/relu/leaky/clip (positively homogeneous, evaluated in output
//   units): scales[c] = (s_in * s_w,c) / s_out, residual_scale = s_R / s_out, clip bounds
//   alpha / s_out and beta / s_out, no post scale.
//   int8 output, hardswish/sigmoid (not homogeneous, evaluated in real units):
//   scales[c] = s_in * s_w,c, residual_scale = s_R, post_scale = 1 / s_out.
//   float output: scales[c] = s_in * s_w,c, residual_scale = s_R, no post scale.
struct OutputStage {
  bool int8_output = true;
  std::vector<float> scales;
  std::vector<float> bias;  // empty: no bias
  bool has_residual = false;
  float residual_scale = 0.0f;
  FusedActivation activation;  // clip bounds already in the units v is in
  bool has_post_scale = false;
  float post_scale = 1.0f;

  // The whole stage for one element (the reference kernels' epilogue).
  float finish(int32_t acc, int64_t channel, int8_t residual) const;
};

// `bias` may be null (no bias); `s_out` is ignored for a float output; `s_residual` only matters
// when `has_residual`.
OutputStage make_output_stage(float s_in, std::span<const float> weight_scales, const float* bias,
                              bool has_residual, float s_residual,
                              const FusedActivation& activation, bool int8_output, float s_out);

// The fused activation in float32:
//   relu x > 0 ? x : 0; leaky x < 0 ? alpha * x : x; clip min(max(x, alpha), beta);
//   hardswish x * min(max(x + 3, 0), 6) / 6 (left to right); sigmoid 1 / (1 + exp(-x)).
float apply_activation(float x, const FusedActivation& act);

}  // namespace int8rt::quant
