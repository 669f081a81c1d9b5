#include <algorithm>
#include <cmath>
#include <limits>

#include "calib/thresholds.h"

namespace int8rt::calib {

float threshold_mse(const Histogram& histogram) {
  if (histogram.empty()) return 0.0f;
  const double width = histogram.bin_width();
  struct Bin {
    double center;
    double count;
  };
  std::vector<Bin> bins;  // the non-empty ones; zeros quantize exactly and add no error
  for (int b = 0; b < Histogram::kBins; ++b) {
    uint64_t count = histogram.counts()[static_cast<size_t>(b)];
    if (count != 0) bins.push_back({(b + 0.5) * width, static_cast<double>(count)});
  }
  double best_error = std::numeric_limits<double>::infinity();
  double best_amax = histogram.amax();
  for (int i = kMinBins; i <= Histogram::kBins; ++i) {
    const double amax = i * width;
    const double scale = amax / 127.0;
    double error = 0.0;
    for (const Bin& bin : bins) {
      const double q = std::clamp(std::nearbyint(bin.center / scale), -127.0, 127.0) * scale;
      error += bin.count * (q - bin.center) * (q - bin.center);
    }
    if (error < best_error) {
      best_error = error;
      best_amax = amax;
    }
  }
  return static_cast<float>(std::min(best_amax, static_cast<double>(histogram.amax())));
}

}  // namespace int8rt::calib
