// Resize's taps, shared by the reference kernel (resize.cpp, which documents the formulas) and
// the CUDA backend's, which must compute the same numbers: for each axis and each output
// coordinate, the input indices the output reads and their weights.
#pragma once

#include <cstdint>
#include <vector>

#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt::reference {

struct ResizeTap {
  int64_t index;
  double weight;
};
// The taps of one output coordinate on one axis; empty when it falls outside the crop
// (tf_crop_and_resize: the output is extrapolation_value).
using ResizeTaps = std::vector<ResizeTap>;

// taps[axis][output coordinate], for a Resize layer whose output shape is inferred.
Result<std::vector<std::vector<ResizeTaps>>> resize_taps(const Layer& layer);

}  // namespace int8rt::reference
