#include <algorithm>
#include <cmath>

#include "calib/thresholds.h"

namespace int8rt::calib {

namespace {
// The upper edge of the first bin at which the cumulative count (zeros first) reaches `fraction`
// of all finite values, capped at the largest |x| seen.
float quantile_edge(const Histogram& histogram, double fraction) {
  if (histogram.empty()) return 0.0f;
  const double target =
      std::clamp(fraction, 0.0, 1.0) * static_cast<double>(histogram.finite_count());
  double cumulative = static_cast<double>(histogram.zero_count());
  int bin = 0;
  for (; bin < Histogram::kBins; ++bin) {
    cumulative += static_cast<double>(histogram.counts()[static_cast<size_t>(bin)]);
    if (cumulative >= target) break;
  }
  const double edge = (std::min(bin, Histogram::kBins - 1) + 1) * histogram.bin_width();
  return std::min(static_cast<float>(edge), histogram.amax());
}
}  // namespace

float threshold_percentile(const Histogram& histogram, double percentile) {
  return quantile_edge(histogram, percentile / 100.0);
}

float threshold_legacy(const Histogram& histogram, double quantile, double regression_cutoff) {
  return static_cast<float>(quantile_edge(histogram, quantile) * regression_cutoff);
}

}  // namespace int8rt::calib
