// The reference backend: plain, obviously-correct kernels for every op. It defines int8rt's
// numbers; every other backend is tested against it. It also evaluates constant subgraphs at build
// time.
#pragma once

#include <vector>

#include "backends/kernel.h"
#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt::reference {

// One factory per op (declared from ops.inc, defined in src/backends/reference/<family>.cpp).
#define INT8RT_OP(name, attrs) Result<KernelPtr> make_##name(const Layer& layer);
#include "int8rt/ops.inc"
#undef INT8RT_OP

// Whether the reference backend has an INT8 kernel for `layer` (its op and, where it matters, its
// configuration): the builder runs a layer in INT8 only when this holds. Defined with the INT8
// kernels (src/backends/reference/int8_*.cpp).
bool supports_int8(const Layer& layer);

// The reference kernel for `layer` (shapes already inferred). Each op's factory chooses its INT8
// kernel when the layer's data inputs are kInt8 (see src/ir/quantization.h).
Result<KernelPtr> create_kernel(const Layer& layer);

// Runs `layer` on constant inputs (absent optional inputs are empty Weights) and returns its
// outputs; the layer's outputs must have inferred dtypes and shapes.
Result<std::vector<Weights>> evaluate(const Layer& layer, const std::vector<Weights>& inputs);

}  // namespace int8rt::reference
