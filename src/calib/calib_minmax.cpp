#include "calib/thresholds.h"

namespace int8rt::calib {

float threshold_minmax(const Histogram& histogram) {
  return histogram.amax();
}

}  // namespace int8rt::calib
