// The INT8 flags shared by build, run, eval and calibrate: the calibrator over a data SPEC, the
// cache, hand-set ranges, per-layer precisions, and how they go into a BuilderConfig.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "int8rt/builder.h"
#include "int8rt/calibrator.h"
#include "int8rt/engine.h"
#include "int8rt/network.h"
#include "int8rt/progress.h"

namespace int8rt::cli {

inline constexpr int64_t kDefaultBatch = 32;

// The calibrator's algorithm and parameters: --calibrator, --percentile, --quantile,
// --regression-cutoff, --max-batches, --per-tensor-thresholds. Every command that calibrates
// shares them.
std::vector<Flag> calibrator_flags();
// --per-tensor-thresholds into the config (BuilderConfig::set_threshold_search).
void apply_threshold_search(const Args& args, BuilderConfig& config);
// --int8, --data (named `data_flag`: eval's own --data is its labelled set), --cache, --ranges,
// --layer-precisions, --obey-precision-constraints, then calibrator_flags().
std::vector<Flag> int8_flags(const std::string& data_flag);
// The flags of a command that builds engines: `flags` (engine_flags(), --onnx first) with the
// command's `own` flags and then int8_flags(data_flag) inserted after --onnx.
void add_command_flags(std::vector<Flag>& flags, std::vector<Flag> own,
                       const std::string& data_flag);

// StreamCalibratorOptions from calibrator_flags() (the batch and cache path are left to the
// caller).
Result<StreamCalibratorOptions> parse_calibrator_options(const Args& args);

// The batch of a single-input model: its fixed axis 0, else --batch, else kDefaultBatch. A --batch
// that contradicts a fixed axis is an error naming the input.
Result<int64_t> model_batch(const Args& args, const Network& network, const std::string& model);

// FILE's directory must exist: checked before calibrating, so a mistyped path fails at once.
Status check_writable_location(std::string_view flag, const std::string& path);

// What configure_int8 set up; keeps the calibrator alive for the build.
struct Int8Setup {
  bool enabled = false;
  std::unique_ptr<StreamCalibrator> calibrator;
  std::unique_ptr<TerminalProgress> progress;
  size_t manual_ranges = 0;
  std::string cache_path;
  bool cache_existed = false;  // the cache file was there before the build
};

// Applies the int8_flags() to `network` and `config`: the kInt8 flag, ranges from --ranges
// (set_dynamic_ranges), a StreamCalibrator over --data with --cache at `batch` samples per batch,
// per-layer precisions. Without --int8 any INT8-only flag is an error.
Status configure_int8(const Args& args, const std::string& data_flag, int64_t batch,
                      Network& network, BuilderConfig& config, Int8Setup& setup);

// The plan file of --engine, refusing the int8_flags(data_flag): they build an engine, and the
// plan is built already.
Result<std::unique_ptr<Engine>> load_built_engine(const Args& args, const std::string& data_flag,
                                                  Logger& logger);

// "calibration skipped: ..." / "calibrated on ..." for a build that had a calibrator, or "".
std::string calibration_summary(const Int8Setup& setup);

}  // namespace int8rt::cli
