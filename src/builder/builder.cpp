#include "int8rt/builder.h"

#include <unordered_map>

#include "backends/cpu/cpu_backend.h"
#include "backends/reference/reference.h"
#include "builder/input_shapes.h"
#include "builder/lower.h"
#include "builder/memory_plan.h"
#include "builder/platform.h"
#include "core/guard.h"
#include "core/log.h"
#include "ir/quantization.h"
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

// INT8 when the layer reads or writes quantized data (an INT8 kernel, or a Quantize/Dequantize
// reformat); the precision Engine::layers() reports.
DataType step_precision(const Layer& layer) {
  for (int j = 0; j < layer.num_inputs(); ++j) {
    if (ir::is_quantized(layer.input(j)) && !layer.input(j)->is_constant()) return DataType::kInt8;
  }
  for (int j = 0; j < layer.num_outputs(); ++j) {
    if (ir::is_quantized(layer.output(j))) return DataType::kInt8;
  }
  return DataType::kFloat;
}

Result<KernelPtr> choose_kernel(const Layer& layer, Backend backend,
                                std::span<const Layout> input_layouts) {
  if (backend == Backend::kCpu) {
    INT8RT_ASSIGN_OR_RETURN(KernelPtr kernel, cpu::create_kernel(layer, input_layouts));
    if (kernel) return kernel;
  }
  return reference::create_kernel(layer);
}

// Layout propagation (docs/architecture.md, "Memory layouts"). Each network tensor has one or more
// engine tensors holding its value, one per layout it is needed in; the first is the one its
// producer writes. Kernels are created in execution order knowing the layouts their inputs are
// produced in, declare the layouts they read, and a reorder step is added only where those differ.
class Lowering {
 public:
  Lowering(detail::EngineImpl& engine, Logger& logger) : engine_(engine), logger_(logger) {}

  // A tensor whose value is available plain (network input, constant) at engine tensor `id`.
  void add_plain(const Tensor* t, int id) { versions_[t] = {{Layout(), id}}; }

  // Registers `t` as written by a step in `layout`; returns its engine tensor id.
  int add_produced(const Tensor* t, const Layout& layout) {
    const int id = new_tensor(t, layout);
    versions_[t] = {{layout, id}};
    return id;
  }

  bool is_known(const Tensor* t) const { return versions_.count(t) != 0; }
  const Layout& produced_layout(const Tensor* t) const { return versions_.at(t).front().first; }

  // The engine tensor holding `t` in `layout`, adding a reorder step when there is none yet.
  Result<int> in_layout(const Tensor* t, const Layout& layout) {
    auto& versions = versions_.at(t);
    for (const auto& [have, id] : versions) {
      if (have == layout) return id;
    }
    const auto& [from, from_id] = versions.front();
    if (!engine_.tensors[static_cast<size_t>(from_id)].constant.empty()) {
      return internal_error("constant \"", t->name(), "\" is needed in layout ", layout.to_string(),
                            "; constants are only available plain");
    }
    INT8RT_ASSIGN_OR_RETURN(KernelPtr kernel,
                            cpu::create_reorder(t->dtype(), t->dims(), from, layout));
    const int id = new_tensor(t, layout);
    detail::EngineStep step;
    step.layer_name =
        "reorder \"" + t->name() + "\" " + from.to_string() + " -> " + layout.to_string();
    step.is_reorder = true;
    step.precision = t->dtype() == DataType::kInt8 ? DataType::kInt8 : DataType::kFloat;
    step.kernel = std::move(kernel);
    step.inputs = {from_id};
    step.outputs = {id};
    log_verbose(logger_, step.layer_name, ": ", step.kernel->name());
    engine_.steps.push_back(std::move(step));
    versions.emplace_back(layout, id);
    ++reorders_;
    return id;
  }

  int reorders() const { return reorders_; }

 private:
  int new_tensor(const Tensor* t, const Layout& layout) {
    detail::EngineTensor tensor{t->name(), t->dtype(), t->dims(), {}, layout};
    if (!layout.is_plain()) tensor.name += "@" + layout.to_string();
    engine_.tensors.push_back(std::move(tensor));
    return static_cast<int>(engine_.tensors.size()) - 1;
  }

  detail::EngineImpl& engine_;
  Logger& logger_;
  std::unordered_map<const Tensor*, std::vector<std::pair<Layout, int>>> versions_;
  int reorders_ = 0;
};

}  // namespace

Result<std::shared_ptr<detail::EngineImpl>> detail::lower(const Network& network, Backend backend,
                                                          Logger& logger) {
  auto engine = std::make_shared<detail::EngineImpl>();
  engine->backend = std::string(to_string(backend));
  engine->backend_kind = backend;
  engine->network = network.clone();
  Lowering lowering(*engine, logger);
  for (int i = 0; i < network.num_tensors(); ++i) {
    const Tensor* t = network.tensor(i);
    if (!t->is_network_input() && !t->is_constant()) continue;
    engine->tensors.push_back({t->name(), t->dtype(), t->dims(), t->constant_value(), Layout()});
    lowering.add_plain(t, static_cast<int>(engine->tensors.size()) - 1);
  }
  for (int i = 0; i < network.num_layers(); ++i) {
    const Layer& layer = *network.layer(i);
    std::vector<Layout> produced;
    for (int j = 0; j < layer.num_inputs(); ++j) {
      const Tensor* input = layer.input(j);
      if (input != nullptr && !lowering.is_known(input)) {
        return internal_error("layer \"", layer.name(), "\" reads tensor \"", input->name(),
                              "\" before any layer computes it");
      }
      produced.push_back(input ? lowering.produced_layout(input) : Layout());
    }
    auto kernel = choose_kernel(layer, backend, produced);
    if (!kernel.is_ok()) return kernel.status();
    detail::EngineStep step;
    step.layer_name = layer.name();
    step.op = layer.type();
    step.precision = step_precision(layer);
    step.kernel = std::move(kernel).value();
    for (int j = 0; j < layer.num_inputs(); ++j) {
      int id = -1;
      if (layer.input(j) != nullptr) {
        INT8RT_ASSIGN_OR_RETURN(id,
                                lowering.in_layout(layer.input(j), step.kernel->input_layout(j)));
      }
      step.inputs.push_back(id);
    }
    for (int j = 0; j < layer.num_outputs(); ++j) {
      step.outputs.push_back(
          layer.output(j) ? lowering.add_produced(layer.output(j), step.kernel->output_layout(j))
                          : -1);
    }
    log_verbose(logger, "layer \"", layer.name(), "\" (", to_string(layer.type()),
                "): ", step.kernel->name(), ", ", to_string(step.precision), ", output ",
                layer.output(0) ? layer.output(0)->dims().to_string() : "-", " ",
                step.kernel->output_layout(0).to_string());
    engine->steps.push_back(std::move(step));
  }
  for (int i = 0; i < network.num_inputs(); ++i) {
    const Tensor* t = network.input(i);
    INT8RT_ASSIGN_OR_RETURN(int id, lowering.in_layout(t, Layout()));
    engine->input_ids.push_back(id);
    engine->inputs.push_back({t->name(), t->dtype(), t->dims()});
  }
  for (int i = 0; i < network.num_outputs(); ++i) {
    const Tensor* t = network.output(i);
    if (!lowering.is_known(t)) {
      return internal_error("network output \"", t->name(), "\" is computed by no layer");
    }
    INT8RT_ASSIGN_OR_RETURN(int id, lowering.in_layout(t, Layout()));
    engine->output_ids.push_back(id);
    engine->outputs.push_back({t->name(), t->dtype(), t->dims()});
  }
  if (lowering.reorders() > 0) {
    log_info(logger, "inserted ", lowering.reorders(), " layout reorders");
  }
  plan_memory(*engine);
  log_verbose(logger, "activation arena: ", engine->arena_bytes, " bytes, scratch ",
              engine->scratch_bytes, " bytes");
  return engine;
}

namespace {
Result<std::shared_ptr<detail::EngineImpl>> lower(const Network& network, Backend backend,
                                                  Logger& logger) {
  return detail::lower(network, backend, logger);
}
}  // namespace

namespace {

// The ranges an INT8 build uses, on the builder's copy: manual ones are already there; the others
// come from the calibration cache or fresh calibration (Builder::calibrate).
Status apply_ranges(Network& net, const CalibrationReport& report) {
  for (const TensorRangeInfo& info : report.tensors) {
    Tensor* t = net.find_tensor(info.name);
    if (t == nullptr || t->dynamic_range_is_set()) continue;
    INT8RT_RETURN_IF_ERROR(t->set_dynamic_range(-info.amax, info.amax));
  }
  return Status::ok();
}

void warn_missing_ranges(const Network& net, Logger& logger) {
  for (int i = 0; i < net.num_tensors(); ++i) {
    const Tensor* t = net.tensor(i);
    if (t->is_constant() || t->dtype() != DataType::kFloat || t->dynamic_range_is_set()) continue;
    log_warning(logger, "tensor \"", t->name(),
                "\" has no dynamic range (not set by hand, and no calibrator)");
  }
}

// Precision assignment and reformats on the fused graph (docs/passes.md).
Status assign_int8(Network& net, const BuilderConfig& config, Logger& logger) {
  passes::PrecisionOptions options;
  options.supports_int8 = [](const Layer& layer) { return reference::supports_int8(layer); };
  options.obey_constraints = config.get_flag(BuilderFlag::kObeyPrecisionConstraints);
  INT8RT_ASSIGN_OR_RETURN(passes::PrecisionAssignment assignment,
                          passes::assign_precision(net, options, logger));
  INT8RT_ASSIGN_OR_RETURN(passes::ReformatCounts reformats,
                          passes::insert_reformats(net, assignment, logger));
  log_info(logger, "precision: ", assignment.num_int8, " layers int8, ", assignment.num_float,
           " float32; reformats: ", reformats.quantize, " Quantize, ", reformats.dequantize,
           " Dequantize");
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<Engine>> Builder::build(const Network& network,
                                               const BuilderConfig& config) const {
  return catch_exceptions("build", [&] { return build_engine(network, config); });
}

Result<std::unique_ptr<Engine>> Builder::build_engine(const Network& network,
                                                      const BuilderConfig& config) const {
  Logger& logger = *logger_;
  if (network.num_outputs() == 0) {
    return invalid_argument("network \"", network.name(), "\" has no outputs: mark one with ",
                            "Network::mark_output");
  }
  const bool int8 = config.get_flag(BuilderFlag::kInt8);
  std::unique_ptr<Network> net = network.clone();
  INT8RT_RETURN_IF_ERROR(detail::bind_input_shapes(*net, config.input_shapes()));
  // Without a calibrator the ranges set by hand (already on the copy) are all there is.
  const bool calibrate_ranges = int8 && config.int8_calibrator() != nullptr;
  if (calibrate_ranges) {
    INT8RT_ASSIGN_OR_RETURN(CalibrationReport report, calibrate(network, config));
    INT8RT_RETURN_IF_ERROR(apply_ranges(*net, report));
  }
  INT8RT_RETURN_IF_ERROR(passes::optimize(*net, logger));
  if (int8) {
    detail::log_int8_platform(logger, config.backend());
    if (!calibrate_ranges) warn_missing_ranges(*net, logger);
    INT8RT_RETURN_IF_ERROR(assign_int8(*net, config, logger));
  }
  INT8RT_ASSIGN_OR_RETURN(auto impl, lower(*net, config.backend(), logger));
  log_info(logger, "built engine: ", impl->steps.size(), " layers, backend ", impl->backend);
  return std::make_unique<Engine>(std::move(impl));
}

}  // namespace int8rt
