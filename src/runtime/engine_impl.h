// The built engine's immutable state, shared by Engine and every ExecutionContext.
//
// Tensors. Every network tensor has an engine tensor in the layout its producer writes; when a
// consumer (or the network output) needs another layout, the builder adds an engine tensor for
// that layout and a reorder step computing it (backends/kernel.h, "Memory layouts"). Tensors
// computed by steps live in one per-context arena at offsets planned at build time from their
// lifetimes (builder/memory_plan.h); constants live in the engine; network inputs are read from
// the caller's buffers.
//
// The engine keeps the graph it was lowered from (`network`: optimized, static shapes, dtypes and
// precisions final): plan files store it, and contexts running other input shapes lower it again
// (runtime/input_shapes.h).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backends/kernel.h"
#include "int8rt/builder.h"
#include "int8rt/engine.h"
#include "int8rt/network.h"

namespace int8rt::detail {

struct EngineTensor {
  std::string name;
  DataType dtype = DataType::kFloat;
  Dims dims;
  Weights constant;  // non-empty for constants: the data lives here, not in a context
  Layout layout;     // plain for constants, network inputs and outputs
  // Byte offset in the context's arena for tensors computed by steps; -1 otherwise.
  int64_t arena_offset = -1;
  size_t byte_size() const {
    return layout.is_plain() ? static_cast<size_t>(dims.volume()) * element_size(dtype)
                             : layout.desc()->byte_size();
  }
};

// One kernel invocation. Tensor ids index EngineImpl::tensors; -1 is an absent optional input.
struct EngineStep {
  std::string layer_name;
  OpType op = OpType::kIdentity;
  bool is_reorder = false;  // a layout conversion the builder inserted (op is then meaningless)
  DataType precision = DataType::kFloat;
  KernelPtr kernel;
  std::vector<int> inputs;
  std::vector<int> outputs;
};

// Lowerings of an engine's graph for other input shapes (runtime/input_shapes.h), keyed by the
// inputs' extents.
struct ShapeVariants {
  std::mutex mutex;
  std::map<std::vector<std::vector<int64_t>>, std::shared_ptr<const EngineImpl>> lowered;
};

class EngineImpl {
 public:
  std::string backend;
  Backend backend_kind = Backend::kCpu;
  std::shared_ptr<const Network> network;  // the graph lowered into `steps`
  std::vector<EngineTensor> tensors;
  std::vector<EngineStep> steps;  // in execution order
  std::vector<int> input_ids;     // engine input i is tensors[input_ids[i]]
  std::vector<int> output_ids;
  std::vector<IoTensor> inputs;
  std::vector<IoTensor> outputs;
  size_t arena_bytes = 0;    // activations of one context (see EngineTensor::arena_offset)
  size_t scratch_bytes = 0;  // the largest Kernel::scratch_bytes()
  mutable ShapeVariants variants;
};

}  // namespace int8rt::detail
