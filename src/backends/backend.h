// Backends as objects: the one interface every target implements, and the registry the builder,
// the runtime, the plan reader, the CLI and Python look backends up in by name.
//
//   const Backend* cuda = find_backend("cuda");
//   if (cuda->supports(layer, DataType::kInt8)) ...
//   KernelPtr kernel = cuda->create_kernel({layer, input_layouts, options}).value();
//
// A backend owns a memory space (host memory, or one GPU's memory) and makes kernels that read
// and write it. When a backend has no kernel for a layer it names a fallback backend (cuda -> cpu
// -> reference); lowering asks the fallback, and where the fallback's memory space is another one,
// it inserts transfer steps (docs/architecture.md, "Backends and memory spaces").
//
// The registry is filled once, from the list CMake generates (src/backends/CMakeLists.txt): adding
// a backend is one folder and one line there.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backends/kernel.h"
#include "calib/histogram.h"
#include "int8rt/backends.h"
#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt {

// Memory a backend allocated (an arena, scratch, an uploaded constant): freed by the backend's own
// deallocation function when the last owner lets go.
struct BufferDeleter {
  void (*release)(void*) = nullptr;
  void operator()(std::byte* p) const {
    if (p != nullptr && release != nullptr) release(p);
  }
};
using Buffer = std::unique_ptr<std::byte, BufferDeleter>;

// What the builder asks of a backend for one layer.
struct KernelRequest {
  const Layer& layer;
  // The layout each input is produced in (plain for constants, network inputs, absent inputs).
  std::span<const Layout> input_layouts;
  // BuilderFlag::kFp16: a float layer may compute, and store its outputs, in FP16.
  bool allow_fp16 = false;
};

// Calibration's |x| histograms of tensors in a backend's memory (calib/histogram.h: the same
// bins and merge rules as on the host), so that activations never leave the device.
class HistogramCollector {
 public:
  virtual ~HistogramCollector() = default;
  // Adds the `count` float32 values at `values` (the backend's memory, ready to read) to
  // histogram `index`.
  virtual Status add(size_t index, const void* values, size_t count) = 0;
  // Every histogram, copied to the host (once, at the end: it waits for the device).
  virtual Result<std::vector<calib::Histogram>> histograms() = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // "cpu", "reference", "cuda": the name users, plan files and kernel names use.
  virtual std::string_view name() const = 0;
  // What this backend is and whether it can run here (a CUDA backend without a GPU cannot). The
  // answer is computed once.
  virtual const BackendInfo& info() const = 0;
  bool available() const { return info().available; }

  // Where the tensors this backend's kernels read and write live.
  virtual TensorLocation memory_space() const { return TensorLocation::kHost; }
  // The backend a layer goes to when this one has no kernel for it; "" when none (the reference
  // backend runs every op).
  virtual std::string_view fallback() const { return {}; }

  // Whether a kernel of this backend runs `layer` at `precision` (kInt8: an INT8 kernel, with
  // quantized data inputs and outputs; kFloat: a float kernel). The precision pass asks the target
  // backend which layers may run INT8.
  virtual bool supports(const Layer& layer, DataType precision) const = 0;

  // A kernel for the layer (shapes inferred, dtypes final), nullptr when this backend does not
  // handle its configuration, or an error when making a supported one failed (naming the layer).
  virtual Result<KernelPtr> create_kernel(const KernelRequest& request) const = 0;

  // A kernel converting a tensor of `dims`/`dtype` between two layouts of this backend's memory
  // space (at least one of them this backend's own); nullptr when it has none.
  virtual Result<KernelPtr> create_reorder(DataType dtype, const Dims& dims, const Layout& from,
                                           const Layout& to) const;

  // A kernel copying a plain tensor between host memory and this backend's memory space, for a
  // backend whose memory space is not the host's.
  virtual Result<KernelPtr> create_transfer(DataType dtype, const Dims& dims, TensorLocation from,
                                            TensorLocation to) const;

  // `bytes` (at least 1) of this backend's memory, 256-byte aligned; an error naming `what` and
  // the size when it is not there.
  virtual Result<Buffer> allocate(size_t bytes, std::string_view what) const;
  // Copies `bytes` from `src` to `dst`, each in the memory space given (host or this backend's),
  // in stream order on `stream` (the caller's context state; may be null on the host).
  virtual Status copy(void* dst, TensorLocation dst_space, const void* src,
                      TensorLocation src_space, size_t bytes, StreamState* stream) const;
  // Whether `address` can hold an engine input or output of `bytes` bytes in `location` (the
  // engine's): not null, and for a device, memory of this device, suitably aligned.
  virtual Status check_address(const void* address, TensorLocation location, size_t bytes) const;

  // One ExecutionContext's execution state on this backend: a CUDA stream and its library
  // handles; nullptr when the backend keeps none.
  virtual Result<std::unique_ptr<StreamState>> create_stream_state() const {
    return std::unique_ptr<StreamState>();
  }

  // Histograms of `count` tensors in this backend's memory; nullptr when the host bins them
  // (calibration then copies each tensor to the host).
  virtual Result<std::unique_ptr<HistogramCollector>> create_histogram_collector(
      size_t /*count*/) const {
    return std::unique_ptr<HistogramCollector>();
  }

  // What a plan built here records about the target (a GPU's compute capability, "sm_90"), and
  // whether this machine can run a plan that recorded `target`: an error saying why not.
  virtual std::string plan_target() const { return {}; }
  virtual Status check_plan_target(std::string_view target) const;
};

// The registered backend called `name`; nullptr when there is none.
const Backend* find_backend(std::string_view name);
// `name` when it is registered and available here; else an error listing the backends there are.
Result<const Backend*> require_backend(std::string_view name);
// Every registered backend, in registry order.
std::span<const Backend* const> registered_backends();
// Adds `backend` (which must outlive every use) after the built-in ones: for tests that exercise
// lowering and the runtime with a backend of their own. Call it before any build, from one thread.
Status register_backend(const Backend& backend);

// Whether `backend`, or a fallback of it in the same memory space, has an INT8 kernel for `layer`:
// what the precision pass asks (a GPU target's INT8 layers run on the GPU, never on a host
// fallback).
bool runs_int8(const Backend& backend, const Layer& layer);

// Host memory, 256-byte aligned (what every host-side backend allocates with).
Result<Buffer> allocate_host(size_t bytes, std::string_view what);

// Evaluates `layer` on constant inputs at build time (constant folding), with the kernels that
// define int8rt's numbers. Absent optional inputs are empty Weights.
Result<std::vector<Weights>> evaluate_constant_layer(const Layer& layer,
                                                     const std::vector<Weights>& inputs);

}  // namespace int8rt
