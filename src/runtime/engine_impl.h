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

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/kernel.h"
#include "int8rt/builder.h"
#include "int8rt/engine.h"
#include "int8rt/network.h"

namespace int8rt::detail {

struct EngineTensor {
  std::string name;
  DataType dtype = DataType::kFloat;
  Dims dims;
  Weights constant;  // non-empty for constants: the host value (the data lives in the engine)
  // A constant's copy in device memory, uploaded once when the engine is lowered (location
  // kDevice); shared by every context.
  std::shared_ptr<std::byte> device_constant;
  Layout layout;  // plain for constants, network inputs and outputs
  TensorLocation location = TensorLocation::kHost;
  // Byte offset in the context's arena for its location, for tensors computed by steps; -1
  // otherwise.
  int64_t arena_offset = -1;
  bool is_constant() const { return !constant.empty() || device_constant != nullptr; }
  size_t byte_size() const {
    return layout.is_plain() ? static_cast<size_t>(dims.volume()) * element_size(dtype)
                             : layout.desc()->byte_size();
  }
};

// One kernel invocation. Tensor ids index EngineImpl::tensors; -1 is an absent optional input.
struct EngineStep {
  std::string layer_name;
  OpType op = OpType::kIdentity;
  // A layout conversion or a copy between memory spaces the builder inserted (op is then
  // meaningless).
  bool is_reorder = false;
  DataType precision = DataType::kFloat;
  KernelPtr kernel;
  const Backend* backend = nullptr;  // the kernel's: where it runs and what memory it reads
  std::vector<int> inputs;
  std::vector<int> outputs;
};

// Lowerings of an engine's graph for other input shapes (runtime/input_shapes.h), keyed by the
// inputs' extents.
struct ShapeVariants {
  std::mutex mutex;
  std::map<std::vector<std::vector<int64_t>>, std::shared_ptr<const EngineImpl>> lowered;
};

// An ExecutionContext's StreamState on each backend its engine's steps run on (nullptr for a
// backend that keeps none).
struct StreamStates {
  std::vector<std::pair<const Backend*, std::unique_ptr<StreamState>>> states;
  StreamState* get(const Backend* backend) const {
    for (const auto& [b, state] : states) {
      if (b == backend) return state.get();
    }
    return nullptr;
  }
};

// What a lowering may choose besides the graph (a plan records it: loading lowers again).
struct LoweringOptions {
  bool allow_fp16 = false;  // BuilderFlag::kFp16
};

// One arena and one scratch buffer per memory space.
inline constexpr size_t kNumLocations = 2;
inline size_t location_index(TensorLocation location) {
  return static_cast<size_t>(location);
}

class EngineImpl {
 public:
  const Backend* backend = nullptr;  // the target; steps may run on its fallbacks
  LoweringOptions options;
  std::shared_ptr<const Network> network;  // the graph lowered into `steps`
  std::vector<EngineTensor> tensors;
  std::vector<EngineStep> steps;  // in execution order
  std::vector<int> input_ids;     // engine input i is tensors[input_ids[i]]
  std::vector<int> output_ids;
  std::vector<IoTensor> inputs;
  std::vector<IoTensor> outputs;
  // Per memory space (location_index): the activations of one context (see
  // EngineTensor::arena_offset) and the largest Kernel::scratch_bytes() of the steps there.
  std::array<size_t, kNumLocations> arena_bytes{};
  std::array<size_t, kNumLocations> scratch_bytes{};
  // The backends whose kernels the steps run (a context makes one StreamState for each).
  std::vector<const Backend*> step_backends;
  // Where network inputs and outputs live: the target's memory space.
  TensorLocation io_location() const { return backend->memory_space(); }
  mutable ShapeVariants variants;
};

}  // namespace int8rt::detail
