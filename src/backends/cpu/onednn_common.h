// What every oneDNN kernel shares: the engine, per-thread streams, layouts as oneDNN memory
// descriptors, fused activations as post-ops, and PrimitiveKernel (one primitive + its bindings).
//
// Threading: one dnnl::engine per process; primitives and their packed weights are immutable after
// build and shared by every ExecutionContext. Each kernel is built with scratchpad_mode::user, so
// a primitive's temporary memory comes from the running context's scratch buffer (KernelIo), and
// each thread that executes gets its own dnnl::stream (thread_local). Concurrent execute() calls
// on one Engine from several contexts therefore share no mutable state; each call runs on the
// calling thread's OpenMP team (OMP_NUM_THREADS threads).
#pragma once

#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "backends/kernel.h"
#include "int8rt/attrs.h"
#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt::cpu {

dnnl::engine& onednn_engine();
// The calling thread's stream on onednn_engine().
dnnl::stream& onednn_stream();

// oneDNN's element type for `type`, or nullopt-like data_type::undef when it has none (int64,
// bool).
dnnl::memory::data_type to_onednn(DataType type);

// Dense row-major descriptor of `dims` (rank 1..6; a scalar becomes {1}).
dnnl::memory::desc plain_desc(const Dims& dims, DataType type);
dnnl::memory::dims to_onednn_dims(const Dims& dims);

// A oneDNN memory descriptor as a tensor layout.
class OnednnLayout final : public LayoutDesc {
 public:
  explicit OnednnLayout(dnnl::memory::desc desc) : desc_(std::move(desc)) {}
  const dnnl::memory::desc& memory_desc() const { return desc_; }
  size_t byte_size() const override { return desc_.get_size(); }
  bool equals(const LayoutDesc& other) const override;
  std::string to_string() const override;
  std::string_view backend() const override { return "cpu"; }

 private:
  dnnl::memory::desc desc_;
};

// The layout of a buffer described by `desc`: plain when its bytes are those of the dense
// row-major layout (NHWC with C = 1, nChw16c with H = W = 1 and C % 16 = 0, ...).
Layout to_layout(const dnnl::memory::desc& desc);
bool is_plain_equivalent(const dnnl::memory::desc& desc);
// The descriptor of a tensor of `dims`/`type` stored in `layout`.
dnnl::memory::desc desc_of(const Layout& layout, const Dims& dims, DataType type);

// Appends `activation` as an eltwise post-op. False when oneDNN has no equivalent.
bool append_activation(dnnl::post_ops& ops, const FusedActivation& activation);

// "onednn.<what>(<implementation>)", e.g. "onednn.conv(brgconv:avx512_core)".
std::string kernel_name(const std::string& what, const dnnl::primitive_desc_base& pd);

// Reorders a constant plain tensor into `desc`; the result owns its buffer.
dnnl::memory reorder_constant(const Weights& value, const dnnl::memory::desc& plain,
                              const dnnl::memory::desc& desc);

// One execution argument of a primitive: where its buffer comes from.
struct ArgBinding {
  enum class Source { kInput, kOutput, kConstant };
  int arg = 0;  // DNNL_ARG_*
  Source source = Source::kInput;
  int index = 0;            // layer input/output index for kInput/kOutput
  dnnl::memory::desc desc;  // for kInput/kOutput
  dnnl::memory constant;    // for kConstant (packed weights, bias), owned
};

// A kernel that runs one oneDNN primitive. Build it with the primitive, then bind() every
// argument and declare the layouts the engine must give each input and gets for each output.
class PrimitiveKernel final : public Kernel {
 public:
  PrimitiveKernel(std::string name, dnnl::primitive primitive, dnnl::memory::desc scratchpad,
                  int num_inputs, int num_outputs);

  std::string name() const override { return name_; }
  size_t scratch_bytes() const override { return scratchpad_.get_size(); }
  Status execute(const KernelIo& io) const override;
  // The primitive's memory objects for one context, rebound only when a buffer moves (in a
  // context only the network inputs can).
  std::unique_ptr<KernelState> create_state() const override;
  Layout input_layout(int index) const override;
  Layout output_layout(int index) const override;
  int inplace_input() const override { return inplace_input_; }

  void bind_input(int arg, int index, const dnnl::memory::desc& desc);
  void bind_output(int arg, int index, const dnnl::memory::desc& desc);
  void bind_constant(int arg, dnnl::memory memory);
  // Output 0 may share input `index`'s buffer (the primitive supports src == dst).
  void allow_inplace(int index) { inplace_input_ = index; }
  // Input `index` is the sum post-op's addend: it is copied into output 0 before the primitive
  // runs (unless the planner already placed both in one buffer). It must have output 0's layout;
  // call after binding output 0.
  void accumulate_into_output(int index);

 private:
  std::string name_;
  dnnl::primitive primitive_;
  dnnl::memory::desc scratchpad_;
  std::vector<ArgBinding> args_;
  std::vector<Layout> input_layouts_;
  std::vector<Layout> output_layouts_;
  int accumulate_input_ = -1;
  int inplace_input_ = -1;
  size_t accumulate_bytes_ = 0;
};

// Runs `fn` (which builds a kernel with oneDNN calls that may throw) and converts oneDNN's
// "unimplemented" and "invalid arguments" (a configuration its primitives reject, e.g. a pad
// larger than the kernel) into a null kernel, so that the builder falls back to the reference
// kernel; any other oneDNN error becomes a Status naming the layer.
template <typename Fn>
Result<KernelPtr> guarded_create(const Layer& layer, Fn&& fn);

Status onednn_error(const Layer& layer, const dnnl::error& error);

template <typename Fn>
Result<KernelPtr> guarded_create(const Layer& layer, Fn&& fn) {
  try {
    return fn();
  } catch (const dnnl::error& error) {
    if (error.status == dnnl_unimplemented || error.status == dnnl_invalid_arguments) {
      return KernelPtr();
    }
    return onednn_error(layer, error);
  }
}

}  // namespace int8rt::cpu
