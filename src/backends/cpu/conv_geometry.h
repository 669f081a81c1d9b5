// Conv parameters in oneDNN's terms, shared by the FP32 and INT8 convolution kernels.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <vector>

#include "int8rt/types.h"

namespace int8rt::cpu {

struct ConvGeometry {
  dnnl::memory::dims strides, dilates, pad_l, pad_r;  // oneDNN dilation is ONNX's minus one
};

// Explicit spatial parameters (shape inference has filled in every default), or nullopt.
inline std::optional<ConvGeometry> geometry(int spatial, const std::vector<int64_t>& strides,
                                            const std::vector<int64_t>& pads,
                                            const std::vector<int64_t>& dilations) {
  const auto n = static_cast<size_t>(spatial);
  if (strides.size() != n || dilations.size() != n || pads.size() != 2 * n) return std::nullopt;
  ConvGeometry g;
  for (size_t i = 0; i < n; ++i) {
    g.strides.push_back(strides[i]);
    g.dilates.push_back(dilations[i] - 1);
    g.pad_l.push_back(pads[i]);
    g.pad_r.push_back(pads[n + i]);
  }
  return g;
}

// Weight dims for oneDNN: OIHW, or G · O/G · I/G · HW for groups > 1. The second form has the
// same row-major bytes as ONNX's [O, I/G, H, W] weight.
inline dnnl::memory::dims conv_weight_dims(const Dims& w, int64_t group) {
  dnnl::memory::dims dims(w.extents().begin(), w.extents().end());
  if (group == 1) return dims;
  dims[0] /= group;
  dims.insert(dims.begin(), group);
  return dims;
}

}  // namespace int8rt::cpu
