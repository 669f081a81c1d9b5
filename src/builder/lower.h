// Lowering: the kernels, layouts and memory plan of a finished graph.
//
// The last step of a build, and the only one a plan file or an ExecutionContext running other
// input shapes repeats: the graph must already be optimized, its shapes static, its dtypes and
// precisions assigned. Lowering never changes the graph; the engine keeps a copy of it
// (EngineImpl::network) to be serialized or lowered again.
#pragma once

#include <memory>

#include "int8rt/builder.h"
#include "int8rt/logger.h"
#include "int8rt/network.h"
#include "runtime/engine_impl.h"

namespace int8rt::detail {

// One step per layer (with reorders between layouts), engine tensors, arena offsets. Kernel-level
// details go to `logger` at kVerbose; errors name the layer.
Result<std::shared_ptr<EngineImpl>> lower(const Network& network, Backend backend, Logger& logger);

}  // namespace int8rt::detail
