#include <cstdlib>
#include <cstring>
#include <map>

#include "int8rt/engine.h"
#include "runtime/aligned_buffer.h"
#include "runtime/engine_impl.h"
#include "runtime/input_shapes.h"
#include "runtime/observe_plan.h"

namespace int8rt {

namespace {
using detail::AlignedBuffer;
using detail::allocate_aligned;

// One lowering of the engine (for the built input shapes or others) as this context runs it.
struct Variant {
  std::shared_ptr<const detail::EngineImpl> engine;
  std::vector<std::unique_ptr<KernelState>> kernel_states;  // per step
  std::vector<void*> address;        // per tensor id: where its data lives during execute()
  const std::byte* bound = nullptr;  // the arena `address` points into
  std::unique_ptr<detail::ObservePlan> observe_plan;  // made when first run with an observer
};
}  // namespace

// One arena holds every activation (offsets planned at build time, see builder/memory_plan.h), so
// contexts never allocate while executing; scratch is the kernels' per-run temporary memory. Both
// are private to the context: several contexts may execute one engine concurrently. Every
// lowering the context has run shares them (one runs at a time); they grow to the largest.
struct ExecutionContext::State {
  std::vector<Dims> shapes;    // current input shapes
  Variant* current = nullptr;  // the lowering for `shapes`; null until resolved
  std::map<std::vector<std::vector<int64_t>>, Variant> variants;
  AlignedBuffer arena;
  size_t arena_bytes = 0;
  AlignedBuffer scratch;
  size_t scratch_bytes = 0;
  std::vector<const void*> step_inputs;
  std::vector<void*> step_outputs;
  TensorObserver* observer = nullptr;

  // The lowering for `shapes`, with room for it in the arena and scratch.
  Result<Variant*> resolve(const std::shared_ptr<const detail::EngineImpl>& base) {
    if (current == nullptr) {
      std::vector<std::vector<int64_t>> key;
      for (const Dims& dims : shapes)
        key.push_back(dims.extents());
      auto it = variants.find(key);
      if (it == variants.end()) {
        INT8RT_ASSIGN_OR_RETURN(auto engine, detail::lower_for_input_shapes(base, shapes));
        Variant variant;
        for (const auto& step : engine->steps)
          variant.kernel_states.push_back(step.kernel->create_state());
        variant.engine = std::move(engine);
        it = variants.emplace(std::move(key), std::move(variant)).first;
      }
      current = &it->second;
    }
    const detail::EngineImpl& engine = *current->engine;
    if (engine.arena_bytes > arena_bytes || arena == nullptr) {
      INT8RT_ASSIGN_OR_RETURN(arena, allocate_aligned(engine.arena_bytes, "the activations"));
      arena_bytes = engine.arena_bytes;
    }
    if (engine.scratch_bytes > scratch_bytes || scratch == nullptr) {
      INT8RT_ASSIGN_OR_RETURN(scratch, allocate_aligned(engine.scratch_bytes, "kernel scratch"));
      scratch_bytes = engine.scratch_bytes;
    }
    if (current->bound != arena.get()) bind(*current);
    return current;
  }

  void bind(Variant& variant) const {
    const auto& tensors = variant.engine->tensors;
    variant.address.assign(tensors.size(), nullptr);
    for (size_t id = 0; id < tensors.size(); ++id) {
      if (!tensors[id].constant.empty()) {
        variant.address[id] = const_cast<void*>(tensors[id].constant.data());
      } else if (tensors[id].arena_offset >= 0) {
        variant.address[id] = arena.get() + tensors[id].arena_offset;
      }
    }
    variant.bound = arena.get();
  }
};

ExecutionContext::ExecutionContext(std::shared_ptr<const detail::EngineImpl> engine)
    : engine_(std::move(engine)), state_(std::make_unique<State>()) {
  for (const IoTensor& input : engine_->inputs)
    state_->shapes.push_back(input.dims);
  // The built shapes need no lowering; only the allocation can fail, and execute() reports it.
  (void)state_->resolve(engine_);
}

ExecutionContext::~ExecutionContext() = default;

Status ExecutionContext::set_input_shape(std::string_view name, const Dims& dims) {
  for (size_t i = 0; i < engine_->inputs.size(); ++i) {
    if (engine_->inputs[i].name != name) continue;
    INT8RT_RETURN_IF_ERROR(detail::check_input_shape(*engine_, static_cast<int>(i), dims));
    if (state_->shapes[i] != dims) {
      state_->shapes[i] = dims;
      state_->current = nullptr;
    }
    return Status::ok();
  }
  return not_found("set_input_shape: the engine has no input \"", name, "\"");
}

const Dims& ExecutionContext::input_shape(int index) const {
  return state_->shapes.at(static_cast<size_t>(index));
}

void ExecutionContext::set_tensor_observer(TensorObserver* observer) {
  state_->observer = observer;
}

TensorObserver* ExecutionContext::tensor_observer() const {
  return state_->observer;
}

Result<Dims> ExecutionContext::output_shape(int index) {
  if (index < 0 || static_cast<size_t>(index) >= engine_->outputs.size()) {
    return invalid_argument("output_shape: output ", index, " does not exist (the engine has ",
                            engine_->outputs.size(), ")");
  }
  INT8RT_ASSIGN_OR_RETURN(Variant * variant, state_->resolve(engine_));
  return variant->engine->outputs[static_cast<size_t>(index)].dims;
}

Status ExecutionContext::execute(std::span<const void* const> inputs,
                                 std::span<void* const> outputs, int64_t batch) {
  if (engine_->inputs.empty()) {
    return invalid_argument("execute: batch ", batch, " for an engine without inputs");
  }
  for (size_t i = 0; i < engine_->inputs.size(); ++i) {
    const IoTensor& input = engine_->inputs[i];
    if (input.dims.rank() == 0) {
      return invalid_argument("execute: batch ", batch, ": input \"", input.name,
                              "\" is a scalar, it has no batch axis");
    }
    if (batch < 1 || batch > input.dims[0]) {
      return invalid_argument("execute: batch ", batch, " is not in [1, ", input.dims[0],
                              "]: input \"", input.name, "\" was built as ",
                              input.dims.to_string());
    }
  }
  for (const IoTensor& input : engine_->inputs) {
    Dims dims = input.dims;
    dims[0] = batch;
    INT8RT_RETURN_IF_ERROR(set_input_shape(input.name, dims));
  }
  return execute(inputs, outputs);
}

Status ExecutionContext::execute(std::span<const void* const> inputs,
                                 std::span<void* const> outputs) {
  if (inputs.size() != engine_->input_ids.size()) {
    return invalid_argument("execute: got ", inputs.size(), " inputs, the engine has ",
                            engine_->input_ids.size());
  }
  if (outputs.size() != engine_->output_ids.size()) {
    return invalid_argument("execute: got ", outputs.size(), " outputs, the engine has ",
                            engine_->output_ids.size());
  }
  INT8RT_ASSIGN_OR_RETURN(Variant * variant, state_->resolve(engine_));
  const detail::EngineImpl& engine = *variant->engine;
  std::vector<void*>& address = variant->address;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i] == nullptr) {
      return invalid_argument("execute: input \"", engine.inputs[i].name, "\" is null");
    }
    address[static_cast<size_t>(engine.input_ids[i])] = const_cast<void*>(inputs[i]);
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i] == nullptr) {
      return invalid_argument("execute: output \"", engine.outputs[i].name, "\" is null");
    }
  }
  TensorObserver* observer = state_->observer;
  if (observer != nullptr && variant->observe_plan == nullptr) {
    INT8RT_ASSIGN_OR_RETURN(variant->observe_plan, detail::ObservePlan::create(engine));
  }
  for (size_t s = 0; s < engine.steps.size(); ++s) {
    const detail::EngineStep& step = engine.steps[s];
    state_->step_inputs.clear();
    state_->step_outputs.clear();
    for (int id : step.inputs) {
      state_->step_inputs.push_back(id < 0 ? nullptr : address[static_cast<size_t>(id)]);
    }
    for (int id : step.outputs) {
      state_->step_outputs.push_back(id < 0 ? nullptr : address[static_cast<size_t>(id)]);
    }
    Status status =
        step.kernel->execute(KernelIo{state_->step_inputs, state_->step_outputs,
                                      state_->scratch.get(), variant->kernel_states[s].get()});
    if (!status.is_ok()) return status.with_context("layer \"" + step.layer_name + "\"");
    if (observer != nullptr) {
      INT8RT_RETURN_IF_ERROR(variant->observe_plan->observe(s, address, *observer));
    }
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const auto id = static_cast<size_t>(engine.output_ids[i]);
    std::memcpy(outputs[i], address[id], engine.tensors[id].byte_size());
  }
  return Status::ok();
}

}  // namespace int8rt
