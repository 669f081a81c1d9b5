// Reference Resize: n-d nearest, linear and cubic interpolation, separable per axis.
//
// Each output coordinate x on an axis maps to an input coordinate x' (in = input extent,
// s = scale, L = s * in the resized length as a real number, as ONNX's reference implementation
// has it: with scales it need not be an integer, e.g. 4 * 0.6 = 2.4 for an output extent of 2):
//   half_pixel            x' = (x + 0.5) / s - 0.5
//   half_pixel_symmetric  x' = c * (1 - out / L) + (x + 0.5) / s - 0.5, c = in / 2
//   pytorch_half_pixel    x' = L > 1 ? (x + 0.5) / s - 0.5 : 0
//   align_corners         x' = L == 1 ? 0 : x * (in - 1) / (L - 1)
//   asymmetric            x' = x / s
//   tf_crop_and_resize    x' = L == 1 ? (a + b) / 2 * (in - 1)
//                                     : a * (in - 1) + x * (b - a) * (in - 1) / (L - 1),
//                         roi [a, b] on that axis; an x' outside [0, in - 1] on any axis yields
//                         extrapolation_value.
// The axis then contributes taps (input index, weight):
//   nearest  one tap, x' rounded by nearest_mode (round_prefer_floor/ceil: halves go down/up);
//   linear   floor(x') and floor(x') + 1 with weights 1 - t and t, t = x' - floor(x');
//   cubic    floor(x') - 1 .. floor(x') + 2 with Keys' weights for coefficient A;
// indices outside the input are clamped to its edge, or, with exclude_outside, dropped and the
// remaining weights renormalized to sum 1. The output is the sum over the cartesian product of
// the axes' taps of the product of their weights times the input element, in double.
#include <algorithm>
#include <cmath>
#include <vector>

#include "backends/reference/ref_util.h"
#include "backends/reference/reference.h"
#include "ir/ops/compute_params.h"
#include "ir/ops/op_util.h"

namespace int8rt::reference {

namespace {

struct Tap {
  int64_t index;
  double weight;
};

// The taps of one output coordinate on one axis; empty when it falls outside the crop
// (tf_crop_and_resize extrapolation).
using Taps = std::vector<Tap>;

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

Taps axis_taps(const ResizeAttrs& attrs, double x, int64_t in) {
  Taps taps;
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
    Taps kept;
    double total = 0.0;
    for (const Tap& tap : taps) {
      if (tap.index >= 0 && tap.index < in) {
        kept.push_back(tap);
        total += tap.weight;
      }
    }
    for (Tap& tap : kept)
      tap.weight /= total;
    return kept;
  }
  for (Tap& tap : taps)
    tap.index = std::clamp<int64_t>(tap.index, 0, in - 1);
  return taps;
}

}  // namespace

Result<KernelPtr> make_Resize(const Layer& layer) {
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
  // taps[axis][output coordinate]
  std::vector<std::vector<Taps>> taps(static_cast<size_t>(rank));
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
  const std::vector<int64_t> in_strides = strides_of(in);
  return dispatch_dtype(layer.input(0)->dtype(), [&](auto tag) -> Result<KernelPtr> {
    using T = decltype(tag);
    return make_kernel(layer, [=](const KernelIo& io) {
      const auto* x = static_cast<const T*>(io.inputs[0]);
      auto* y = static_cast<T*>(io.outputs[0]);
      const auto urank = static_cast<size_t>(rank);
      std::vector<int64_t> index(urank, 0);  // output index
      std::vector<size_t> tap(urank, 0);     // position in each axis's taps
      const int64_t count = out.volume();
      for (int64_t o = 0; o < count; ++o) {
        bool outside = false;
        for (size_t a = 0; a < urank; ++a)
          outside = outside || taps[a][static_cast<size_t>(index[a])].empty();
        if (outside) {
          y[o] = static_cast<T>(attrs.extrapolation_value);
        } else if (attrs.mode == ResizeMode::kNearest) {
          int64_t offset = 0;
          for (size_t a = 0; a < urank; ++a)
            offset += taps[a][static_cast<size_t>(index[a])][0].index * in_strides[a];
          y[o] = x[offset];
        } else {
          double sum = 0.0;
          std::fill(tap.begin(), tap.end(), 0);
          while (true) {
            double weight = 1.0;
            int64_t offset = 0;
            for (size_t a = 0; a < urank; ++a) {
              const Tap& t = taps[a][static_cast<size_t>(index[a])][tap[a]];
              weight *= t.weight;
              offset += t.index * in_strides[a];
            }
            sum += weight * static_cast<double>(x[offset]);
            int a = rank - 1;
            for (; a >= 0; --a) {
              const auto u = static_cast<size_t>(a);
              if (++tap[u] < taps[u][static_cast<size_t>(index[u])].size()) break;
              tap[u] = 0;
            }
            if (a < 0) break;
          }
          y[o] = static_cast<T>(sum);
        }
        for (int a = rank - 1; a >= 0; --a) {
          const auto u = static_cast<size_t>(a);
          if (++index[u] < out[a]) break;
          index[u] = 0;
        }
      }
      return Status::ok();
    });
  });
}

}  // namespace int8rt::reference
