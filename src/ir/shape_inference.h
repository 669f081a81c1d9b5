// Shape inference: output dtypes and shapes of a layer from its inputs.
//
// Runs in the builder on its private copy of the network, once every input shape is static. Each
// op's function (one per op, declared from ops.inc, defined in src/ir/ops/<family>.cpp):
//   - checks the inputs (count, dtypes, ranks, constant-ness of parameter inputs such as Reshape's
//     shape) and the attributes, with errors naming the layer: `Conv "conv2": weight has 3 dims,
//     expected 4 (OIHW)`;
//   - sets every output's dtype and static dims;
//   - may canonicalize the attributes (fill in default strides/pads/kernel_shape, resolve
//     auto_pad into explicit pads), so that kernels see explicit values only.
#pragma once

#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt::ir {

#define INT8RT_OP(name, attrs) Status infer_##name(Layer& layer);
#include "int8rt/ops.inc"
#undef INT8RT_OP

// Dispatches to the op's function. Requires static shapes on every present input.
Status infer_layer(Layer& layer);

}  // namespace int8rt::ir
