// Kernel: one layer's computation, prepared once at build time and run many times.
//
// A kernel is created from a layer whose input and output tensors all have static shapes and
// dtypes (after shape inference); it captures what it needs (shapes, attributes, packed weights).
// execute() is const and may run concurrently from several ExecutionContexts: per-run temporary
// memory comes from `scratch`, sized by scratch_bytes(), and what a kernel caches between runs
// lives in its per-context KernelState.
//
// Memory layouts. Every engine tensor has a Layout: how its elements are placed in its buffer.
// The default, "plain", is dense row-major in the tensor's shape (what network inputs, outputs,
// constants and the reference kernels use). A backend may give a tensor a layout of its own, e.g.
// oneDNN's channels-last (NHWC) or channel-blocked (nChw16c: N · C/16 · H · W · 16c, C padded up
// to a multiple of 16) activations; such a layout is a LayoutDesc that only that backend reads.
// Each kernel declares the layout it reads every input in and writes every output in
// (input_layout/output_layout); the builder propagates layouts through the graph in execution
// order and inserts a reorder step only where a producer's layout differs from what a consumer
// declares (see docs/architecture.md, "Memory layouts").
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt {

// A backend-specific physical layout of one tensor (its shape and dtype are part of it).
class LayoutDesc {
 public:
  virtual ~LayoutDesc() = default;
  // Bytes the tensor occupies in this layout (block padding included).
  virtual size_t byte_size() const = 0;
  // True when both place every element at the same byte offset.
  virtual bool equals(const LayoutDesc& other) const = 0;
  // Short description for logs: "nhwc", "nChw16c", ...
  virtual std::string to_string() const = 0;
  // The backend whose kernels read and write this layout (its create_reorder converts it).
  virtual std::string_view backend() const = 0;
};

// A tensor's layout: plain (dense row-major) or a backend's LayoutDesc. Backends never hand out a
// LayoutDesc whose bytes are those of the plain layout (e.g. NHWC with C = 1): they say plain, so
// that equal bytes always compare equal and need no reorder.
class Layout {
 public:
  Layout() = default;  // plain
  explicit Layout(std::shared_ptr<const LayoutDesc> desc) : desc_(std::move(desc)) {}

  bool is_plain() const { return desc_ == nullptr; }
  const LayoutDesc* desc() const { return desc_.get(); }
  std::string to_string() const { return desc_ ? desc_->to_string() : "plain"; }

  friend bool operator==(const Layout& a, const Layout& b) {
    if (a.desc_ == nullptr || b.desc_ == nullptr) return a.desc_ == b.desc_;
    return a.desc_ == b.desc_ || a.desc_->equals(*b.desc_);
  }

 private:
  std::shared_ptr<const LayoutDesc> desc_;
};

// What a kernel may keep between runs of one ExecutionContext (e.g. oneDNN memory objects bound
// to that context's buffers). Created by Kernel::create_state() once per context; only that
// context's runs see it, so it needs no locking.
class KernelState {
 public:
  virtual ~KernelState() = default;
};

// One ExecutionContext's execution state on one backend (Backend::create_stream_state): for a GPU,
// the stream its kernels are issued on and the library handles bound to it. Kernels of one
// context run one at a time, in step order, on it.
class StreamState {
 public:
  virtual ~StreamState() = default;
  // Starts a run on `stream` (the backend's stream handle, e.g. a cudaStream_t; nullptr: the
  // state's own). Errors: a stream of another device; the previous run still going on another
  // stream.
  virtual Status begin(void* stream) = 0;
  // Ends the run begun last (what a later begin() on another stream checks for completion).
  virtual Status end() = 0;
  // Waits until the work issued so far has finished; errors name the device.
  virtual Status synchronize() = 0;

  // Times runs on the device: start(i) and stop(i) mark run i in stream order, elapsed() (after
  // synchronize()) gives each run's milliseconds. nullptr for a backend whose runs the host clock
  // times (it waits for them).
  class Timer {
   public:
    virtual ~Timer() = default;
    virtual Status start(size_t run) = 0;
    virtual Status stop(size_t run) = 0;
    virtual Result<std::vector<double>> elapsed() = 0;
  };
  virtual Result<std::unique_ptr<Timer>> create_timer(size_t /*runs*/) {
    return std::unique_ptr<Timer>();
  }
};

struct KernelIo {
  // One pointer per layer input (constants included; nullptr for an absent optional input) and
  // per output. Each tensor's data is in the layout the kernel declares for it (plain unless the
  // kernel says otherwise).
  std::span<const void* const> inputs;
  std::span<void* const> outputs;
  void* scratch = nullptr;  // scratch_bytes() bytes, 256-byte aligned, in the kernel's memory space
  // This context's create_state() object; nullptr when the caller keeps none (e.g. constant
  // folding), which every kernel must accept.
  KernelState* state = nullptr;
  // This context's state on the kernel's backend; nullptr for backends that keep none (the
  // host backends run on the calling thread).
  StreamState* stream = nullptr;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  // "<backend>.<what>", e.g. "reference.Conv" or "onednn.conv"; shown in build logs and inspect.
  virtual std::string name() const = 0;
  virtual size_t scratch_bytes() const { return 0; }
  virtual Status execute(const KernelIo& io) const = 0;
  virtual std::unique_ptr<KernelState> create_state() const { return nullptr; }

  // The layout the kernel reads input `index` in / writes output `index` in.
  virtual Layout input_layout(int /*index*/) const { return {}; }
  virtual Layout output_layout(int /*index*/) const { return {}; }
  // An input whose buffer output 0 may share (same layout and size): the kernel then computes in
  // place. The engine's memory planner shares it only when that input is not read afterwards;
  // the kernel must work whether or not the two pointers are equal. -1: none.
  virtual int inplace_input() const { return -1; }
  // True for a constant input whose value the kernel took when it was created (packed weights)
  // and never reads at run time: lowering then hands it no buffer (io.inputs[index] is null), so a
  // device kernel's weights are not copied to the device twice.
  virtual bool captures_input(int /*index*/) const { return false; }
};

using KernelPtr = std::unique_ptr<Kernel>;

}  // namespace int8rt
