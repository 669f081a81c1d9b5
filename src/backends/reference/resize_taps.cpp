// The taps of Resize (the formulas at the top of resize.cpp): per axis and output coordinate, the
// input positions and their weights.
#include "backends/reference/resize_taps.h"

#include <algorithm>
#include <cmath>

#include "ir/ops/compute_params.h"
#include "ir/ops/op_util.h"

namespace int8rt::reference {

namespace {

double source_coordinate(const ResizeAttrs& attrs, int64_t x, double scale, int64_t in, int64_t out,
                         double roi_start, double roi_end) {
  const auto xd = static_cast<double>(x);
  const auto ind = static_cast<double>(in);
  double length = scale * ind;
  // With sizes, s = out / in: make L exactly out again.
  if (std::fabs(length - static_cast<double>(out)) < 1e-9 * length)
    length = static_cast<double>(out);
  switch (attrs.coordinate_transformation_mode) {
    case ResizeCoordinateMode::kHalfPixel:
      return (xd + 0.5) / scale - 0.5;
    case ResizeCoordinateMode::kHalfPixelSymmetric:
      return ind / 2.0 * (1.0 - static_cast<double>(out) / length) + (xd + 0.5) / scale - 0.5;
    case ResizeCoordinateMode::kPytorchHalfPixel:
      return length > 1.0 ? (xd + 0.5) / scale - 0.5 : 0.0;
    case ResizeCoordinateMode::kAlignCorners:
      return length == 1.0 ? 0.0 : xd * (ind - 1.0) / (length - 1.0);
    case ResizeCoordinateMode::kAsymmetric:
      return xd / scale;
    case ResizeCoordinateMode::kTfCropAndResize:
      return length == 1.0 ? 0.5 * (roi_start + roi_end) * (ind - 1.0)
                           : roi_start * (ind - 1.0) +
                                 xd * (roi_end - roi_start) * (ind - 1.0) / (length - 1.0);
  }
  return xd;
}

int64_t nearest_index(ResizeNearestMode mode, double x) {
  const double lower = std::floor(x);
  const double frac = x - lower;
  switch (mode) {
    case ResizeNearestMode::kRoundPreferFloor:
      return static_cast<int64_t>(frac <= 0.5 ? lower : lower + 1.0);
    case ResizeNearestMode::kRoundPreferCeil:
      return static_cast<int64_t>(frac < 0.5 ? lower : lower + 1.0);
    case ResizeNearestMode::kFloor:
      return static_cast<int64_t>(lower);
    case ResizeNearestMode::kCeil:
      return static_cast<int64_t>(std::ceil(x));
  }
  return static_cast<int64_t>(lower);
}

// Keys' cubic convolution weights for taps at distance 1 + t, t, 1 - t, 2 - t from x'.
std::vector<double> cubic_weights(double t, double a) {
  auto near = [a](double d) { return ((a + 2.0) * d - (a + 3.0)) * d * d + 1.0; };       // |d| <= 1
  auto far = [a](double d) { return ((a * d - 5.0 * a) * d + 8.0 * a) * d - 4.0 * a; };  // 1<|d|<2
  return {far(1.0 + t), near(t), near(1.0 - t), far(2.0 - t)};
}

ResizeTaps axis_taps(const ResizeAttrs& attrs, double x, int64_t in) {
  ResizeTaps taps;
  if (attrs.mode == ResizeMode::kNearest) {
    taps.push_back({std::clamp<int64_t>(nearest_index(attrs.nearest_mode, x), 0, in - 1), 1.0});
    return taps;
  }
  const double lower = std::floor(x);
  const double t = x - lower;
  const auto base = static_cast<int64_t>(lower);
  if (attrs.mode == ResizeMode::kLinear) {
    taps = {{base, 1.0 - t}, {base + 1, t}};
  } else {
    const std::vector<double> w = cubic_weights(t, attrs.cubic_coeff_a);
    for (int i = 0; i < 4; ++i)
      taps.push_back({base - 1 + i, w[static_cast<size_t>(i)]});
  }
  if (attrs.exclude_outside) {
    ResizeTaps kept;
    double total = 0.0;
    for (const ResizeTap& tap : taps) {
      if (tap.index >= 0 && tap.index < in) {
        kept.push_back(tap);
        total += tap.weight;
      }
    }
    for (ResizeTap& tap : kept)
      tap.weight /= total;
    return kept;
  }
  for (ResizeTap& tap : taps)
    tap.index = std::clamp<int64_t>(tap.index, 0, in - 1);
  return taps;
}

}  // namespace

Result<std::vector<std::vector<ResizeTaps>>> resize_taps(const Layer& layer) {
  const ResizeAttrs attrs = layer.attrs_as<ResizeAttrs>();
  INT8RT_ASSIGN_OR_RETURN(ir::ResizeGeometry geometry, ir::resize_geometry(layer));
  const Dims in = layer.input(0)->dims();
  const Dims out = layer.output(0)->dims();
  const int rank = in.rank();
  if (out.extents() != geometry.out) {
    return internal_error(ir::describe(layer), ": output shape ", out.to_string(),
                          " was not inferred (expected ", Dims(geometry.out).to_string(), ")");
  }
  const bool crop = attrs.coordinate_transformation_mode == ResizeCoordinateMode::kTfCropAndResize;
  std::vector<std::vector<ResizeTaps>> taps(static_cast<size_t>(rank));
  for (int a = 0; a < rank; ++a) {
    const auto ua = static_cast<size_t>(a);
    for (int64_t x = 0; x < out[a]; ++x) {
      const double start = crop ? geometry.roi[ua] : 0.0;
      const double end = crop ? geometry.roi[ua + static_cast<size_t>(rank)] : 1.0;
      const double source =
          source_coordinate(attrs, x, geometry.scale[ua], in[a], out[a], start, end);
      if (crop && (source < 0.0 || source > static_cast<double>(in[a] - 1))) {
        taps[ua].emplace_back();
      } else {
        taps[ua].push_back(axis_taps(attrs, source, in[a]));
      }
    }
  }
  return taps;
}

}  // namespace int8rt::reference
