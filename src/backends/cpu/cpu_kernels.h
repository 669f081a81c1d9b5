// The oneDNN kernel factories, one per op family (src/backends/cpu/<family>.cpp). Each returns a
// kernel, a null kernel when it does not handle the layer's configuration (the builder falls back
// to the reference kernel), or an error. `input_layouts` are the layouts the layer's inputs are
// produced in; a kernel may adopt them (elementwise ops, pooling) or ask for others (conv).
//
// INT8: conv and matmul take the same path with s8/u8 source and destination descriptors (the
// element type is part of a layout, so s8 NHWC activations propagate like f32 ones), weights
// quantized per output channel and packed once by reorder_constant, and the per-channel output
// scales s_in · s_w[c] / s_out set on the primitive_attr (set_output_scales(1 << 1, scales)) next
// to the same post-ops; quantize/dequantize reformats are reorders with a scale attribute.
#pragma once

#include <span>

#include "backends/kernel.h"
#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt::cpu {

Result<KernelPtr> make_conv(const Layer& layer, std::span<const Layout> input_layouts);
Result<KernelPtr> make_conv_transpose(const Layer& layer, std::span<const Layout> input_layouts);
Result<KernelPtr> make_matmul(const Layer& layer, std::span<const Layout> input_layouts);
Result<KernelPtr> make_pooling(const Layer& layer, std::span<const Layout> input_layouts);
Result<KernelPtr> make_eltwise(const Layer& layer, std::span<const Layout> input_layouts);
Result<KernelPtr> make_binary(const Layer& layer, std::span<const Layout> input_layouts);
Result<KernelPtr> make_concat(const Layer& layer, std::span<const Layout> input_layouts);
Result<KernelPtr> make_softmax(const Layer& layer, std::span<const Layout> input_layouts);
Result<KernelPtr> make_batchnorm(const Layer& layer, std::span<const Layout> input_layouts);

// INT8 kernels (the layer has a kInt8 data input; src/backends/cpu/int8_*.cpp) and the reformats
// between INT8 and float32 (quantize.cpp).
Result<KernelPtr> make_int8_conv(const Layer& layer, std::span<const Layout> input_layouts);
Result<KernelPtr> make_int8_matmul(const Layer& layer, std::span<const Layout> input_layouts);
Result<KernelPtr> make_int8_pooling(const Layer& layer, std::span<const Layout> input_layouts);
Result<KernelPtr> make_int8_add(const Layer& layer, std::span<const Layout> input_layouts);
Result<KernelPtr> make_int8_concat(const Layer& layer, std::span<const Layout> input_layouts);
Result<KernelPtr> make_quantize(const Layer& layer, std::span<const Layout> input_layouts);
Result<KernelPtr> make_dequantize(const Layer& layer, std::span<const Layout> input_layouts);

}  // namespace int8rt::cpu
