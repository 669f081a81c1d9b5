#include <cstdlib>
#include <cstring>

#include "int8rt/engine.h"
#include "runtime/engine_impl.h"

namespace int8rt {

namespace {
struct AlignedFree {
  void operator()(void* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<std::byte, AlignedFree>;

AlignedBuffer aligned_buffer(size_t bytes) {
  size_t rounded = (bytes + 63) / 64 * 64;
  return AlignedBuffer(
      static_cast<std::byte*>(std::aligned_alloc(64, rounded == 0 ? 64 : rounded)));
}
}  // namespace

// One arena holds every activation (offsets planned at build time, see builder/memory_plan.h), so
// contexts never allocate while executing; scratch is the kernels' per-run temporary memory. Both
// are private to the context: several contexts may execute one engine concurrently.
struct ExecutionContext::State {
  AlignedBuffer arena;
  AlignedBuffer scratch;
  std::vector<std::unique_ptr<KernelState>> kernel_states;  // per step
  std::vector<void*> address;  // per tensor id: where its data lives during execute()
  std::vector<const void*> step_inputs;
  std::vector<void*> step_outputs;
};

ExecutionContext::ExecutionContext(std::shared_ptr<const detail::EngineImpl> engine)
    : engine_(std::move(engine)), state_(std::make_unique<State>()) {
  const auto& tensors = engine_->tensors;
  state_->arena = aligned_buffer(engine_->arena_bytes);
  state_->scratch = aligned_buffer(engine_->scratch_bytes);
  for (const auto& step : engine_->steps) {
    state_->kernel_states.push_back(step.kernel->create_state());
  }
  state_->address.resize(tensors.size(), nullptr);
  for (size_t id = 0; id < tensors.size(); ++id) {
    if (!tensors[id].constant.empty()) {
      state_->address[id] = const_cast<void*>(tensors[id].constant.data());
    } else if (tensors[id].arena_offset >= 0) {
      state_->address[id] = state_->arena.get() + tensors[id].arena_offset;
    }
  }
}

ExecutionContext::~ExecutionContext() = default;

Status ExecutionContext::execute(std::span<const void* const> inputs,
                                 std::span<void* const> outputs) {
  const detail::EngineImpl& engine = *engine_;
  if (inputs.size() != engine.input_ids.size()) {
    return invalid_argument("execute: got ", inputs.size(), " inputs, the engine has ",
                            engine.input_ids.size());
  }
  if (outputs.size() != engine.output_ids.size()) {
    return invalid_argument("execute: got ", outputs.size(), " outputs, the engine has ",
                            engine.output_ids.size());
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i] == nullptr) {
      return invalid_argument("execute: input \"", engine.inputs[i].name, "\" is null");
    }
    state_->address[static_cast<size_t>(engine.input_ids[i])] = const_cast<void*>(inputs[i]);
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i] == nullptr) {
      return invalid_argument("execute: output \"", engine.outputs[i].name, "\" is null");
    }
  }
  for (size_t s = 0; s < engine.steps.size(); ++s) {
    const detail::EngineStep& step = engine.steps[s];
    state_->step_inputs.clear();
    state_->step_outputs.clear();
    for (int id : step.inputs) {
      state_->step_inputs.push_back(id < 0 ? nullptr : state_->address[static_cast<size_t>(id)]);
    }
    for (int id : step.outputs) {
      state_->step_outputs.push_back(id < 0 ? nullptr : state_->address[static_cast<size_t>(id)]);
    }
    Status status =
        step.kernel->execute(KernelIo{state_->step_inputs, state_->step_outputs,
                                      state_->scratch.get(), state_->kernel_states[s].get()});
    if (!status.is_ok()) return status.with_context("layer \"" + step.layer_name + "\"");
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const auto id = static_cast<size_t>(engine.output_ids[i]);
    std::memcpy(outputs[i], state_->address[id], engine.tensors[id].byte_size());
  }
  return Status::ok();
}

}  // namespace int8rt
