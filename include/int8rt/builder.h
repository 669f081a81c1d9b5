// Builder + BuilderConfig: turn a Network into an immutable Engine.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "int8rt/backends.h"
#include "int8rt/calibrator.h"
#include "int8rt/engine.h"
#include "int8rt/logger.h"
#include "int8rt/network.h"
#include "int8rt/progress.h"
#include "int8rt/status.h"

namespace int8rt {

enum class BuilderFlag : uint32_t {
  kInt8 = 0,                      // allow INT8 kernels where ranges and kernels exist
  kObeyPrecisionConstraints = 1,  // fail the build when a per-layer precision request can't be met
  // Layers that don't run INT8 may run FP16 (TensorRT's kFP16; with kInt8, its usual INT8 + FP16
  // mode). Backends without fast FP16 kernels (the CPU ones) ignore it and say so in the build log.
  kFp16 = 2,
};

class BuilderConfig {
 public:
  void set_flag(BuilderFlag flag) { flags_ |= bit(flag); }
  void clear_flag(BuilderFlag flag) { flags_ &= ~bit(flag); }
  bool get_flag(BuilderFlag flag) const { return (flags_ & bit(flag)) != 0; }

  // The backend the engine runs on, by name (backend_names(); "cpu" by default). Checked when
  // the build starts: an unknown backend, or one that can't run here, is an error naming it.
  void set_backend(std::string_view name) { backend_ = std::string(name); }
  const std::string& backend() const { return backend_; }

  // The shape to build input `name` for: resolves its dynamic axes (trtexec's --shapes).
  void set_input_shape(std::string name, Dims dims) {
    input_shapes_[std::move(name)] = std::move(dims);
  }
  const std::map<std::string, Dims, std::less<>>& input_shapes() const { return input_shapes_; }

  // The calibrator INT8 builds take their ranges from (not owned; must outlive the build).
  void set_int8_calibrator(Calibrator* calibrator) { calibrator_ = calibrator; }
  Calibrator* int8_calibrator() const { return calibrator_; }

  // How calibration picks each tensor's threshold: the calibrator's algorithm (the default), or a
  // per-tensor choice judged at the consuming layer (docs/calibration.md). Part of the cache's
  // fingerprint: a cache written with the other setting is stale.
  void set_threshold_search(ThresholdSearch search) { threshold_search_ = search; }
  ThresholdSearch threshold_search() const { return threshold_search_; }

  // Receives progress of long phases such as calibration (not owned).
  void set_progress_monitor(ProgressMonitor* monitor) { progress_ = monitor; }
  ProgressMonitor* progress_monitor() const { return progress_; }

 private:
  static uint32_t bit(BuilderFlag flag) { return 1u << static_cast<uint32_t>(flag); }

  uint32_t flags_ = 0;
  std::string backend_{kDefaultBackend};
  std::map<std::string, Dims, std::less<>> input_shapes_;
  Calibrator* calibrator_ = nullptr;
  ThresholdSearch threshold_search_ = ThresholdSearch::kCalibrator;
  ProgressMonitor* progress_ = nullptr;
};

// Per-layer precision requests, as a file (trtexec's --layerPrecisions): one
// `layer_name: int8|fp32` per line ("float32" is accepted for fp32); '#' starts a comment line,
// blank lines are skipped, and the name is everything before the last ':' (trimmed). Errors give
// `source:line`. Requests apply to the network's layers as named before fusion; a fused layer
// carries the request of the layers it was made of (Layer::set_precision).
using LayerPrecision = std::pair<std::string, DataType>;
Result<std::vector<LayerPrecision>> parse_layer_precisions(std::string_view text,
                                                           std::string_view source);
Result<std::vector<LayerPrecision>> read_layer_precisions(const std::string& path);
// Calls Layer::set_precision for each entry. A layer name the network lacks, or a precision other
// than kInt8/kFloat, is an error naming it (nothing is changed then).
Status set_layer_precisions(Network& network, const std::vector<LayerPrecision>& precisions);

class Builder {
 public:
  explicit Builder(Logger& logger = default_logger()) : logger_(&logger) {}

  std::unique_ptr<Network> create_network() const { return std::make_unique<Network>(); }
  std::unique_ptr<BuilderConfig> create_config() const { return std::make_unique<BuilderConfig>(); }

  // Builds an engine for `network` without modifying it. Errors name the layer or tensor at fault.
  Result<std::unique_ptr<Engine>> build(const Network& network, const BuilderConfig& config) const;

  // The dynamic range of every tensor, as an INT8 build would use them: ranges set by hand, else a
  // usable cache from the config's calibrator, else fresh calibration with it (running the FP32
  // network over its batches; the cache is written afterwards). Errors name the input, file or
  // tensor at fault; an error inside the calibrator's get_batch stops calibration with it.
  Result<CalibrationReport> calibrate(const Network& network, const BuilderConfig& config) const;

  // Runs the calibrator's batches like calibrate() (ignoring its cache; nothing is written) and
  // keeps each tensor's histogram with every algorithm's threshold on it: the data behind
  // `int8rt report`. Memory: one histogram per tensor.
  Result<CalibrationAnalysis> analyze_calibration(const Network& network,
                                                  const BuilderConfig& config) const;

  // TensorRT's platformHasFastInt8 / platformHasFastFp16, for `backend` (BackendInfo::int8 and
  // fast_fp16; a backend this int8rt lacks or that can't run here has neither).
  bool platform_has_fast_int8(std::string_view backend = kDefaultBackend) const {
    return platform_int8_speed(backend) == Int8Speed::kFast;
  }
  Int8Speed platform_int8_speed(std::string_view backend = kDefaultBackend) const;
  bool platform_has_fast_fp16(std::string_view backend = kDefaultBackend) const;

  Logger& logger() const { return *logger_; }

 private:
  Result<std::unique_ptr<Engine>> build_engine(const Network& network,
                                               const BuilderConfig& config) const;
  Result<CalibrationReport> calibrate_network(const Network& network,
                                              const BuilderConfig& config) const;

  Logger* logger_;
};

}  // namespace int8rt
