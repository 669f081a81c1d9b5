// Parameters of the compute ops that shape inference and every backend's kernels derive from a
// layer the same way: sliding-window geometry (Conv, pooling), reduced axes, Resize geometry.
#pragma once

#include <cstdint>
#include <vector>

#include "int8rt/attrs.h"
#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt::ir {

// The window attributes of a layer with n spatial axes, in canonical form: every vector filled in
// (kernel n, strides n, pads 2n as all begins then all ends, dilations n).
struct Window {
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides;
  std::vector<int64_t> pads;
  std::vector<int64_t> dilations;
};

// Fills in ONNX defaults (strides and dilations 1, pads 0) and checks every vector has the size
// the n spatial axes need, kernel/strides/dilations >= 1 and pads >= 0 (unless
// `allow_negative_pads`: ConvTranspose's canonical pads, see conv.cpp). `kernel` must be set.
Status canonicalize_window(const Layer& layer, int n, Window& window,
                           bool allow_negative_pads = false);

// Resolves `auto_pad` into explicit pads (and sets it to kNotSet), then returns the output extent
// of each spatial axis for input extents `in`. With e = (k - 1) * d + 1 the dilated window:
//   explicit pads: out = floor((in + pb + pe - e) / s) + 1; in ceil_mode the division rounds up,
//                  and a last window that would start in the end padding is dropped
//                  ((out - 1) * s >= in + pb), so every window starts inside the input or the
//                  begin padding;
//   SAME_UPPER/SAME_LOWER: out = ceil(in / s), total padding max(0, (out - 1) * s + e - in) split
//                  evenly, the odd one at the end (UPPER) or the beginning (LOWER);
//   VALID:         pads 0, then as explicit.
// Fails naming the layer when a window does not fit in the padded input.
Result<std::vector<int64_t>> resolve_window(const Layer& layer, const std::vector<int64_t>& in,
                                            Window& window, AutoPad& auto_pad, bool ceil_mode);

// "OIHW"-style name of a weight layout with n spatial axes ("OIW", "OIHW", "OIDHW", else "OI...").
const char* weight_layout_name(int spatial_rank);

// The axes a Reduce* layer reduces, sorted and in [0, rank), from its constant `axes` input
// (negative axes count from the back; duplicates are an error). Absent or empty axes mean every
// axis, or none (the layer is an identity) with noop_with_empty_axes.
Result<std::vector<int>> reduce_axes(const Layer& layer);

// Resize's geometry from its constant inputs (X, roi?, scales?, sizes?; an input with no elements
// counts as absent). Exactly one of scales and sizes is given:
//   scales: out = floor(in * scale), and the coordinate transforms use that scale;
//   sizes:  out = size, scale = out / in.
struct ResizeGeometry {
  std::vector<int64_t> out;   // output extents
  std::vector<double> scale;  // per axis
  std::vector<double> roi;    // tf_crop_and_resize: starts then ends (2 per axis), else empty
};
Result<ResizeGeometry> resize_geometry(const Layer& layer);

}  // namespace int8rt::ir
