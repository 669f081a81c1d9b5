// Threshold algorithms: pure functions from a tensor's |x| histogram to its clipping threshold amax
// (the INT8 scale is then amax / 127). One algorithm per file, calib_<name>.cpp.
//
// An all-zero (or empty) histogram gives amax 0: the tensor carries no information, and the caller
// decides what range to use for it.
#pragma once

#include <vector>

#include "calib/histogram.h"

namespace int8rt::calib {

// MinMax: the largest |x| seen.
float threshold_minmax(const Histogram& histogram);

// Entropy (KL divergence), TensorRT's method. For each candidate i in [kMinBins, kBins]:
//   P = the first i bins, with the mass of every bin >= i added to bin i-1 (outliers folded in);
//   Q = the first i bins (without the folded mass) merged into kLevels groups of i / kLevels bins
//       (the last group takes the remainder), each group's mass spread evenly over the bins where P
//       is non-zero; bins where P is zero stay zero in Q;
//   D(i) = KL(P || Q) = Σ_{P_b > 0} P_b · ln(P_b / Q_b) after normalizing both; a bin with
//       P_b > 0 and Q_b = 0 (only possible when a whole group is empty before folding) makes D(i)
//       infinite.
// The first i with the smallest D wins; amax = (i + 0.5) · bin_width (TensorRT's +0.5).
// Exact zeros are left out of P and Q: a spike at zero (ReLU outputs, image borders) would
// otherwise dominate every group-0 comparison and push the threshold down.
struct EntropySearch {
  float amax = 0.0f;
  int bins_kept = 0;               // the winning i
  std::vector<double> divergence;  // D(i) for i = kMinBins .. kBins (index i - kMinBins)
};
inline constexpr int kLevels = 128;
inline constexpr int kMinBins = 128;
EntropySearch entropy_search(const Histogram& histogram);
float threshold_entropy(const Histogram& histogram);

// Percentile: the smallest bin edge below which `percentile` % of the finite values lie (zeros
// included), never above the largest |x| seen.
inline constexpr double kDefaultPercentile = 99.99;
float threshold_percentile(const Histogram& histogram, double percentile = kDefaultPercentile);

// MSE: the candidate amax = i · bin_width (i in [kMinBins, kBins]) minimizing the squared error
// of fake quantization Σ_b count_b · (fq(center_b) − center_b)² with
// fq(x) = clamp(round(x / s), −127, 127) · s, s = amax / 127.
float threshold_mse(const Histogram& histogram);

// Legacy (TensorRT's IInt8LegacyCalibrator): the `quantile` (0..1] of |x| (zeros included),
// times `regression_cutoff` (a fraction of that value; 1 = unchanged).
inline constexpr double kDefaultQuantile = 0.9999;
inline constexpr double kDefaultRegressionCutoff = 1.0;
float threshold_legacy(const Histogram& histogram, double quantile = kDefaultQuantile,
                       double regression_cutoff = kDefaultRegressionCutoff);

}  // namespace int8rt::calib
