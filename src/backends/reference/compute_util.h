// Helpers shared by the reference compute kernels (conv, matmul, pooling, ...).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "int8rt/attrs.h"
#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt::reference {

// The fused activation of a Conv or Gemm (attrs.h), applied to one value.
double apply_activation(double x, const FusedActivation& act);

// Spatial geometry in 3-D form (D, H, W), so that 1-D, 2-D and 3-D ops share one loop nest: an op
// with n < 3 spatial axes gets leading axes of extent 1, stride 1, dilation 1 and pad 0.
using Extents3 = std::array<int64_t, 3>;

struct Window3 {
  Extents3 in{1, 1, 1};   // input spatial extents
  Extents3 out{1, 1, 1};  // output spatial extents
  Extents3 kernel{1, 1, 1};
  Extents3 strides{1, 1, 1};
  Extents3 dilations{1, 1, 1};
  Extents3 pad_begin{0, 0, 0};
  Extents3 pad_end{0, 0, 0};

  int64_t in_volume() const { return in[0] * in[1] * in[2]; }
  int64_t out_volume() const { return out[0] * out[1] * out[2]; }
  int64_t kernel_volume() const { return kernel[0] * kernel[1] * kernel[2]; }
};

// Builds the 3-D window of a layer whose input 0 is [N, C, spatial...] and output 0
// [N, C', spatial...], from canonical window attributes (shape inference has filled them in).
// Fails for more than 3 spatial axes or attributes of the wrong size.
Result<Window3> make_window3(const Layer& layer, const std::vector<int64_t>& kernel,
                             const std::vector<int64_t>& strides, const std::vector<int64_t>& pads,
                             const std::vector<int64_t>& dilations);

}  // namespace int8rt::reference
