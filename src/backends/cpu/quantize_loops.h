// The element loop of the CPU Quantize reformat (quantize.cpp), vectorized per instruction set
// and bit for bit equal to quant::quantize:
//
//   q = clamp(rne(x / scale), -127, 127), NaN -> 0
//     y = x / scale            a division (divps), correctly rounded like the scalar divss
//     y = ordered(y) ? y : +0  NaN -> 0 before the clamp (maxps/minps would pass it through)
//     y = min(max(y, -127), 127)
//     q = cvtps2dq(y)          rounds in the MXCSR mode, to nearest even by default: the mode
//                              std::nearbyint uses too; |y| <= 127 so the int8 packing is exact
//
// (Dequantize, one multiplication per value, is oneDNN's scaled reorder: as fast and as exact.)
//
// The library is compiled for baseline x86-64, so the AVX2 and AVX-512 loops are target clones
// chosen at run time (the CPU's support, capped by oneDNN's ONEDNN_MAX_CPU_ISA). Other
// architectures use the scalar contract functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace int8rt::cpu {

enum class QuantizeIsa { kScalar, kSse2, kAvx2, kAvx512 };

std::string_view to_string(QuantizeIsa isa);

// The widest loop this CPU runs, capped by oneDNN's effective ISA (so ONEDNN_MAX_CPU_ISA=AVX2
// gives kAvx2).
QuantizeIsa best_quantize_isa();
// Whether this CPU can run `isa`'s loops.
bool quantize_isa_supported(QuantizeIsa isa);

// q[i] = quant::quantize(x[i], scale) for i in [0, count), single-threaded. `isa` must be
// supported.
void quantize_values(QuantizeIsa isa, const float* x, int8_t* q, int64_t count, float scale);

}  // namespace int8rt::cpu
