// What the oneDNN INT8 kernels share: which layers run INT8, per-channel weight quantization, the
// requantization parameters of the contract (docs/int8.md) as oneDNN attributes, and the ISA
// query.
//
// Contract (src/ir/quantization.h): an INT8 tensor has scale s = amax / 127, zero point 0 and
// values in [-127, 127]. A conv / matmul computes, per output channel c,
//   y = clamp(rne(act(oscale_c · (float(acc) + b'_c) [+ s_R / s_out · R])), -127, 127)
// with b'_c = bias_c / (s_in · s_w,c) and oscale_c = s_in · s_w,c / s_out (float32, in that
// order); for a float32 output oscale_c = s_in · s_w,c and nothing is rounded or clamped.
// oneDNN v2 computes exactly this: bias in the accumulator domain, then the output scale, then the
// post-ops (sum, eltwise), then the saturating conversion with rounding to nearest even.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <vector>

#include "int8rt/attrs.h"
#include "int8rt/network.h"

namespace int8rt::cpu {

// A tensor computed at run time and stored as INT8.
inline bool is_int8_data(const Tensor* tensor) {
  return tensor != nullptr && !tensor->is_constant() && tensor->dtype() == DataType::kInt8;
}

// The INT8 scale amax / 127 of a tensor whose range is set, finite and non-zero; else nullopt.
std::optional<float> int8_scale_of(const Tensor& tensor);

// Whether any non-constant input of `layer` is INT8: such a layer runs an INT8 kernel.
bool has_int8_input(const Layer& layer);

// Weights quantized symmetrically per channel along `axis`: scale_c = max|w_c| / 127 (1 for an
// all-zero channel), q = clamp(rne(w / scale_c), -127, 127). `values` has w's dims, dtype kInt8.
struct ChannelQuantized {
  Weights values;
  std::vector<float> scales;
};
ChannelQuantized quantize_per_channel(const Weights& w, int axis);

// b'_c = bias_c / (s_in · s_w,c); `bias` may be null (then empty).
std::vector<float> accumulator_bias(const float* bias, float s_in, const std::vector<float>& s_w);
// oscale_c = s_in · s_w,c / s_out, or s_in · s_w,c when `s_out` is nullopt (float32 output).
std::vector<float> output_scales(float s_in, const std::vector<float>& s_w,
                                 std::optional<float> s_out);

// Appends the INT8 epilogue after the output scales: sum of the residual (scale s_R / s_out) when
// `residual_scale` is set, the fused activation, and for an INT8 output the clip to [-127, 127]
// (so that -128 never appears). False when the activation has no bit-exact oneDNN equivalent.
bool append_int8_post_ops(dnnl::post_ops& ops, const FusedActivation& activation,
                          std::optional<float> residual_scale, bool int8_output);

// oneDNN's element type of an INT8-path tensor: s8 for kInt8, f32 for kFloat, undef otherwise.
dnnl::memory::data_type int8_path_type(DataType type);

}  // namespace int8rt::cpu
