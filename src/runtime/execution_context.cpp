#include <atomic>
#include <chrono>
#include <cstring>
#include <map>

#include "int8rt/engine.h"
#include "runtime/engine_impl.h"
#include "runtime/input_shapes.h"
#include "runtime/observe_plan.h"

namespace int8rt {

namespace {

using detail::kNumLocations;
using detail::location_index;

// One lowering of the engine (for the built input shapes or others) as this context runs it.
struct Variant {
  std::shared_ptr<const detail::EngineImpl> engine;
  std::vector<std::unique_ptr<KernelState>> kernel_states;  // per step
  std::vector<void*> address;  // per tensor id: where its data lives during a run
  std::array<const std::byte*, kNumLocations> bound{};  // the arenas `address` points into
  std::unique_ptr<detail::ObservePlan> observe_plan;    // made when first run with an observer
};

// Marks a context busy for one call; a second thread's call meanwhile fails instead of racing.
class BusyGuard {
 public:
  explicit BusyGuard(std::atomic<bool>& busy) : busy_(busy) {
    acquired_ = !busy_.exchange(true, std::memory_order_acquire);
  }
  ~BusyGuard() {
    if (acquired_) busy_.store(false, std::memory_order_release);
  }
  bool acquired() const { return acquired_; }

 private:
  std::atomic<bool>& busy_;
  bool acquired_ = false;
};

Status busy_error(std::string_view call) {
  return invalid_argument(call, ": the execution context is running on another thread (use one ",
                          "context per thread)");
}

}  // namespace

// One arena per memory space holds every activation (offsets planned at build time, see
// builder/memory_plan.h), so contexts never allocate while running; scratch is the kernels'
// per-run temporary memory. All are private to the context: several contexts may run one engine
// concurrently. Every lowering the context has run shares them (one runs at a time); they grow to
// the largest.
struct ExecutionContext::State {
  std::vector<Dims> shapes;    // current input shapes
  Variant* current = nullptr;  // the lowering for `shapes`; null until resolved
  std::map<std::vector<std::vector<int64_t>>, Variant> variants;
  std::array<Buffer, kNumLocations> arena;
  std::array<size_t, kNumLocations> arena_bytes{};
  std::array<Buffer, kNumLocations> scratch;
  std::array<size_t, kNumLocations> scratch_bytes{};
  detail::StreamStates streams;
  std::vector<void*> io_address;  // set_tensor_address, per engine input then output
  // execute() on a device engine: its host inputs' copies in device memory.
  std::vector<Buffer> staging;
  std::vector<size_t> staging_bytes;
  std::vector<Buffer> owned_io;  // bind_owned_buffers
  std::vector<const void*> step_inputs;
  std::vector<void*> step_outputs;
  TensorObserver* observer = nullptr;
  std::atomic<bool> busy{false};

  // The memory of `location`, from the backend that owns it.
  static Result<Buffer> allocate(const detail::EngineImpl& engine, TensorLocation location,
                                 size_t bytes, const char* what) {
    if (location == TensorLocation::kHost) return allocate_host(bytes, what);
    return engine.backend->allocate(bytes, what);
  }

  // The lowering for `shapes`, with room for it in the arenas and scratch.
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
    for (size_t l = 0; l < kNumLocations; ++l) {
      const auto location = static_cast<TensorLocation>(l);
      if (engine.arena_bytes[l] > arena_bytes[l] || (arena[l] == nullptr && location_used(l))) {
        INT8RT_ASSIGN_OR_RETURN(arena[l],
                                allocate(engine, location, engine.arena_bytes[l], "activations"));
        arena_bytes[l] = engine.arena_bytes[l];
      }
      if (engine.scratch_bytes[l] > scratch_bytes[l] ||
          (scratch[l] == nullptr && location_used(l))) {
        INT8RT_ASSIGN_OR_RETURN(
            scratch[l], allocate(engine, location, engine.scratch_bytes[l], "kernel scratch"));
        scratch_bytes[l] = engine.scratch_bytes[l];
      }
    }
    for (const Backend* backend : engine.step_backends) {
      if (streams.get(backend) != nullptr) continue;
      INT8RT_ASSIGN_OR_RETURN(auto state, backend->create_stream_state());
      if (state) streams.states.emplace_back(backend, std::move(state));
    }
    bool rebind = false;
    for (size_t l = 0; l < kNumLocations; ++l)
      rebind |= current->bound[l] != arena[l].get();
    if (rebind) bind(*current);
    return current;
  }

  // Host memory is always used (the host arena may be empty); device memory only by a device
  // engine.
  bool location_used(size_t l) const {
    return static_cast<TensorLocation>(l) == TensorLocation::kHost ||
           current->engine->io_location() == static_cast<TensorLocation>(l);
  }

  void bind(Variant& variant) const {
    const auto& tensors = variant.engine->tensors;
    variant.address.assign(tensors.size(), nullptr);
    for (size_t id = 0; id < tensors.size(); ++id) {
      const detail::EngineTensor& t = tensors[id];
      if (t.device_constant != nullptr) {
        variant.address[id] = t.device_constant.get();
      } else if (!t.constant.empty()) {
        variant.address[id] = const_cast<void*>(t.constant.data());
      } else if (t.arena_offset >= 0) {
        variant.address[id] = arena[location_index(t.location)].get() + t.arena_offset;
      }
    }
    for (size_t l = 0; l < kNumLocations; ++l)
      variant.bound[l] = arena[l].get();
  }

  StreamState* io_stream(const detail::EngineImpl& engine) const {
    return streams.get(engine.backend);
  }
};

ExecutionContext::ExecutionContext(std::shared_ptr<const detail::EngineImpl> engine)
    : engine_(std::move(engine)), state_(std::make_unique<State>()) {
  for (const IoTensor& input : engine_->inputs)
    state_->shapes.push_back(input.dims);
  state_->io_address.assign(engine_->inputs.size() + engine_->outputs.size(), nullptr);
  // The built shapes need no lowering; only the allocation can fail, and execute() reports it.
  (void)state_->resolve(engine_);
}

ExecutionContext::~ExecutionContext() {
  // Device memory must not be freed under a run still in flight.
  for (const auto& [backend, stream] : state_->streams.states)
    (void)stream->synchronize();
}

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

namespace {

// The slot of input or output `name` in io_address (inputs first), or -1.
int io_slot(const detail::EngineImpl& engine, std::string_view name) {
  for (size_t i = 0; i < engine.inputs.size(); ++i) {
    if (engine.inputs[i].name == name) return static_cast<int>(i);
  }
  for (size_t i = 0; i < engine.outputs.size(); ++i) {
    if (engine.outputs[i].name == name) return static_cast<int>(engine.inputs.size() + i);
  }
  return -1;
}

}  // namespace

// A tensor that is both a network input and a network output (calibration observes its inputs)
// is one tensor: its address binds both slots, and the output needs no copy.
Status ExecutionContext::set_tensor_address(std::string_view name, void* address) {
  const int slot = io_slot(*engine_, name);
  if (slot < 0) {
    return not_found("set_tensor_address: the engine has no input or output \"", name, "\"");
  }
  INT8RT_ASSIGN_OR_RETURN(Variant * variant, state_->resolve(engine_));
  const detail::EngineImpl& engine = *variant->engine;
  const auto s = static_cast<size_t>(slot);
  const int id =
      s < engine.inputs.size() ? engine.input_ids[s] : engine.output_ids[s - engine.inputs.size()];
  const size_t bytes = engine.tensors[static_cast<size_t>(id)].byte_size();
  Status usable = engine_->backend->check_address(address, engine_->io_location(), bytes);
  if (!usable.is_ok()) {
    return usable.with_context("set_tensor_address(\"" + std::string(name) + "\")");
  }
  for (size_t i = 0; i < state_->io_address.size(); ++i) {
    const bool is_input = i < engine.inputs.size();
    const std::string& io_name =
        is_input ? engine.inputs[i].name : engine.outputs[i - engine.inputs.size()].name;
    if (io_name == name) state_->io_address[i] = address;
  }
  return Status::ok();
}

void* ExecutionContext::tensor_address(std::string_view name) const {
  const int slot = io_slot(*engine_, name);
  return slot < 0 ? nullptr : state_->io_address[static_cast<size_t>(slot)];
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

// execute() on a device engine: the caller's host buffers and their copies in device memory.
struct ExecutionContext::HostCopies {
  std::span<const void* const> inputs;
  std::span<void* const> outputs;
};

namespace {

// Begins a run on every stream state of the context and ends it on every way out, so that a
// failed run still marks where it stopped.
class RunScope {
 public:
  RunScope(const detail::StreamStates& streams, const Backend* io_backend, void* stream)
      : streams_(streams) {
    for (const auto& [backend, state] : streams_.states) {
      status_ = state->begin(backend == io_backend ? stream : nullptr);
      if (!status_.is_ok()) return;
      ++begun_;
    }
  }
  ~RunScope() {
    for (size_t i = 0; i < begun_; ++i)
      (void)streams_.states[i].second->end();
  }
  const Status& status() const { return status_; }

 private:
  const detail::StreamStates& streams_;
  Status status_;
  size_t begun_ = 0;
};

}  // namespace

// Every step in order on the given I/O addresses; outputs copied from the arena to theirs.
Status ExecutionContext::run(std::span<const void* const> inputs, std::span<void* const> outputs,
                             void* stream, const HostCopies* host) {
  INT8RT_ASSIGN_OR_RETURN(Variant * variant, state_->resolve(engine_));
  const detail::EngineImpl& engine = *variant->engine;
  std::vector<void*>& address = variant->address;
  for (size_t i = 0; i < inputs.size(); ++i)
    address[static_cast<size_t>(engine.input_ids[i])] = const_cast<void*>(inputs[i]);
  TensorObserver* observer = state_->observer;
  if (observer != nullptr && variant->observe_plan == nullptr) {
    INT8RT_ASSIGN_OR_RETURN(variant->observe_plan, detail::ObservePlan::create(engine));
  }
  const detail::StreamStates& streams = state_->streams;
  const RunScope scope(streams, engine.backend, stream);
  INT8RT_RETURN_IF_ERROR(scope.status());
  StreamState* io_stream = state_->io_stream(engine);
  if (host != nullptr) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      const auto id = static_cast<size_t>(engine.input_ids[i]);
      INT8RT_RETURN_IF_ERROR(engine.backend->copy(address[id], engine.io_location(),
                                                  host->inputs[i], TensorLocation::kHost,
                                                  engine.tensors[id].byte_size(), io_stream));
    }
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
    const size_t l = location_index(step.backend->memory_space());
    Status status = step.kernel->execute(
        KernelIo{state_->step_inputs, state_->step_outputs, state_->scratch[l].get(),
                 variant->kernel_states[s].get(), streams.get(step.backend)});
    if (!status.is_ok()) return status.with_context("layer \"" + step.layer_name + "\"");
    if (observer != nullptr) {
      INT8RT_RETURN_IF_ERROR(variant->observe_plan->observe(s, address, streams, *observer));
    }
  }
  const size_t count = host != nullptr ? host->outputs.size() : outputs.size();
  for (size_t i = 0; i < count; ++i) {
    const auto id = static_cast<size_t>(engine.output_ids[i]);
    const size_t bytes = engine.tensors[id].byte_size();
    if (host != nullptr) {
      INT8RT_RETURN_IF_ERROR(engine.backend->copy(host->outputs[i], TensorLocation::kHost,
                                                  address[id], engine.io_location(), bytes,
                                                  io_stream));
    } else if (outputs[i] != address[id]) {  // an input that is also an output: in place
      INT8RT_RETURN_IF_ERROR(engine.backend->copy(outputs[i], engine.io_location(), address[id],
                                                  engine.io_location(), bytes, io_stream));
    }
  }
  return Status::ok();
}

Status ExecutionContext::enqueue(void* stream) {
  BusyGuard busy(state_->busy);
  if (!busy.acquired()) return busy_error("enqueue");
  if (engine_->io_location() == TensorLocation::kHost && stream != nullptr) {
    return invalid_argument("enqueue: backend \"", engine_->backend->name(),
                            "\" runs on the host and takes no stream (pass none)");
  }
  std::vector<const void*> inputs(engine_->inputs.size());
  std::vector<void*> outputs(engine_->outputs.size());
  for (size_t i = 0; i < state_->io_address.size(); ++i) {
    void* address = state_->io_address[i];
    const bool is_input = i < inputs.size();
    if (address == nullptr) {
      return invalid_argument(
          "enqueue: ", is_input ? "input" : "output", " \"",
          is_input ? engine_->inputs[i].name : engine_->outputs[i - inputs.size()].name,
          "\" has no address (set_tensor_address)");
    }
    if (is_input) {
      inputs[i] = address;
    } else {
      outputs[i - inputs.size()] = address;
    }
  }
  return run(inputs, outputs, stream);
}

Status ExecutionContext::bind_owned_buffers(std::span<const void* const> inputs) {
  if (inputs.size() != engine_->inputs.size()) {
    return invalid_argument("bind_owned_buffers: got ", inputs.size(), " inputs, the engine has ",
                            engine_->inputs.size());
  }
  INT8RT_ASSIGN_OR_RETURN(Variant * variant, state_->resolve(engine_));
  const detail::EngineImpl& engine = *variant->engine;
  const TensorLocation location = engine.io_location();
  state_->owned_io.clear();
  for (size_t i = 0; i < state_->io_address.size(); ++i) {
    const bool is_input = i < inputs.size();
    const int id = is_input ? engine.input_ids[i] : engine.output_ids[i - inputs.size()];
    const size_t bytes = engine.tensors[static_cast<size_t>(id)].byte_size();
    INT8RT_ASSIGN_OR_RETURN(Buffer buffer,
                            State::allocate(engine, location, bytes, "bound inputs and outputs"));
    if (is_input) {
      INT8RT_RETURN_IF_ERROR(engine.backend->copy(buffer.get(), location, inputs[i],
                                                  TensorLocation::kHost, bytes, nullptr));
    }
    state_->io_address[i] = buffer.get();
    state_->owned_io.push_back(std::move(buffer));
  }
  return Status::ok();
}

Result<std::vector<double>> ExecutionContext::time_runs(int64_t iterations) {
  INT8RT_ASSIGN_OR_RETURN(Variant * variant, state_->resolve(engine_));
  StreamState* stream = state_->io_stream(*variant->engine);
  std::unique_ptr<StreamState::Timer> timer;
  if (stream != nullptr) {
    INT8RT_ASSIGN_OR_RETURN(timer, stream->create_timer(static_cast<size_t>(iterations)));
  }
  std::vector<double> milliseconds;
  for (int64_t i = 0; i < iterations; ++i) {
    const auto start = std::chrono::steady_clock::now();
    if (timer) INT8RT_RETURN_IF_ERROR(timer->start(static_cast<size_t>(i)));
    INT8RT_RETURN_IF_ERROR(enqueue(nullptr));
    if (timer) {
      INT8RT_RETURN_IF_ERROR(timer->stop(static_cast<size_t>(i)));
      continue;
    }
    INT8RT_RETURN_IF_ERROR(synchronize());
    milliseconds.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  INT8RT_RETURN_IF_ERROR(synchronize());
  if (timer) return timer->elapsed();
  return milliseconds;
}

Status ExecutionContext::synchronize() {
  for (const auto& [backend, state] : state_->streams.states)
    INT8RT_RETURN_IF_ERROR(state->synchronize());
  return Status::ok();
}

Status ExecutionContext::execute(std::span<const void* const> inputs,
                                 std::span<void* const> outputs) {
  BusyGuard busy(state_->busy);
  if (!busy.acquired()) return busy_error("execute");
  if (inputs.size() != engine_->input_ids.size()) {
    return invalid_argument("execute: got ", inputs.size(), " inputs, the engine has ",
                            engine_->input_ids.size());
  }
  if (outputs.size() != engine_->output_ids.size()) {
    return invalid_argument("execute: got ", outputs.size(), " outputs, the engine has ",
                            engine_->output_ids.size());
  }
  // A tensor with no elements (a Slice past the end, zero channels) needs no buffer.
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i] == nullptr && input_shape(static_cast<int>(i)).volume() != 0) {
      return invalid_argument("execute: input \"", engine_->inputs[i].name, "\" is null");
    }
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i] != nullptr) continue;
    INT8RT_ASSIGN_OR_RETURN(Dims dims, output_shape(static_cast<int>(i)));
    if (dims.volume() != 0) {
      return invalid_argument("execute: output \"", engine_->outputs[i].name, "\" is null");
    }
  }
  if (engine_->io_location() == TensorLocation::kHost) {
    INT8RT_RETURN_IF_ERROR(run(inputs, outputs, nullptr));
    return synchronize();
  }
  // A device engine: the host buffers go through the context's device memory: the input
  // tensors are bound to copies there, and the outputs are copied straight from the arena.
  INT8RT_ASSIGN_OR_RETURN(Variant * variant, state_->resolve(engine_));
  const detail::EngineImpl& engine = *variant->engine;
  state_->staging.resize(inputs.size());
  state_->staging_bytes.resize(inputs.size(), 0);
  std::vector<const void*> device_inputs(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const size_t bytes = engine.tensors[static_cast<size_t>(engine.input_ids[i])].byte_size();
    if (bytes > state_->staging_bytes[i] || state_->staging[i] == nullptr) {
      INT8RT_ASSIGN_OR_RETURN(state_->staging[i], engine.backend->allocate(bytes, "input copies"));
      state_->staging_bytes[i] = bytes;
    }
    device_inputs[i] = state_->staging[i].get();
  }
  const HostCopies host{inputs, outputs};
  INT8RT_RETURN_IF_ERROR(run(device_inputs, {}, nullptr, &host));
  return synchronize();
}

}  // namespace int8rt
