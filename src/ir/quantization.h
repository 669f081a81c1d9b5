// How INT8 appears in the builder's graph (the quantization contract, docs/int8.md).
//
// A tensor stored as INT8 has dtype kInt8 and a dynamic range; its scale is amax / 127, its zero
// point 0, its values in [-127, 127]. A layer whose data inputs are INT8 runs an INT8 kernel; its
// outputs are INT8 (requantized to their own scales) or float32 (dequantized). Weights and biases
// stay float32 constants in the graph: INT8 kernels quantize weights per output channel when they
// are created (src/backends/quant.h).
#pragma once

#include "int8rt/network.h"

namespace int8rt::ir {

// The INT8 scale of a tensor with a dynamic range: amax / 127.
inline float int8_scale(const Tensor& tensor) {
  return tensor.dynamic_range_amax() / 127.0f;
}

}  // namespace int8rt::ir
