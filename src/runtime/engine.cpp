#include "int8rt/engine.h"

#include "runtime/engine_impl.h"

namespace int8rt {

Engine::Engine(std::shared_ptr<const detail::EngineImpl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

int Engine::num_inputs() const {
  return static_cast<int>(impl_->inputs.size());
}
const IoTensor& Engine::input(int index) const {
  return impl_->inputs.at(static_cast<size_t>(index));
}
int Engine::num_outputs() const {
  return static_cast<int>(impl_->outputs.size());
}
const IoTensor& Engine::output(int index) const {
  return impl_->outputs.at(static_cast<size_t>(index));
}

namespace {
int index_of(const std::vector<IoTensor>& list, std::string_view name) {
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i].name == name) return static_cast<int>(i);
  }
  return -1;
}
}  // namespace

int Engine::input_index(std::string_view name) const {
  return index_of(impl_->inputs, name);
}
int Engine::output_index(std::string_view name) const {
  return index_of(impl_->outputs, name);
}

std::vector<LayerInfo> Engine::layers() const {
  std::vector<LayerInfo> result;
  for (const auto& step : impl_->steps) {
    const std::string op = step.is_reorder ? "Reorder" : std::string(to_string(step.op));
    result.push_back({step.layer_name, op, step.kernel->name(), step.precision});
  }
  return result;
}

std::string Engine::backend() const {
  return impl_->backend;
}

std::unique_ptr<ExecutionContext> Engine::create_execution_context() const {
  return std::make_unique<ExecutionContext>(impl_);
}

}  // namespace int8rt
