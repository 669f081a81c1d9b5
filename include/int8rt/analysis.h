// Where INT8 loses accuracy: an FP32 and an INT8 engine of one network run side by side on the
// same samples, tensor by tensor (docs/debugging.md).
//
//   auto fp32 = builder.build(*network, *fp32_config).value();
//   auto int8 = builder.build(*network, *int8_config).value();
//   auto data = open_data_source("idx:images.gz,labels=labels.gz").value();
//   Comparison result = compare_engines(*fp32, *int8, *data).value();
//   for (const TensorComparison& t : result.tensors)  // worst first
//     std::printf("%-30s %6.1f dB\n", t.name.c_str(), t.sqnr_db);
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "int8rt/data.h"
#include "int8rt/engine.h"
#include "int8rt/progress.h"
#include "int8rt/status.h"
#include "int8rt/types.h"

namespace int8rt {

// Top-1 accuracy over a labelled data set.
struct Accuracy {
  int64_t correct = 0;
  int64_t total = 0;
  double value() const { return total > 0 ? static_cast<double>(correct) / total : 0.0; }
};

struct EvaluateOptions {
  // Samples per run, cut to the engine's built batch. The last batch is zero-padded to it and
  // only its samples are counted.
  int64_t batch_size = 32;
  int64_t max_samples = -1;  // all of the source when < 0
  // Phase "evaluation", one step per batch; step_complete returning false stops the run with an
  // error ("evaluation cancelled after K batches").
  ProgressMonitor* progress = nullptr;
  // Called for every sample in order: its index in the source, its label, the class predicted.
  std::function<void(int64_t sample, int64_t label, int64_t predicted)> on_prediction;
};

// Runs a classifier engine (one input, first output [N, classes]) over a labelled source and
// counts the samples whose largest logit (the first one on ties, as numpy.argmax) is at the label.
// Errors: the source has no labels, its sample shape is not the engine input's without axis 0, a
// label outside [0, classes).
Result<Accuracy> evaluate_top1(const Engine& engine, DataSource& data,
                               const EvaluateOptions& options = {});

// One tensor both engines compute. Fusion keeps the name of a fused chain's last output, so the
// INT8 engine's tensors are a subset of the FP32 engine's; those present in both are compared.
struct TensorComparison {
  std::string name;
  std::string layer;                      // the INT8 engine's layer that computes it
  DataType precision = DataType::kFloat;  // that layer's precision in the INT8 engine
  Dims dims;                              // the tensor's shape at batch 1
  int64_t count = 0;                      // values compared over all samples
  // Positions where either engine computed NaN or ±Inf: counted here, left out of the sums below
  // (a tensor with any is listed first, whatever its SQNR).
  int64_t nonfinite = 0;
  // With e = int8 − fp32 over every finite pair compared:
  double sqnr_db = 0.0;        // 10·log10(Σ fp32² / Σ e²); +inf when e is 0 everywhere
  double cosine = 0.0;         // Σ fp32·int8 / sqrt(Σ fp32² · Σ int8²); 1 when both are 0
  double max_abs_error = 0.0;  // max |e|
  double relative_l2 = 0.0;    // sqrt(Σ e² / Σ fp32²); 0 when both are 0
};

struct Comparison {
  int64_t samples = 0;
  // Worst first: tensors with non-finite values, then ascending SQNR, then by name.
  std::vector<TensorComparison> tensors;
  // Samples whose INT8 top-1 (largest value of the first output) equals FP32's.
  int64_t top1_agreement = 0;
  bool labelled = false;  // the source had labels: the accuracies below are set
  Accuracy fp32_accuracy;
  Accuracy int8_accuracy;
};

struct CompareOptions {
  int64_t batch_size = 32;              // cut to both engines' built batch
  int64_t max_samples = -1;             // all of the source when < 0
  ProgressMonitor* progress = nullptr;  // phase "comparison", one step per batch
};

// Runs both engines over `data` and compares every tensor both compute (their inputs must match
// by name, dtype and shape). The engines must come from the same network: the FP32 one usually
// built without BuilderFlag::kInt8, the INT8 one from a config with it or loaded from a plan.
Result<Comparison> compare_engines(const Engine& fp32, const Engine& int8, DataSource& data,
                                   const CompareOptions& options = {});

}  // namespace int8rt
