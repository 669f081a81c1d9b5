// Reference INT8 pooling (docs/int8.md), in 3-D form like the float kernels (pooling.cpp).
//
// MaxPool:           q = max over the window positions inside the input (padding never wins);
//                    int8 output y = quant::requantize(q, s_in / s_out) (q itself when the scales
//                    are equal), float output y = q * s_in.
// AveragePool:       sum = the int32 sum of the window (count positions: those inside the input,
//                    or with count_include_pad those inside the padded input, as the float kernel);
//                    avg = float(sum) / float(count) (exact operands, one correctly rounded
//                    division); int8 output y = clamp(rne(avg * (s_in / s_out)), -127, 127) with
//                    the ratio computed once in float32; float output y = avg * s_in.
// GlobalAveragePool: the same with the whole spatial plane as the window.
#include <algorithm>

#include "backends/quant.h"
#include "backends/reference/compute_util.h"
#include "backends/reference/int8_kernels.h"
#include "ir/ops/op_util.h"

namespace int8rt::reference {

namespace {

// Writes avg (the float average of the int8 values) to output element i.
void store_average(const KernelIo& io, int64_t i, float avg, const Int8Output& out, float ratio,
                   float s_in) {
  if (out.is_int8) {
    static_cast<int8_t*>(io.outputs[0])[i] = quant::saturate_rne(avg * ratio);
  } else {
    static_cast<float*>(io.outputs[0])[i] = avg * s_in;
  }
}

}  // namespace

Result<KernelPtr> make_int8_max_pool(const Layer& layer) {
  if (layer.num_outputs() > 1 && layer.output(1) != nullptr) {
    return unsupported(ir::describe(layer), ": the INT8 MaxPool has no indices output");
  }
  INT8RT_ASSIGN_OR_RETURN(PoolShape geo, pool_shape(layer));
  INT8RT_ASSIGN_OR_RETURN(float s_in, int8_scale_of(layer, layer.input(0), "input"));
  INT8RT_ASSIGN_OR_RETURN(Int8Output out, int8_output_of(layer));
  const float ratio = quant::requantize_ratio(s_in, out.scale);
  return make_int8_kernel(layer, [geo, s_in, out, ratio](const KernelIo& io) {
    const auto* x = static_cast<const int8_t*>(io.inputs[0]);
    const Window3& g = geo.window;
    int64_t i = 0;
    for (int64_t plane = 0; plane < geo.planes; ++plane) {
      const int8_t* xp = x + plane * g.in_volume();
      for (int64_t od = 0; od < g.out[0]; ++od) {
        for (int64_t oh = 0; oh < g.out[1]; ++oh) {
          for (int64_t ow = 0; ow < g.out[2]; ++ow, ++i) {
            // Int8 values are >= -127, so starting there changes nothing for a window with an
            // input position (shape inference forbids windows of padding only) and never gives
            // -128.
            int best = -127;
            for_each_window_position(g, od, oh, ow, [&](int64_t p, bool inside) {
              if (inside) best = std::max(best, static_cast<int>(xp[p]));
            });
            const auto q = static_cast<int8_t>(best);
            if (out.is_int8) {
              static_cast<int8_t*>(io.outputs[0])[i] = quant::requantize(q, ratio);
            } else {
              static_cast<float*>(io.outputs[0])[i] = quant::dequantize(q, s_in);
            }
          }
        }
      }
    }
    return Status::ok();
  });
}

Result<KernelPtr> make_int8_average_pool(const Layer& layer) {
  INT8RT_ASSIGN_OR_RETURN(PoolShape geo, pool_shape(layer));
  INT8RT_ASSIGN_OR_RETURN(float s_in, int8_scale_of(layer, layer.input(0), "input"));
  INT8RT_ASSIGN_OR_RETURN(Int8Output out, int8_output_of(layer));
  const float ratio = quant::requantize_ratio(s_in, out.scale);
  const bool count_include_pad = layer.attrs_as<PoolAttrs>().count_include_pad;
  return make_int8_kernel(layer, [geo, s_in, out, ratio, count_include_pad](const KernelIo& io) {
    const auto* x = static_cast<const int8_t*>(io.inputs[0]);
    const Window3& g = geo.window;
    int64_t i = 0;
    for (int64_t plane = 0; plane < geo.planes; ++plane) {
      const int8_t* xp = x + plane * g.in_volume();
      for (int64_t od = 0; od < g.out[0]; ++od) {
        for (int64_t oh = 0; oh < g.out[1]; ++oh) {
          for (int64_t ow = 0; ow < g.out[2]; ++ow, ++i) {
            int32_t sum = 0;
            int64_t count = 0;
            for_each_window_position(g, od, oh, ow, [&](int64_t p, bool inside) {
              if (inside) sum += xp[p];
              if (inside || count_include_pad) ++count;
            });
            const float avg =
                count > 0 ? static_cast<float>(sum) / static_cast<float>(count) : 0.0f;
            store_average(io, i, avg, out, ratio, s_in);
          }
        }
      }
    }
    return Status::ok();
  });
}

Result<KernelPtr> make_int8_global_average_pool(const Layer& layer) {
  const Dims& x = layer.input(0)->dims();
  const int64_t planes = x[0] * x[1];
  int64_t spatial = 1;
  for (int a = 2; a < x.rank(); ++a)
    spatial *= x[a];
  INT8RT_ASSIGN_OR_RETURN(float s_in, int8_scale_of(layer, layer.input(0), "input"));
  INT8RT_ASSIGN_OR_RETURN(Int8Output out, int8_output_of(layer));
  const float ratio = quant::requantize_ratio(s_in, out.scale);
  return make_int8_kernel(layer, [planes, spatial, s_in, out, ratio](const KernelIo& io) {
    const auto* in = static_cast<const int8_t*>(io.inputs[0]);
    for (int64_t plane = 0; plane < planes; ++plane) {
      int32_t sum = 0;
      for (int64_t i = 0; i < spatial; ++i)
        sum += in[plane * spatial + i];
      const float avg = spatial > 0 ? static_cast<float>(sum) / static_cast<float>(spatial) : 0.0f;
      store_average(io, plane, avg, out, ratio, s_in);
    }
    return Status::ok();
  });
}

}  // namespace int8rt::reference
