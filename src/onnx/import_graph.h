// Imports an ONNX ModelProto's graph into a network.
#pragma once

#include <onnx/onnx_pb.h>

#include "int8rt/logger.h"
#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt::onnx_import {

// The opsets of the default domain ("" / "ai.onnx") that int8rt imports. Opsets 1 to 6 are
// upgraded too (the broadcast/axis attributes of the binary ops, Reshape-1's shape attribute,
// Cast-1's type names, ...); only the experimental Upsample-1 is not imported.
inline constexpr int kMinOpset = 1;
inline constexpr int kMaxOpset = 17;
// The newest ONNX IR version (the file format around the graph) int8rt reads: IR 11 is ONNX 1.18's.
// A file that declares a newer one may use what int8rt can't read, and is refused; older ones
// and files that declare none (0) are read.
inline constexpr int64_t kMaxIrVersion = 11;

// Imports `model` into `network`, which should be empty (names must not clash). On failure the
// network holds whatever was imported before the error: import into a scratch network.
//
// Initializers become constants (also those that are graph inputs); the other graph inputs become
// network inputs; nodes are imported in topological order whatever their order in the file; graph
// outputs are marked as outputs.
Status import_model(const onnx::ModelProto& model, Network& network, Logger& logger);

}  // namespace int8rt::onnx_import
