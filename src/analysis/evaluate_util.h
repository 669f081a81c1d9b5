// What evaluate_top1 and compare_engines share: checking that a data source fits an engine's one
// input, choosing the batch, and the top-1 rule.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "int8rt/data.h"
#include "int8rt/engine.h"
#include "int8rt/status.h"

namespace int8rt::analysis {

// The engine has one float32 input [B, sample...] whose axes after the first are the source's
// sample shape. `what` names the engine in errors ("FP32 engine").
Status check_input_fits(const Engine& engine, const DataSource& data, std::string_view what);

// The batch to run: `requested` cut to the engine's built batch (axis 0 of its input); an error
// when `requested` < 1.
Result<int64_t> run_batch(const Engine& engine, int64_t requested);

// [batch, sample...] for the source's samples.
Dims batch_dims(const DataSource& data, int64_t batch);

// A context running `batch` rows, and the float32 scores [batch, classes...] of output 0; the
// classes per row in `classes`.
struct ClassifierRun {
  std::unique_ptr<ExecutionContext> context;
  int64_t classes = 0;
  std::string output_name;
};
Result<ClassifierRun> classifier_run(const Engine& engine, const DataSource& data, int64_t batch,
                                     std::string_view what);

// The index of the first largest value (numpy's argmax on rows without NaN; a NaN never wins
// here, where numpy would return its index).
inline int64_t argmax(const float* row, int64_t count) {
  int64_t best = 0;
  for (int64_t c = 1; c < count; ++c) {
    if (row[c] > row[best]) best = c;
  }
  return best;
}

// The label of row `row` of `batch`, checked against the classes.
Result<int64_t> checked_label(const DataSource& data, const Batch& batch, int64_t row,
                              int64_t classes, const std::string& output_name);

}  // namespace int8rt::analysis
