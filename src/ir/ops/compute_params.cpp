#include "ir/ops/compute_params.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "ir/ops/op_util.h"

namespace int8rt::ir {

namespace {
// Window parameters beyond this are refused, so that (kernel - 1) * dilation, in + pads and
// stride * (in - 1) cannot overflow.
constexpr int64_t kMaxWindowParameter = int64_t{1} << 31;

Status check_vector(const Layer& layer, const char* what, std::vector<int64_t>& values, size_t size,
                    int64_t fill, int64_t min) {
  if (values.empty()) values.assign(size, fill);
  if (values.size() != size) {
    return invalid_argument(describe(layer), ": ", what, " has ", values.size(),
                            " entries, expected ", size);
  }
  for (size_t i = 0; i < size; ++i) {
    if (values[i] < std::max(min, -kMaxWindowParameter) || values[i] > kMaxWindowParameter) {
      return invalid_argument(describe(layer), ": ", what, "[", i, "] is ", values[i],
                              ", expected ", min == INT64_MIN ? "at most 2^31 in magnitude" : ">= ",
                              min == INT64_MIN ? std::string() : std::to_string(min),
                              min == INT64_MIN ? "" : " and <= 2^31");
    }
  }
  return Status::ok();
}

int64_t ceil_div(int64_t a, int64_t b) {
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}
int64_t floor_div(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}
}  // namespace

Status canonicalize_window(const Layer& layer, int n, Window& window, bool allow_negative_pads) {
  const auto size = static_cast<size_t>(n);
  INT8RT_RETURN_IF_ERROR(check_vector(layer, "kernel_shape", window.kernel, size, 0, 1));
  INT8RT_RETURN_IF_ERROR(check_vector(layer, "strides", window.strides, size, 1, 1));
  INT8RT_RETURN_IF_ERROR(check_vector(layer, "dilations", window.dilations, size, 1, 1));
  INT8RT_RETURN_IF_ERROR(
      check_vector(layer, "pads", window.pads, 2 * size, 0, allow_negative_pads ? INT64_MIN : 0));
  return Status::ok();
}

Result<std::vector<int64_t>> resolve_window(const Layer& layer, const std::vector<int64_t>& in,
                                            Window& window, AutoPad& auto_pad, bool ceil_mode) {
  const size_t n = in.size();
  INT8RT_RETURN_IF_ERROR(canonicalize_window(layer, static_cast<int>(n), window));
  std::vector<int64_t> out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t s = window.strides[i];
    const int64_t e = (window.kernel[i] - 1) * window.dilations[i] + 1;
    int64_t& pb = window.pads[i];
    int64_t& pe = window.pads[i + n];
    if (auto_pad == AutoPad::kSameUpper || auto_pad == AutoPad::kSameLower) {
      out[i] = ceil_div(in[i], s);
      const int64_t total = std::max<int64_t>(0, (out[i] - 1) * s + e - in[i]);
      const int64_t small = total / 2;
      pb = auto_pad == AutoPad::kSameUpper ? small : total - small;
      pe = total - pb;
      continue;
    }
    if (auto_pad == AutoPad::kValid) pb = pe = 0;
    const int64_t span = in[i] + pb + pe - e;
    if (span < 0) {
      return invalid_argument(describe(layer), ": window of extent ", e, " (kernel ",
                              window.kernel[i], ", dilation ", window.dilations[i],
                              ") does not fit spatial axis ", i, " of extent ", in[i],
                              " with pads ", pb, "+", pe);
    }
    out[i] = (ceil_mode ? ceil_div(span, s) : floor_div(span, s)) + 1;
    if (ceil_mode && (out[i] - 1) * s >= in[i] + pb) --out[i];
  }
  auto_pad = AutoPad::kNotSet;
  return out;
}

const char* weight_layout_name(int spatial_rank) {
  switch (spatial_rank) {
    case 1:
      return "OIW";
    case 2:
      return "OIHW";
    case 3:
      return "OIDHW";
    default:
      return "OI...";
  }
}

Result<std::vector<int>> reduce_axes(const Layer& layer) {
  const int rank = layer.input(0)->dims().rank();
  INT8RT_ASSIGN_OR_RETURN(auto given, constant_ints(layer, 1, "axes"));
  std::vector<int> axes;
  if (!given.has_value() || given->empty()) {
    if (layer.attrs_as<ReduceAttrs>().noop_with_empty_axes) return axes;
    for (int axis = 0; axis < rank; ++axis)
      axes.push_back(axis);
    return axes;
  }
  for (int64_t axis : *given) {
    if (axis < -rank || axis >= rank) {
      return invalid_argument(describe(layer), ": axis ", axis, " is out of range for input ",
                              layer.input(0)->dims().to_string());
    }
    const int normalized = static_cast<int>(axis < 0 ? axis + rank : axis);
    if (std::find(axes.begin(), axes.end(), normalized) != axes.end()) {
      return invalid_argument(describe(layer), ": axis ", axis, " is given twice");
    }
    axes.push_back(normalized);
  }
  std::sort(axes.begin(), axes.end());
  return axes;
}

Result<ResizeGeometry> resize_geometry(const Layer& layer) {
  const Dims& in = layer.input(0)->dims();
  const auto rank = static_cast<size_t>(in.rank());
  INT8RT_ASSIGN_OR_RETURN(auto scales, constant_floats(layer, 2, "scales"));
  INT8RT_ASSIGN_OR_RETURN(auto sizes, constant_ints(layer, 3, "sizes"));
  const bool has_scales = scales.has_value() && !scales->empty();
  const bool has_sizes = sizes.has_value() && !sizes->empty();
  if (has_scales == has_sizes) {
    return invalid_argument(describe(layer), ": exactly one of scales and sizes must be given (",
                            has_scales ? "both are" : "neither is", ")");
  }
  const size_t given = has_scales ? scales->size() : sizes->size();
  if (given != rank) {
    return invalid_argument(describe(layer), ": ", has_scales ? "scales" : "sizes", " has ", given,
                            " entries, expected ", rank, " (the rank of input ", in.to_string(),
                            ")");
  }
  ResizeGeometry geometry;
  for (size_t i = 0; i < rank; ++i) {
    const auto extent = static_cast<double>(in[static_cast<int>(i)]);
    if (has_scales) {
      const double scale = (*scales)[i];
      if (!(scale > 0.0) || !std::isfinite(scale)) {
        return invalid_argument(describe(layer), ": scales[", i, "] is ", scale, ", expected > 0");
      }
      geometry.scale.push_back(scale);
      geometry.out.push_back(static_cast<int64_t>(std::floor(extent * scale)));
    } else {
      geometry.out.push_back((*sizes)[i]);
      geometry.scale.push_back(static_cast<double>((*sizes)[i]) / extent);
    }
    if (geometry.out.back() < 1) {
      return invalid_argument(describe(layer), ": axis ", i, " of input ", in.to_string(),
                              " would have output extent ", geometry.out.back());
    }
  }
  const auto& attrs = layer.attrs_as<ResizeAttrs>();
  if (attrs.coordinate_transformation_mode == ResizeCoordinateMode::kTfCropAndResize) {
    INT8RT_ASSIGN_OR_RETURN(auto roi, constant_floats(layer, 1, "roi"));
    if (!roi.has_value() || roi->size() != 2 * rank) {
      return invalid_argument(describe(layer), ": tf_crop_and_resize needs a roi of ", 2 * rank,
                              " values (starts, then ends), got ", roi ? roi->size() : 0);
    }
    geometry.roi = *roi;
  }
  return geometry;
}

}  // namespace int8rt::ir
