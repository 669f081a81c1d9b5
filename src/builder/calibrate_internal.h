// The pieces Builder::calibrate and Builder::analyze_calibration share: the graph calibration
// runs on, the FP32 pass over the calibrator's batches that streams every activation into its
// histogram, and the thresholds a build takes from those histograms.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "calib/histogram.h"
#include "int8rt/builder.h"

namespace int8rt::detail {

Status check_calibrator_parameters(const Calibrator& calibrator);

// The calibrator's algorithm and parameters, read once: thresholds are computed on OpenMP
// threads, which must not call into the user's calibrator (a Python one would take the GIL per
// tensor; an exception there could not be caught).
struct AlgorithmParameters {
  CalibrationAlgorithm algorithm = CalibrationAlgorithm::kEntropy2;
  double percentile = 99.99;
  double quantile = 0.9999;
  double regression_cutoff = 1.0;
  static AlgorithmParameters of(const Calibrator& calibrator) {
    return {calibrator.algorithm(), calibrator.percentile(), calibrator.quantile(),
            calibrator.regression_cutoff()};
  }
};

// The calibrator's algorithm applied to one histogram.
float choose_threshold(const calib::Histogram& histogram, const AlgorithmParameters& parameters);

// The tensors that get ranges: everything computed or fed at run time (float32, not constants).
std::vector<const Tensor*> activations(const Network& network);

// The graph the ranges are for: input shapes fixed (batch axis = the calibrator's batch size, or
// the config's shapes without a calibrator), constants folded, identities removed, and fused when
// the algorithm calibrates after fusion.
Result<std::unique_ptr<Network>> calibration_graph(const Network& network,
                                                   const BuilderConfig& config, Logger& logger);

// Values of chosen tensors on the first few batches, kept for the per-tensor threshold search.
struct KeptValues {
  int max_batches = 0;                                            // batches to keep
  std::set<std::string, std::less<>> names;                       // tensors to keep
  std::map<std::string, std::vector<std::vector<float>>> values;  // name -> one vector per batch
};

struct Collected {
  std::vector<std::string> names;  // the observed tensors, in network output order
  std::vector<calib::Histogram> histograms;
  int64_t batches = 0;
  int64_t samples = 0;
};

// Runs `network` in FP32 over the calibrator's batches with every activation observed, streaming
// each into its histogram (and copying the tensors `kept` names on its first batches). Memory: one
// batch of activations plus one histogram per tensor (plus the kept values), whatever the number
// of batches.
Result<Collected> collect(const Builder& builder, const Network& network,
                          const BuilderConfig& config, Calibrator& calibrator,
                          KeptValues* kept = nullptr);

// The calibrator's threshold for every collected tensor (index as in `collected.names`), with
// tensors affine in a network input given the input's range mapped through the ops (see
// propagate_input_ranges in calibrate_collect.cpp).
std::vector<float> build_thresholds(const Network& network, const Collected& collected,
                                    const Calibrator& calibrator, Logger& logger);

// The per-tensor threshold search (ThresholdSearch::kPerTensor; calibrate_search.cpp): which
// tensors are searched, the consuming layers that judge their thresholds, and the values kept for
// it on the first calibration batches (about kSearchSamples samples; the kept values and the
// consumers' reference outputs at most kSearchBytes unless a single batch is larger).
inline constexpr int64_t kSearchSamples = 64;
inline constexpr int64_t kSearchBytes = int64_t{512} << 20;

struct ThresholdSearchPlan {
  struct Use {
    const Layer* layer;  // the consuming layer, in `fused`
    int input;           // its input slot that reads the tensor (through INT8 data movement)
  };
  std::unique_ptr<Network> fused;                                 // the graph the build runs
  std::vector<std::pair<std::string, std::vector<Use>>> tensors;  // in order of first use
  KeptValues kept;
};

Result<std::unique_ptr<ThresholdSearchPlan>> plan_threshold_search(const Network& calibration_graph,
                                                                   const Calibrator& calibrator,
                                                                   std::string_view backend);

// Replaces amax[i] (index as in collected.names) of every planned tensor by the candidate whose
// fake quantization keeps its consumers' outputs closest to float32; one kVerbose line per tensor.
Status search_thresholds(const ThresholdSearchPlan& plan, const Collected& collected,
                         const Calibrator& calibrator, std::string_view backend,
                         std::vector<float>& amax, Logger& logger);

// Calibration proper on the calibration graph `net`: collect, the build's thresholds, and the
// per-tensor search when the config asks for it.
struct Calibrated {
  Collected collected;
  std::vector<float> amax;  // index as in collected.names
  double search_seconds = 0.0;
};
Result<Calibrated> run_calibration(const Builder& builder, const Network& net,
                                   const BuilderConfig& config, Calibrator& calibrator,
                                   Logger& logger);

}  // namespace int8rt::detail
