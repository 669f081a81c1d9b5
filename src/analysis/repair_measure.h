// What repair_precision measures on an engine: top-1 and output error on a data set held in
// memory, and latency.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "int8rt/analysis.h"
#include "int8rt/data.h"
#include "int8rt/engine.h"
#include "int8rt/logger.h"
#include "int8rt/status.h"

namespace int8rt::analysis {

// The first `count` samples of `source` (all when < 0) copied into memory, labels included: every
// engine the search builds is measured on the same samples without reading files again.
Result<std::unique_ptr<DatasetSource>> load_samples(DataSource& source, int64_t count);

// Runs `engine` (one float32 input, first output [N, ...]) over `data` in batches of `batch`.
struct OutputRun {
  Accuracy accuracy;
  std::vector<float> outputs;  // the first output of every sample, sample after sample
};
Result<OutputRun> run_outputs(const Engine& engine, DataSource& data, int64_t batch);

// sqrt(Σ (y − ref)² / Σ ref²); 0 when both are 0, +inf when only ref is.
double relative_l2(const std::vector<float>& y, const std::vector<float>& ref);

// Median latency (ms) of `iterations` executions at `batch` (clamped to the built batch) on
// seeded random inputs, after as many warm-up runs.
Result<double> median_latency_ms(const Engine& engine, int64_t batch, int iterations);

// Forwards errors to `base` and drops everything less severe: the search builds dozens of
// engines, each of which would repeat the same warnings.
class QuietLogger : public Logger {
 public:
  explicit QuietLogger(Logger& base) : base_(base) {}
  void log(Severity severity, std::string_view message) noexcept override {
    if (severity <= Severity::kError) base_.log(severity, message);
  }
  Logger& base() const { return base_; }

 private:
  Logger& base_;
};

}  // namespace int8rt::analysis
