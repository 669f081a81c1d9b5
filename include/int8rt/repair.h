// Precision repair: the fewest layers to keep in FP32 so an INT8 engine meets an accuracy target
// on a labelled set, chosen by measured sensitivity (docs/debugging.md, "Repair").
//
//   BuilderConfig config;                       // with BuilderFlag::kInt8 and a calibrator
//   config.set_int8_calibrator(&calibrator);
//   auto data = open_data_source("idx:t10k-images.gz,t10k-labels.gz").value();
//   RepairOptions options;
//   options.max_drop = 0.005;                   // at most 0.5 pt below FP32
//   RepairResult result = repair_precision(builder, *network, config, *data, options).value();
//   write_layer_precisions("fp32_layers.txt", result.precisions);   // int8rt build accepts it
//
// How: calibrate once (Builder::calibrate), then set those ranges on a copy of the network so that
// no rebuild calibrates again. For every layer the INT8 engine runs INT8, build an engine where
// only that layer (with the layers fused into it) runs FP32 and measure it on the sensitivity
// subset. Then keep layers in FP32 in the order of that ranking, one more per step, rebuilding and
// evaluating on the whole evaluation set, until the target is met or max_layers are FP32; then
// drop the layers the target is still met without.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "int8rt/analysis.h"
#include "int8rt/builder.h"
#include "int8rt/data.h"
#include "int8rt/engine.h"
#include "int8rt/network.h"
#include "int8rt/progress.h"
#include "int8rt/status.h"

namespace int8rt {

// What "sensitive" means for one layer, measured on the sensitivity subset (see Isolation for
// the engine it is measured on):
enum class SensitivityMeasure : uint8_t {
  kAccuracy,     // top-1 gained over the all-INT8 engine; ties broken by kOutputError
  kOutputError,  // relative L2 error of the first output against FP32's removed:
                 // e = sqrt(Σ (y − y_fp32)² / Σ y_fp32²); sensitivity = e_int8 − e_layer
};

std::string_view to_string(SensitivityMeasure measure);  // "accuracy", "output-error"

// The engine each layer is measured on.
enum class Isolation : uint8_t {
  // That layer FP32, every other INT8: what repairing it alone gains. Layers that only help
  // together (two broken ranges, each hiding the other) rank flat this way.
  kLayerFp32,
  // That layer INT8, every other FP32: what quantizing it alone loses (the accuracy measure
  // then ranks by FP32's top-1 minus that; the output-error measure by the error itself). Sees
  // each of several layers that break the network together; blind to a range that only hurts
  // between two INT8 layers (alone, the producer writes float32 for an FP32 reader).
  kLayerInt8,
};

std::string_view to_string(Isolation isolation);  // "fp32", "int8"

// Top-1 accuracy of an engine on a data set; evaluate_top1 unless replaced (tests inject one).
using EvaluateFunction =
    std::function<Result<Accuracy>(const Engine& engine, DataSource& data, int64_t batch_size)>;

struct RepairOptions {
  // The target, one of the two (fractions: 0.005 is 0.5 pt): accuracy >= target_accuracy, or
  // accuracy >= FP32 accuracy − max_drop. Exactly one must be >= 0.
  double target_accuracy = -1.0;
  double max_drop = -1.0;
  int max_layers = 10;  // at most this many layers of the INT8 engine kept in FP32
  SensitivityMeasure measure = SensitivityMeasure::kOutputError;
  Isolation isolation = Isolation::kLayerFp32;
  // The sensitivity ranking runs on the first `sensitivity_samples` samples of the evaluation set
  // (all when < 0); the target is always checked on the whole set (or max_samples).
  int64_t sensitivity_samples = 1000;
  int64_t max_samples = -1;  // samples of `data` used at all; all when < 0
  // Once the target is met with k layers, try the set without each of the first k − 1 (one
  // build and evaluation each) and drop those it still meets the target without.
  bool prune = true;
  int64_t batch_size = 32;  // evaluation batch: at most the batch the config builds for
  // Latency of the FP32, INT8 and repaired engines: median of `latency_iterations` executions at
  // `latency_batch` (after as many warm-up runs); 0 iterations skips timing.
  int64_t latency_batch = 1;
  int latency_iterations = 50;
  EvaluateFunction evaluate;  // evaluate_top1 when empty
  // Phases "sensitivity" and "repair": one step per build, items = samples evaluated so far.
  ProgressMonitor* progress = nullptr;
};

// One layer of the all-INT8 engine, with what isolating it measured.
struct LayerSensitivity {
  std::string layer;                 // the engine's layer ("a+b" for a fused one)
  std::vector<std::string> members;  // the network's layers it was built from
  std::string op;
  Accuracy accuracy;          // on the sensitivity subset, this layer FP32, the rest INT8
  double output_error = 0.0;  // relative L2 of the first output vs FP32 on the subset
  double sensitivity = 0.0;   // per options.measure; larger is more sensitive
};

// One step of the greedy search: the first `layers` of the ranking kept in FP32.
struct RepairStep {
  int layers = 0;
  Accuracy accuracy;  // on the evaluation set
};

struct RepairResult {
  double target = 0.0;  // the accuracy to reach (a fraction)
  bool target_met = false;
  Accuracy fp32_accuracy;
  Accuracy int8_accuracy;      // every layer that can be INT8 is
  Accuracy repaired_accuracy;  // `chosen` in FP32 (the best step when the target was not met)
  // Median latency in ms at options.latency_batch (0 when not timed).
  double fp32_latency_ms = 0.0;
  double int8_latency_ms = 0.0;
  double repaired_latency_ms = 0.0;
  int int8_layers = 0;  // INT8 layers of the all-INT8 engine
  int repaired_int8_layers = 0;
  std::vector<LayerSensitivity> sensitivities;  // most sensitive first
  std::vector<std::string> chosen;              // engine layers kept in FP32, in ranking order
  std::vector<LayerPrecision> precisions;       // their members: "name: fp32", for the file
  std::vector<RepairStep> steps;                // every greedy step evaluated, in order
  std::vector<std::string> pruned;  // layers of the greedy steps found unnecessary afterwards
  int64_t sensitivity_samples = 0;
  int64_t evaluation_samples = 0;
  int builds = 0;       // engines built, calibration not counted
  int evaluations = 0;  // evaluations run (sensitivity and greedy)
  double calibration_seconds = 0.0;
  double seconds = 0.0;  // all of it
  // Why the target was not met ("" when it was): the best accuracy found and with how many layers.
  std::string message;
};

// Finds the layers to keep in FP32. `config` must have BuilderFlag::kInt8 and ranges: a calibrator
// (run once, or its cache used) and/or dynamic ranges set on `network`; layer precision requests
// already on `network` are kept. `data` must be labelled. The target not being reachable within
// max_layers is not an error: the result says so (target_met false, message) with the best found.
Result<RepairResult> repair_precision(const Builder& builder, const Network& network,
                                      const BuilderConfig& config, DataSource& data,
                                      const RepairOptions& options = {});

// The layer-precisions file text (parse_layer_precisions reads it back): a comment header, then
// one "name: fp32|int8" line per entry.
std::string format_layer_precisions(const std::vector<LayerPrecision>& precisions,
                                    std::string_view comment = {});
// Written atomically: a temporary file, then rename.
Status write_layer_precisions(const std::string& path,
                              const std::vector<LayerPrecision>& precisions,
                              std::string_view comment = {});

}  // namespace int8rt
