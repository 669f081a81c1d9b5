// What the oneDNN INT8 kernels share: which layers run INT8, per-channel weight quantization, the
// requantization parameters of the contract (docs/int8.md) as oneDNN attributes, and the ISA
// query.
//
// Contract (src/backends/quant.h, docs/int8.md): an INT8 tensor has scale s = amax / 127, zero
// point 0 and values in [-127, 127]. A conv / matmul output stage is, per output channel c,
//   v = scales_c · (float(acc) + bias_c); v = fma(residual_scale, R, v); v = act(v);
//   y = clamp(rne(v), -127, 127)
// which is oneDNN v2's order: bias in the accumulator domain, then the output scales
// (set_output_scales(1 << 1)), then the post-ops (sum, eltwise), then the conversion to s8 with
// rounding to nearest even. Weights are quantized by quant::quantize_per_channel.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <vector>

#include "backends/quant.h"
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

// The output stage (quant::OutputStage: scales and bias set on the primitive separately) as
// oneDNN post-ops after the output scales: sum of the residual (oneDNN computes it as
// fma(residual_scale, R, v), as the stage does), the fused activation, and for an INT8 output the
// clip to [-127, 127] (so that -128 never appears). False when the stage has no bit-exact oneDNN
// form: HardSwish and Sigmoid (oneDNN's polynomial approximations and its multiplication by 1/6
// differ from the reference's libm arithmetic) and a post scale.
bool append_output_stage(dnnl::post_ops& ops, const quant::OutputStage& stage);

// oneDNN's element type of an INT8-path tensor: s8 for kInt8, f32 for kFloat, undef otherwise.
dnnl::memory::data_type int8_path_type(DataType type);

}  // namespace int8rt::cpu
