// Reference pooling in 3-D form (1-D and 2-D pools have leading spatial axes of extent 1).
//
// Window of output o on an axis: positions p = o * s - pb + k * d, k in [0, kernel).
// MaxPool:     max over positions inside the input (padding never wins); the optional indices
//              output holds the flat row-major index of the first maximum in the whole input.
// AveragePool: sum over positions inside the input, divided by their count, or with
//              count_include_pad by the count of positions inside the padded input
//              [-pb, in + pe) (a ceil_mode window hanging past the end padding counts only up to
//              it, as in ONNX Runtime and PyTorch).
// Global pools: max or mean over all spatial positions, per (n, c).
#include <algorithm>
#include <limits>
#include <type_traits>

#include "backends/reference/compute_util.h"
#include "backends/reference/int8_kernels.h"
#include "backends/reference/ref_util.h"
#include "backends/reference/reference.h"
#include "ir/ops/op_util.h"
#include "ir/quantization.h"

namespace int8rt::reference {

Result<KernelPtr> make_MaxPool(const Layer& layer) {
  // Quantized int8 (with a range) runs INT8; plain int8 takes the integer path below.
  if (ir::is_quantized(layer.input(0))) return make_int8_max_pool(layer);
  INT8RT_ASSIGN_OR_RETURN(PoolShape shape, pool_shape(layer));
  const bool with_indices = layer.num_outputs() > 1 && layer.output(1) != nullptr;
  return dispatch_dtype(layer.input(0)->dtype(), [&](auto tag) -> Result<KernelPtr> {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, int8_t> ||
                  std::is_same_v<T, uint8_t>) {
      return make_kernel(layer, [shape, with_indices](const KernelIo& io) {
        const auto* x = static_cast<const T*>(io.inputs[0]);
        auto* y = static_cast<T*>(io.outputs[0]);
        auto* indices = with_indices ? static_cast<int64_t*>(io.outputs[1]) : nullptr;
        const Window3& g = shape.window;
        int64_t out_index = 0;
        for (int64_t plane = 0; plane < shape.planes; ++plane) {
          const T* xp = x + plane * g.in_volume();
          for (int64_t od = 0; od < g.out[0]; ++od) {
            for (int64_t oh = 0; oh < g.out[1]; ++oh) {
              for (int64_t ow = 0; ow < g.out[2]; ++ow, ++out_index) {
                T best = std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity()
                                                              : std::numeric_limits<T>::lowest();
                int64_t best_at = -1;
                for_each_window_position(g, od, oh, ow, [&](int64_t p, bool in_input) {
                  if (in_input && (best_at < 0 || xp[p] > best)) {
                    best = xp[p];
                    best_at = p;
                  }
                });
                y[out_index] = best;
                if (indices != nullptr) {
                  indices[out_index] = best_at < 0 ? -1 : plane * g.in_volume() + best_at;
                }
              }
            }
          }
        }
        return Status::ok();
      });
    } else {
      return unsupported(ir::describe(layer), ": no reference kernel for ",
                         to_string(layer.input(0)->dtype()));
    }
  });
}

Result<KernelPtr> make_AveragePool(const Layer& layer) {
  if (layer.input(0)->dtype() == DataType::kInt8) return make_int8_average_pool(layer);
  INT8RT_ASSIGN_OR_RETURN(PoolShape shape, pool_shape(layer));
  const bool count_include_pad = layer.attrs_as<PoolAttrs>().count_include_pad;
  return make_kernel(layer, [shape, count_include_pad](const KernelIo& io) {
    const auto* x = static_cast<const float*>(io.inputs[0]);
    auto* y = static_cast<float*>(io.outputs[0]);
    const Window3& g = shape.window;
    int64_t out_index = 0;
    for (int64_t plane = 0; plane < shape.planes; ++plane) {
      const float* xp = x + plane * g.in_volume();
      for (int64_t od = 0; od < g.out[0]; ++od) {
        for (int64_t oh = 0; oh < g.out[1]; ++oh) {
          for (int64_t ow = 0; ow < g.out[2]; ++ow, ++out_index) {
            double sum = 0.0;
            int64_t count = 0;
            for_each_window_position(g, od, oh, ow, [&](int64_t p, bool in_input) {
              if (in_input) sum += static_cast<double>(xp[p]);
              if (in_input || count_include_pad) ++count;
            });
            y[out_index] = count > 0 ? static_cast<float>(sum / static_cast<double>(count)) : 0.0f;
          }
        }
      }
    }
    return Status::ok();
  });
}

namespace {
Result<KernelPtr> make_global_pool(const Layer& layer, bool max) {
  const Dims& x = layer.input(0)->dims();
  const int64_t planes = x[0] * x[1];
  const int64_t spatial = x.volume() / std::max<int64_t>(planes, 1);
  return make_kernel(layer, [planes, spatial, max](const KernelIo& io) {
    const auto* in = static_cast<const float*>(io.inputs[0]);
    auto* out = static_cast<float*>(io.outputs[0]);
    for (int64_t plane = 0; plane < planes; ++plane) {
      const float* p = in + plane * spatial;
      if (max) {
        float best = -std::numeric_limits<float>::infinity();
        for (int64_t i = 0; i < spatial; ++i)
          best = std::max(best, p[i]);
        out[plane] = best;
      } else {
        double sum = 0.0;
        for (int64_t i = 0; i < spatial; ++i)
          sum += static_cast<double>(p[i]);
        out[plane] = static_cast<float>(sum / static_cast<double>(spatial));
      }
    }
    return Status::ok();
  });
}
}  // namespace

Result<KernelPtr> make_GlobalAveragePool(const Layer& layer) {
  if (layer.input(0)->dtype() == DataType::kInt8) return make_int8_global_average_pool(layer);
  return make_global_pool(layer, false);
}

Result<KernelPtr> make_GlobalMaxPool(const Layer& layer) {
  return make_global_pool(layer, true);
}

}  // namespace int8rt::reference
