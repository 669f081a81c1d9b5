#include "backends/cpu/onednn_common.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "ir/ops/op_util.h"

namespace int8rt::cpu {

using dnnl::memory;

dnnl::engine& onednn_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& onednn_stream() {
  thread_local dnnl::stream stream(onednn_engine());
  return stream;
}

memory::data_type to_onednn(DataType type) {
  switch (type) {
    case DataType::kFloat:
      return memory::data_type::f32;
    case DataType::kInt8:
      return memory::data_type::s8;
    case DataType::kUInt8:
    case DataType::kBool:
      return memory::data_type::u8;
    case DataType::kInt32:
      return memory::data_type::s32;
    case DataType::kInt64:
      return memory::data_type::undef;
  }
  return memory::data_type::undef;
}

memory::dims to_onednn_dims(const Dims& dims) {
  if (dims.rank() == 0) return {1};
  return memory::dims(dims.extents().begin(), dims.extents().end());
}

memory::desc plain_desc(const Dims& dims, DataType type) {
  memory::dims extents = to_onednn_dims(dims);
  memory::dims strides(extents.size(), 1);
  for (int i = static_cast<int>(extents.size()) - 2; i >= 0; --i) {
    strides[static_cast<size_t>(i)] = strides[static_cast<size_t>(i) + 1] *
                                      std::max<memory::dim>(extents[static_cast<size_t>(i) + 1], 1);
  }
  return memory::desc(extents, to_onednn(type), strides);
}

bool OnednnLayout::equals(const LayoutDesc& other) const {
  const auto* that = dynamic_cast<const OnednnLayout*>(&other);
  return that != nullptr && that->desc_ == desc_;
}

// oneDNN's notation: outer axes as letters ordered by stride (a = axis 0), an axis that is also
// blocked in upper case, then the inner blocks: "acdb" is NHWC, "aBcd16b" is nChw16c.
std::string OnednnLayout::to_string() const {
  const dnnl_memory_desc_t& d = desc_.data;
  if (d.format_kind != dnnl_blocked) return "opaque";
  const auto& blk = d.format_desc.blocking;
  std::vector<int> order(static_cast<size_t>(d.ndims));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return blk.strides[a] > blk.strides[b]; });
  std::string text;
  for (int axis : order) {
    bool blocked = false;
    for (int i = 0; i < blk.inner_nblks; ++i)
      blocked |= blk.inner_idxs[i] == axis;
    text += static_cast<char>((blocked ? 'A' : 'a') + axis);
  }
  for (int i = 0; i < blk.inner_nblks; ++i) {
    text += std::to_string(blk.inner_blks[i]) + static_cast<char>('a' + blk.inner_idxs[i]);
  }
  return text;
}

// Every axis of extent > 1 must step through memory like one row-major axis: its outer index and
// its inner-block indices (if blocked) must chain, innermost first, as stride, stride · size, ...
bool is_plain_equivalent(const memory::desc& desc) {
  const dnnl_memory_desc_t& d = desc.data;
  if (d.format_kind != dnnl_blocked || d.offset0 != 0 || d.extra.flags != 0) return false;
  const auto& blk = d.format_desc.blocking;
  memory::dim row_major = 1;
  for (int axis = d.ndims - 1; axis >= 0; --axis) {
    const memory::dim extent = d.dims[axis];
    if (d.padded_dims[axis] != extent || d.padded_offsets[axis] != 0) return false;
    if (extent > 1) {
      // Levels of this axis, innermost first: (size, stride).
      std::vector<std::pair<memory::dim, memory::dim>> levels;
      memory::dim inner_stride = 1, blocked = 1;
      for (int i = blk.inner_nblks - 1; i >= 0; --i) {
        if (blk.inner_idxs[i] == axis) {
          levels.emplace_back(blk.inner_blks[i], inner_stride);
          blocked *= blk.inner_blks[i];
        }
        inner_stride *= blk.inner_blks[i];
      }
      levels.emplace_back(extent / blocked, blk.strides[axis]);
      memory::dim expected = -1;
      for (const auto& [size, stride] : levels) {
        if (size == 1) continue;
        if (expected == -1) {
          if (stride != row_major) return false;
        } else if (stride != expected) {
          return false;
        }
        expected = stride * size;
      }
    }
    row_major *= extent;
  }
  return true;
}

Layout to_layout(const memory::desc& desc) {
  if (is_plain_equivalent(desc)) return Layout();
  return Layout(std::make_shared<OnednnLayout>(desc));
}

memory::desc desc_of(const Layout& layout, const Dims& dims, DataType type) {
  if (layout.is_plain()) return plain_desc(dims, type);
  const auto* desc = dynamic_cast<const OnednnLayout*>(layout.desc());
  return desc != nullptr ? desc->memory_desc() : plain_desc(dims, type);
}

bool append_activation(dnnl::post_ops& ops, const FusedActivation& activation) {
  using dnnl::algorithm;
  switch (activation.kind) {
    case ActivationKind::kNone:
      return true;
    case ActivationKind::kRelu:
      ops.append_eltwise(1.0f, algorithm::eltwise_relu, 0.0f, 0.0f);
      return true;
    case ActivationKind::kLeakyRelu:
      ops.append_eltwise(1.0f, algorithm::eltwise_relu, activation.alpha, 0.0f);
      return true;
    case ActivationKind::kClip:
      ops.append_eltwise(1.0f, algorithm::eltwise_clip, activation.alpha, activation.beta);
      return true;
    case ActivationKind::kHardSwish:
      ops.append_eltwise(1.0f, algorithm::eltwise_hardswish, 0.0f, 0.0f);
      return true;
    case ActivationKind::kSigmoid:
      ops.append_eltwise(1.0f, algorithm::eltwise_logistic, 0.0f, 0.0f);
      return true;
  }
  return false;
}

std::string kernel_name(const std::string& what, const dnnl::primitive_desc_base& pd) {
  return "onednn." + what + "(" + pd.impl_info_str() + ")";
}

memory reorder_constant(const Weights& value, const memory::desc& plain, const memory::desc& desc) {
  dnnl::engine& engine = onednn_engine();
  memory packed(desc, engine);
  memory source(plain, engine, const_cast<void*>(value.data()));
  dnnl::stream stream(engine);
  dnnl::reorder(source, packed).execute(stream, source, packed);
  stream.wait();
  return packed;
}

Status onednn_error(const Layer& layer, const dnnl::error& error) {
  return internal_error(ir::describe(layer), ": oneDNN failed: ", error.what(), " (status ",
                        static_cast<int>(error.status), ")");
}

PrimitiveKernel::PrimitiveKernel(std::string name, dnnl::primitive primitive,
                                 memory::desc scratchpad, int num_inputs, int num_outputs)
    : name_(std::move(name)),
      primitive_(std::move(primitive)),
      scratchpad_(std::move(scratchpad)),
      input_layouts_(static_cast<size_t>(num_inputs)),
      output_layouts_(static_cast<size_t>(num_outputs)) {}

void PrimitiveKernel::bind_input(int arg, int index, const memory::desc& desc) {
  args_.push_back({arg, ArgBinding::Source::kInput, index, desc, {}});
  input_layouts_.at(static_cast<size_t>(index)) = to_layout(desc);
}

void PrimitiveKernel::bind_output(int arg, int index, const memory::desc& desc) {
  args_.push_back({arg, ArgBinding::Source::kOutput, index, desc, {}});
  output_layouts_.at(static_cast<size_t>(index)) = to_layout(desc);
}

void PrimitiveKernel::bind_constant(int arg, memory value) {
  args_.push_back({arg, ArgBinding::Source::kConstant, 0, {}, std::move(value)});
}

void PrimitiveKernel::accumulate_into_output(int index) {
  for (const ArgBinding& binding : args_) {
    if (binding.source == ArgBinding::Source::kOutput && binding.index == 0) {
      accumulate_bytes_ = binding.desc.get_size();
    }
  }
  accumulate_input_ = index;
  inplace_input_ = index;
  input_layouts_.at(static_cast<size_t>(index)) = output_layouts_.at(0);
}

Layout PrimitiveKernel::input_layout(int index) const {
  return input_layouts_.at(static_cast<size_t>(index));
}

Layout PrimitiveKernel::output_layout(int index) const {
  return output_layouts_.at(static_cast<size_t>(index));
}

namespace {
// memories[i] is bound to args_[i]; `args` holds the same objects keyed by argument.
struct BoundArgs final : KernelState {
  std::vector<memory> memories;
  memory scratch;
  std::unordered_map<int, memory> args;
};
}  // namespace

std::unique_ptr<KernelState> PrimitiveKernel::create_state() const {
  auto state = std::make_unique<BoundArgs>();
  dnnl::engine& engine = onednn_engine();
  for (const ArgBinding& binding : args_) {
    memory m = binding.source == ArgBinding::Source::kConstant
                   ? binding.constant
                   : memory(binding.desc, engine, DNNL_MEMORY_NONE);
    state->memories.push_back(m);
    state->args.emplace(binding.arg, m);
  }
  if (scratchpad_.get_size() > 0) {
    state->scratch = memory(scratchpad_, engine, DNNL_MEMORY_NONE);
    state->args.emplace(DNNL_ARG_SCRATCHPAD, state->scratch);
  }
  return state;
}

Status PrimitiveKernel::execute(const KernelIo& io) const {
  try {
    if (accumulate_input_ >= 0) {
      const void* addend = io.inputs[static_cast<size_t>(accumulate_input_)];
      if (addend != io.outputs[0]) std::memcpy(io.outputs[0], addend, accumulate_bytes_);
    }
    // Memory objects: the context's cached ones, or temporary ones for a state-less call.
    std::unique_ptr<KernelState> temporary;
    KernelState* state = io.state;
    if (state == nullptr) {
      temporary = create_state();
      state = temporary.get();
    }
    auto& bound = static_cast<BoundArgs&>(*state);
    for (size_t i = 0; i < args_.size(); ++i) {
      const ArgBinding& binding = args_[i];
      void* handle = nullptr;
      switch (binding.source) {
        case ArgBinding::Source::kInput:
          handle = const_cast<void*>(io.inputs[static_cast<size_t>(binding.index)]);
          break;
        case ArgBinding::Source::kOutput:
          handle = io.outputs[static_cast<size_t>(binding.index)];
          break;
        case ArgBinding::Source::kConstant:
          continue;
      }
      if (bound.memories[i].get_data_handle() != handle) bound.memories[i].set_data_handle(handle);
    }
    if (scratchpad_.get_size() > 0 && bound.scratch.get_data_handle() != io.scratch) {
      bound.scratch.set_data_handle(io.scratch);
    }
    const auto& args = bound.args;
    primitive_.execute(onednn_stream(), args);
    return Status::ok();
  } catch (const dnnl::error& error) {
    return internal_error(name_, ": oneDNN execution failed: ", error.what());
  }
}

}  // namespace int8rt::cpu
