// Lowering: the kernels, layouts, memory spaces and memory plan of a finished graph.
//
// The last step of a build, and the only one a plan file or an ExecutionContext running other
// input shapes repeats: the graph must already be optimized, its shapes static, its dtypes and
// precisions assigned. Lowering never changes the graph; the engine keeps a copy of it
// (EngineImpl::network) to be serialized or lowered again.
//
// Each layer goes to the target backend, or, when it has no kernel for the layer, down its
// fallback chain (cuda -> cpu -> reference). A tensor has one engine tensor per (memory space,
// layout) it is needed in; the builder adds a reorder step where a consumer needs another layout
// and a transfer step where it needs another memory space (each transfer is a warning in the
// build log: a layer the device could not run).
#pragma once

#include <memory>

#include "backends/backend.h"
#include "int8rt/logger.h"
#include "int8rt/network.h"
#include "runtime/engine_impl.h"

namespace int8rt::detail {

// One step per layer (with reorders and transfers), engine tensors, arena offsets. Kernel-level
// details go to `logger` at kVerbose; errors name the layer.
Result<std::shared_ptr<EngineImpl>> lower(const Network& network, const Backend& backend,
                                          const LoweringOptions& options, Logger& logger);

}  // namespace int8rt::detail
