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
// Layouts. A tensor a oneDNN kernel wrote in a blocked or channels-last layout is reordered to
// plain into the plan's own buffer (never the arena: later steps still read the original).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "backends/kernel.h"
#include "int8rt/engine.h"
#include "runtime/aligned_buffer.h"
#include "runtime/engine_impl.h"

namespace int8rt::detail {

class ObservePlan {
 public:
  // The plan for one lowering of an engine; errors come from creating reorder kernels.
  static Result<std::unique_ptr<ObservePlan>> create(const EngineImpl& engine);
  ~ObservePlan();

  // Hands the tensors step `step` wrote to `observer`; `address` holds every tensor's data.
  Status observe(size_t step, std::span<void* const> address, TensorObserver& observer);

 private:
  struct Point {
    int tensor = -1;  // engine tensor id
    size_t count = 0;
    ObservedTensor info;  // all but `values`
    KernelPtr to_plain;   // set when the tensor's layout is not plain
    std::unique_ptr<KernelState> to_plain_state;
  };
  std::vector<std::vector<Point>> points_;  // per step
  AlignedBuffer plain_;
  AlignedBuffer scratch_;
  std::vector<float> values_;
};

}  // namespace int8rt::detail
