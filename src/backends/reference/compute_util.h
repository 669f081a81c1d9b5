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

// Pooling over the 3-D window of a pool layer.
struct PoolShape {
  int64_t planes = 0;  // N * C
  Window3 window;
};

inline Result<PoolShape> pool_shape(const Layer& layer) {
  const auto& attrs = layer.attrs_as<PoolAttrs>();
  INT8RT_ASSIGN_OR_RETURN(Window3 window, make_window3(layer, attrs.kernel_shape, attrs.strides,
                                                       attrs.pads, attrs.dilations));
  const Dims& x = layer.input(0)->dims();
  return PoolShape{x[0] * x[1], window};
}

// Calls visit(position, inside_input) for every window position of output (od, oh, ow) that lies
// inside the padded input, with position the flat spatial offset (valid only when inside_input).
template <typename Visit>
void for_each_window_position(const Window3& g, int64_t od, int64_t oh, int64_t ow, Visit&& visit) {
  const int64_t o[3] = {od, oh, ow};
  int64_t begin[3];
  for (int a = 0; a < 3; ++a)
    begin[a] = o[a] * g.strides[a] - g.pad_begin[a];
  auto in_padded = [&g](int a, int64_t p) {
    return p >= -g.pad_begin[a] && p < g.in[a] + g.pad_end[a];
  };
  auto inside = [&g](int a, int64_t p) { return p >= 0 && p < g.in[a]; };
  for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
    const int64_t pd = begin[0] + kd * g.dilations[0];
    if (!in_padded(0, pd)) continue;
    for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
      const int64_t ph = begin[1] + kh * g.dilations[1];
      if (!in_padded(1, ph)) continue;
      for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
        const int64_t pw = begin[2] + kw * g.dilations[2];
        if (!in_padded(2, pw)) continue;
        const bool in_input = inside(0, pd) && inside(1, ph) && inside(2, pw);
        visit(in_input ? (pd * g.in[1] + ph) * g.in[2] + pw : -1, in_input);
      }
    }
  }
}

// Adds Σ x·w over the convolution window of output (od, oh, ow) to `acc`, for one input channel
// `x` ([D, H, W]) and its kernel `w` ([kD, kH, kW]); taps in the padding are skipped. Products are
// formed in Acc (double for float32, int32 for int8), in kd, kh, kw order.
template <typename Acc, typename T>
void accumulate_conv_window(Acc& acc, const Window3& g, const T* x, const T* w, int64_t od,
                            int64_t oh, int64_t ow) {
  for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
    const int64_t id = od * g.strides[0] - g.pad_begin[0] + kd * g.dilations[0];
    if (id < 0 || id >= g.in[0]) continue;
    for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
      const int64_t ih = oh * g.strides[1] - g.pad_begin[1] + kh * g.dilations[1];
      if (ih < 0 || ih >= g.in[1]) continue;
      for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
        const int64_t iw = ow * g.strides[2] - g.pad_begin[2] + kw * g.dilations[2];
        if (iw < 0 || iw >= g.in[2]) continue;
        acc += static_cast<Acc>(x[(id * g.in[1] + ih) * g.in[2] + iw]) *
               static_cast<Acc>(w[(kd * g.kernel[1] + kh) * g.kernel[2] + kw]);
      }
    }
  }
}

}  // namespace int8rt::reference
