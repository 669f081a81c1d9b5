// Kernel: one layer's computation, prepared once at build time and run many times.
//
// A kernel is created from a layer whose input and output tensors all have static shapes and
// dtypes (after shape inference); it captures what it needs (shapes, attributes, packed weights).
// execute() is const and may run concurrently from several ExecutionContexts: per-run temporary
// memory comes from `scratch`, sized by scratch_bytes().
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt {

struct KernelIo {
  // One pointer per layer input (constants included; nullptr for an absent optional input) and
  // per output. Data is dense and row-major in the tensor's dtype and shape.
  std::span<const void* const> inputs;
  std::span<void* const> outputs;
  void* scratch = nullptr;  // scratch_bytes() bytes, 64-byte aligned
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  // "<backend>.<what>", e.g. "reference.Conv" or "onednn.conv"; shown in build logs and inspect.
  virtual std::string name() const = 0;
  virtual size_t scratch_bytes() const { return 0; }
  virtual Status execute(const KernelIo& io) const = 0;
};

using KernelPtr = std::unique_ptr<Kernel>;

}  // namespace int8rt
