// The rewrite every fusion pass shares: a producer layer absorbs the one layer that reads its
// output.
//
//   before:  X ─▶ producer ─▶ t ─▶ consumer ─▶ y ─▶ ...
//   after:   X ─▶ producer+consumer ─▶ y ─▶ ...
//
// The intermediate tensor t disappears; y keeps its name (it may be a network output), its dtype,
// its shape and its dynamic range. The fused layer takes the consumer's place in the layer order,
// so any other input the consumer read (a residual, a bias) is computed before it.
#pragma once

#include <string_view>

#include "int8rt/logger.h"
#include "int8rt/network.h"
#include "int8rt/status.h"
#include "ir/graph_editor.h"

namespace int8rt::passes {

// The layer that alone reads `producer`'s output 0 through its input 0, when a fusion may remove
// that tensor: the tensor is not a network output, no other layer or input slot reads it, the
// reader has exactly one output, and the two layers' precision requests agree. nullptr otherwise.
Layer* fusible_consumer(const ir::GraphEditor& editor, const Layer& producer);

// Like fusible_consumer, for a consumer that reads `tensor` through any of its inputs (Add).
bool is_fusible_edge(const ir::GraphEditor& editor, const Tensor& tensor, const Layer& consumer);

// Performs the rewrite above: `producer` (already rewritten by the caller to compute what the
// pair computed) moves to `consumer`'s slot, takes over its output 0 and a precision request it
// had, and is renamed "<producer>+<consumer>"; `consumer` is removed. Re-runs shape inference on
// the producer and fails with an internal error if the result no longer matches y's shape. Logs
// one kVerbose line: `fuse_conv_activation: Conv "conv1" + Relu "relu1" -> "conv1+relu1"`, naming
// the producer's op as `producer_op` when given (a pass that changed the op, MatMul -> Gemm).
Status absorb_consumer(ir::GraphEditor& editor, Layer& producer, Layer& consumer, Logger& logger,
                       std::string_view pass, std::string_view producer_op = {});

}  // namespace int8rt::passes
