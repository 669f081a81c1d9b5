// Calibration's FP32 pass over one batch, where the engine runs: the activations binned on the
// host (after execute() brings them there), or, for a backend with a HistogramCollector (a GPU),
// binned where they are, with only the histograms copied back at the end.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "calib/histogram.h"
#include "int8rt/calibrator.h"
#include "int8rt/engine.h"

namespace int8rt::detail {

class CalibrationPass {
 public:
  // A pass of `engine` (every activation an output) fed by `calibrator`'s batches.
  static Result<std::unique_ptr<CalibrationPass>> create(const Engine& engine,
                                                         const Calibrator& calibrator);
  virtual ~CalibrationPass() = default;

  // Runs one batch (`bindings`: the calibrator's buffers, in its batch_location()) and bins every
  // output into its histogram.
  virtual Status run(std::span<const void* const> bindings) = 0;
  // Output `index` of the last batch, on the host (the per-tensor threshold search keeps some).
  virtual Status read(size_t index, std::vector<float>& values) = 0;
  // The histograms, per output.
  virtual Result<std::vector<calib::Histogram>> histograms() = 0;
};

}  // namespace int8rt::detail
