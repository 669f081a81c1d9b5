// What an ExecutionContext does after each step while a TensorObserver is set (engine.h,
// ObservedTensor): which engine tensors to hand out, under which names, and how to make them
// dense row-major float32.
//
// Naming. insert_reformats moves an INT8 layer's output t to "t:int8" when t is also needed in
// float32, and adds a Dequantize computing t from it. The observer reports the INT8 layer's output
// as t (the value it computed, dequantized) and skips the Dequantize, so every tensor of the
// network keeps one name and one producer whatever the precision; Quantize reformats copy a
// tensor observed already and are skipped too.
//
// Layouts and memory spaces. A tensor a kernel wrote in a layout of its backend (oneDNN's blocked
// or channels-last layouts, the CUDA backend's) is reordered to plain by that backend into the
// plan's own buffer (never the arena: later steps still read the original); a tensor in device
// memory is then copied to the host, and the context's stream waited for.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "backends/kernel.h"
#include "int8rt/engine.h"
#include "runtime/engine_impl.h"

namespace int8rt::detail {

class ObservePlan {
 public:
  // The plan for one lowering of an engine; errors come from creating reorder kernels.
  static Result<std::unique_ptr<ObservePlan>> create(const EngineImpl& engine);
  ~ObservePlan();

  // Hands the tensors step `step` wrote to `observer`; `address` holds every tensor's data,
  // `streams` the context's state on each backend.
  Status observe(size_t step, std::span<void* const> address, const StreamStates& streams,
                 TensorObserver& observer);

 private:
  struct Point {
    int tensor = -1;  // engine tensor id
    size_t count = 0;
    TensorLocation location = TensorLocation::kHost;
    ObservedTensor info;  // all but `values`
    KernelPtr to_plain;   // set when the tensor's layout is not plain
    const Backend* to_plain_backend = nullptr;
    std::unique_ptr<KernelState> to_plain_state;
  };
  std::vector<std::vector<Point>> points_;  // per step
  const Backend* device_ = nullptr;         // the engine's target, when its memory is a device's
  // Per memory space: the plain copy of one tensor and the reorders' scratch.
  std::array<Buffer, kNumLocations> plain_;
  std::array<Buffer, kNumLocations> scratch_;
  Buffer host_copy_;  // a device tensor, plain, copied to the host
  std::vector<float> values_;
};

}  // namespace int8rt::detail
