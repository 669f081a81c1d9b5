#include "int8rt/builder.h"

#include <unordered_map>

#include "backends/backend.h"
#include "builder/input_shapes.h"
#include "builder/lower.h"
#include "core/guard.h"
#include "core/log.h"
#include "ir/quantization.h"
#include "passes/passes.h"
#include "runtime/engine_impl.h"

namespace int8rt {

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
Status assign_int8(Network& net, const BuilderConfig& config, const Backend& backend,
                   Logger& logger) {
  passes::PrecisionOptions options;
  options.supports_int8 = [&backend](const Layer& layer) { return runs_int8(backend, layer); };
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

Int8Speed Builder::platform_int8_speed(std::string_view backend) const {
  auto info = get_backend_info(backend);
  return info.is_ok() && info->available ? info->int8 : Int8Speed::kNone;
}

bool Builder::platform_has_fast_fp16(std::string_view backend) const {
  auto info = get_backend_info(backend);
  return info.is_ok() && info->available && info->fast_fp16;
}

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
  INT8RT_ASSIGN_OR_RETURN(const Backend* backend, require_backend(config.backend()));
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
    log_info(logger, "INT8 path: ", backend->info().int8_path);
    if (!calibrate_ranges) warn_missing_ranges(*net, logger);
    INT8RT_RETURN_IF_ERROR(assign_int8(*net, config, *backend, logger));
  }
  detail::LoweringOptions options;
  if (config.get_flag(BuilderFlag::kFp16)) {
    options.allow_fp16 = backend->info().fast_fp16;
    if (!options.allow_fp16) {
      log_info(logger, "FP16: backend \"", backend->name(),
               "\" has no fast FP16 kernels; the flag has no effect there (float layers run FP32)");
    }
  }
  INT8RT_ASSIGN_OR_RETURN(auto impl, detail::lower(*net, *backend, options, logger));
  log_info(logger, "built engine: ", impl->steps.size(), " layers, backend ", backend->name());
  return std::make_unique<Engine>(std::move(impl));
}

}  // namespace int8rt
