// The oneDNN kernel factories, one per op family (src/backends/cpu/<family>.cpp). Each returns a
// kernel, a null kernel when it does not handle the layer's configuration (the builder falls back
// to the reference kernel), or an error. `input_layouts` are the layouts the layer's inputs are
// produced in; a kernel may adopt them (elementwise ops, pooling) or ask for others (conv).
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

}  // namespace int8rt::cpu
