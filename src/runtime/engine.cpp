#include "int8rt/engine.h"

#include "builder/lower.h"
#include "core/file_io.h"
#include "core/log.h"
#include "ir/quantization.h"
#include "runtime/engine_impl.h"
#include "runtime/input_shapes.h"
#include "serialize/plan.h"

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
  // The scale of an INT8 engine tensor, from the graph's tensor of that name (an engine tensor
  // holding a tensor in another layout is named "<tensor>@<layout>").
  auto int8_scales = [&](const std::vector<int>& ids) {
    std::vector<TensorScale> scales;
    for (int id : ids) {
      if (id < 0) continue;
      const detail::EngineTensor& t = impl_->tensors[static_cast<size_t>(id)];
      if (t.dtype != DataType::kInt8 || !t.constant.empty()) continue;
      const Tensor* graph_tensor = impl_->network->find_tensor(t.name);
      if (graph_tensor == nullptr) {
        graph_tensor = impl_->network->find_tensor(t.name.substr(0, t.name.find('@')));
      }
      if (graph_tensor == nullptr || !graph_tensor->dynamic_range_is_set()) continue;
      scales.push_back({graph_tensor->name(), ir::int8_scale(*graph_tensor)});
    }
    return scales;
  };
  std::vector<LayerInfo> result;
  for (const auto& step : impl_->steps) {
    const std::string op = step.is_reorder ? "Reorder" : std::string(to_string(step.op));
    result.push_back({step.layer_name, op, step.kernel->name(), std::string(step.backend->name()),
                      step.backend->memory_space(), step.precision, int8_scales(step.inputs),
                      int8_scales(step.outputs)});
  }
  return result;
}

std::string Engine::backend() const {
  return std::string(impl_->backend->name());
}

TensorLocation Engine::io_location() const {
  return impl_->io_location();
}

std::unique_ptr<ExecutionContext> Engine::create_execution_context() const {
  return std::make_unique<ExecutionContext>(impl_);
}

Result<std::string> Engine::serialize() const {
  if (impl_->network == nullptr) {
    return internal_error("the engine keeps no graph to serialize");
  }
  return serialize::write_plan(*impl_->network, impl_->backend->name(),
                               impl_->backend->plan_target(),
                               impl_->options.allow_fp16 ? serialize::kPlanFlagFp16 : 0u);
}

Status Engine::save(const std::string& path) const {
  INT8RT_ASSIGN_OR_RETURN(std::string bytes, serialize());
  return write_file_atomic(path, bytes);
}

Result<std::unique_ptr<Engine>> Engine::deserialize(std::string_view bytes, Logger& logger,
                                                    std::string_view backend) {
  INT8RT_ASSIGN_OR_RETURN(serialize::Plan plan, serialize::read_plan(bytes));
  const serialize::PlanHeader& header = plan.header;
  if (!backend.empty() && header.backend != backend) {
    return invalid_argument("the plan is for backend \"", header.backend, "\", not \"", backend,
                            "\"");
  }
  const Backend* target = find_backend(header.backend);
  if (target == nullptr) {
    return unsupported("the plan is for backend \"", header.backend, "\", which int8rt ",
                       serialize::kLibraryVersion, " does not have");
  }
  if (!target->available()) {
    return unsupported("the plan is for backend \"", header.backend,
                       "\", which can't run here: ", target->info().reason);
  }
  INT8RT_RETURN_IF_ERROR(target->check_plan_target(header.target));
  if ((header.flags & ~serialize::kPlanFlagFp16) != 0) {
    return unsupported("the plan sets flags ", header.flags, " that int8rt ",
                       serialize::kLibraryVersion, " does not know");
  }
  log_info(logger, "plan: format ", header.format_version, ", made by int8rt ",
           header.library_version, ", backend ", header.backend,
           header.target.empty() ? "" : " (" + header.target + ")", ", ",
           plan.network->num_layers(), " layers");
  Status consistent = detail::check_graph_shapes(*plan.network);
  if (!consistent.is_ok()) return parse_error("malformed plan: ", consistent.message());
  detail::LoweringOptions options;
  options.allow_fp16 = (header.flags & serialize::kPlanFlagFp16) != 0;
  INT8RT_ASSIGN_OR_RETURN(auto impl, detail::lower(*plan.network, *target, options, logger));
  return std::make_unique<Engine>(std::move(impl));
}

Result<std::unique_ptr<Engine>> Engine::load(const std::string& path, Logger& logger,
                                             std::string_view backend) {
  INT8RT_ASSIGN_OR_RETURN(std::string bytes, read_file(path));
  auto engine = deserialize(bytes, logger, backend);
  if (!engine.is_ok()) return engine.status().with_context(path);
  return engine;
}

}  // namespace int8rt
