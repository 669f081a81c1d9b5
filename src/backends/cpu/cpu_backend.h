// The fast CPU backend: oneDNN primitives for the layers where they pay, chosen for the ISA that
// oneDNN detects at run time (AVX-512, AVX2, ...; ONEDNN_MAX_CPU_ISA caps it).
//
// Kernels of this backend may read and write activations in oneDNN layouts (NHWC, nChw16c, ...):
// see Layout in backends/kernel.h for how the builder propagates them.
#pragma once

#include <span>

#include "backends/kernel.h"
#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt::cpu {

// A oneDNN kernel for `layer`, nullptr when this backend does not handle the layer's configuration
// (the builder then uses the reference kernel), or an error when creating a supported one failed.
// `input_layouts` holds the layout each input is produced in (plain for constants, network inputs
// and absent inputs).
Result<KernelPtr> create_kernel(const Layer& layer, std::span<const Layout> input_layouts);

// A kernel copying a tensor of `dims`/`dtype` from layout `from` to layout `to`.
Result<KernelPtr> create_reorder(DataType dtype, const Dims& dims, const Layout& from,
                                 const Layout& to);

// The INT8 capability of this CPU as oneDNN uses it (dnnl::get_effective_cpu_isa(), so
// ONEDNN_MAX_CPU_ISA counts): kVnniOrAmx when int8 dot products accumulate in one instruction
// (AVX512-VNNI, AVX-VNNI, AMX), kAvx2 when they take the slower vpmaddubsw sequence, kNone below.
enum class Int8Isa { kVnniOrAmx, kAvx2, kNone };
Int8Isa int8_isa();
// INT8 kernels are markedly faster than FP32 ones here (int8_isa() is kVnniOrAmx).
bool has_fast_int8();

}  // namespace int8rt::cpu
