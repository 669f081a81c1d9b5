#include "int8rt/builder.h"

#include <unordered_map>

#include "backends/cpu/cpu_backend.h"
#include "backends/reference/reference.h"
#include "core/log.h"
#include "passes/passes.h"
#include "runtime/engine_impl.h"

namespace int8rt {

std::string_view to_string(Backend backend) {
  switch (backend) {
    case Backend::kCpu:
      return "cpu";
    case Backend::kReference:
      return "reference";
  }
  return "unknown";
}

namespace {

// Gives every network input a static shape: the one from the config, else its own.
Status resolve_input_shapes(Network& network, const BuilderConfig& config) {
  for (const auto& [name, dims] : config.input_shapes()) {
    Tensor* tensor = network.find_tensor(name);
    if (tensor == nullptr || !tensor->is_network_input()) {
      std::string known;
      for (int i = 0; i < network.num_inputs(); ++i) {
        known += (i ? ", " : "") + network.input(i)->name();
      }
      return invalid_argument("a shape was given for \"", name,
                              "\", which is not a network input (inputs: ", known, ")");
    }
  }
  for (int i = 0; i < network.num_inputs(); ++i) {
    Tensor* input = network.input(i);
    const Dims& declared = input->dims();
    auto given = config.input_shapes().find(input->name());
    if (given != config.input_shapes().end()) {
      const Dims& dims = given->second;
      bool compatible = dims.rank() == declared.rank() && dims.is_static();
      for (int axis = 0; compatible && axis < dims.rank(); ++axis) {
        compatible = declared[axis] == Dims::kDynamic || declared[axis] == dims[axis];
      }
      if (!compatible) {
        return invalid_argument("input \"", input->name(), "\": shape ", dims.to_string(),
                                " does not match the network's ", declared.to_string());
      }
      input->set_dims(dims);
      continue;
    }
    if (!declared.is_static()) {
      std::string axes;
      for (int axis = 0; axis < declared.rank(); ++axis) {
        if (declared[axis] != Dims::kDynamic) continue;
        axes += axes.empty() ? "" : ", ";
        axes += std::to_string(axis);
        const auto& names = input->dim_names();
        if (axis < static_cast<int>(names.size()) && !names[static_cast<size_t>(axis)].empty()) {
          axes += " (\"" + names[static_cast<size_t>(axis)] + "\")";
        }
      }
      return invalid_argument("input \"", input->name(), "\" has dynamic shape ",
                              declared.to_string(), " (axis ", axes,
                              "): give its shape with BuilderConfig::set_input_shape or --shapes ",
                              input->name(), ":", "<d0>x<d1>x...");
    }
  }
  return Status::ok();
}

Result<KernelPtr> choose_kernel(const Layer& layer, Backend backend) {
  if (backend == Backend::kCpu) {
    INT8RT_ASSIGN_OR_RETURN(KernelPtr kernel, cpu::create_kernel(layer));
    if (kernel) return kernel;
  }
  return reference::create_kernel(layer);
}

Result<std::shared_ptr<detail::EngineImpl>> lower(const Network& network, Backend backend,
                                                  Logger& logger) {
  auto engine = std::make_shared<detail::EngineImpl>();
  engine->backend = std::string(to_string(backend));
  std::unordered_map<const Tensor*, int> ids;
  for (int i = 0; i < network.num_tensors(); ++i) {
    const Tensor* t = network.tensor(i);
    ids[t] = static_cast<int>(engine->tensors.size());
    engine->tensors.push_back({t->name(), t->dtype(), t->dims(), t->constant_value()});
  }
  for (int i = 0; i < network.num_layers(); ++i) {
    const Layer& layer = *network.layer(i);
    auto kernel = choose_kernel(layer, backend);
    if (!kernel.is_ok()) return kernel.status();
    detail::EngineStep step;
    step.layer_name = layer.name();
    step.op = layer.type();
    step.kernel = std::move(kernel).value();
    for (int j = 0; j < layer.num_inputs(); ++j) {
      step.inputs.push_back(layer.input(j) ? ids.at(layer.input(j)) : -1);
    }
    for (int j = 0; j < layer.num_outputs(); ++j) {
      step.outputs.push_back(layer.output(j) ? ids.at(layer.output(j)) : -1);
    }
    log_verbose(logger, "layer \"", layer.name(), "\" (", to_string(layer.type()),
                "): ", step.kernel->name(), ", ", to_string(step.precision), ", output ",
                layer.output(0) ? layer.output(0)->dims().to_string() : "-");
    engine->steps.push_back(std::move(step));
  }
  for (int i = 0; i < network.num_inputs(); ++i) {
    const Tensor* t = network.input(i);
    engine->input_ids.push_back(ids.at(t));
    engine->inputs.push_back({t->name(), t->dtype(), t->dims()});
  }
  for (int i = 0; i < network.num_outputs(); ++i) {
    const Tensor* t = network.output(i);
    engine->output_ids.push_back(ids.at(t));
    engine->outputs.push_back({t->name(), t->dtype(), t->dims()});
  }
  return engine;
}

}  // namespace

Result<std::unique_ptr<Engine>> Builder::build(const Network& network,
                                               const BuilderConfig& config) const {
  Logger& logger = *logger_;
  if (network.num_outputs() == 0) {
    return invalid_argument("network \"", network.name(), "\" has no outputs: mark one with ",
                            "Network::mark_output");
  }
  std::unique_ptr<Network> net = network.clone();
  INT8RT_RETURN_IF_ERROR(resolve_input_shapes(*net, config));
  INT8RT_RETURN_IF_ERROR(passes::optimize(*net, logger));
  INT8RT_ASSIGN_OR_RETURN(auto impl, lower(*net, config.backend(), logger));
  log_info(logger, "built engine: ", impl->steps.size(), " layers, backend ", impl->backend);
  return std::make_unique<Engine>(std::move(impl));
}

}  // namespace int8rt
