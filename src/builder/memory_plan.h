// Memory planning: where each activation lives in an ExecutionContext's arena.
//
// Every tensor computed by a step is live from the step that writes it to the last step that
// reads it (network outputs: to the end, they are copied out after the last step). Tensors whose
// lifetimes do not overlap may share bytes. When a kernel computes in place (Kernel::
// inplace_input()) and its input is not read after that step, the output takes the input's bytes
// outright (e.g. a residual Conv accumulating into the block's input). Buffers are then placed
// greedily, largest first, at the lowest 64-byte aligned offset that no overlapping buffer uses.
#pragma once

#include "runtime/engine_impl.h"

namespace int8rt {

// Sets arena_offset of every step-computed tensor, arena_bytes and scratch_bytes: one arena per
// memory space (host, device), planned independently.
void plan_memory(detail::EngineImpl& engine);

}  // namespace int8rt
