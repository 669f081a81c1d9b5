// The oneDNN kernel factories, one per op family (src/backends/cpu/<family>.cpp). Each returns a
// kernel, a null kernel when it does not handle the layer's configuration (the builder falls back
// to the reference kernel), or an error. `input_layouts` are the layouts the layer's inputs are
// produced in; a kernel may adopt them (elementwise ops, pooling) or ask for others (conv).
//
// INT8 (a data input is kInt8 with a range; int8_*.cpp, quantize.cpp, docs/int8.md "oneDNN
// backend notes"): conv and matmul with s8 sources (s8 NHWC activations propagate like f32 ones:
// the element type is part of a layout), weights quantized per output channel by quant.h and
// packed once, per-channel output scales and the output stage as post-ops; pooling, Add and Concat
// on s8; Quantize as a loop, Dequantize as a scaled reorder. Every INT8 kernel matches the
// reference INT8 kernels bit for bit, or is not created.
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
// oneDNN's concat of the layer's inputs along `axis`, all of `dtype` (float32 or int8 with equal
// scales), each read in its layout.
Result<KernelPtr> make_concat_primitive(const Layer& layer, std::span<const Layout> input_layouts,
                                        int axis, DataType dtype);
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
