// Reference Conv and ConvTranspose: direct loops in 3-D form (1-D and 2-D ops have leading spatial
// axes of extent 1), accumulated in double.
//
// Conv:          y[n, m, o] = act(sum_{c in group(m), k} x[n, c, o * s - pb + k * d] * w[m, c', k]
//                                 + b[m] + r[n, m, o]),  out-of-range x read as 0.
// ConvTranspose: y[n, m, o] = b[m] + sum_{c in group(m), k : i = (o + pb - k * d) / s is exact
//                                   and in range} x[n, c, i] * w[c, m', k]
// with c' and m' the channel's index inside its group.
#include "backends/reference/compute_util.h"
#include "backends/reference/int8_kernels.h"
#include "backends/reference/ref_util.h"
#include "backends/reference/reference.h"
#include "ir/ops/op_util.h"

namespace int8rt::reference {

namespace {

struct ConvShape {
  int64_t batch = 0;
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  int64_t group = 1;
  Window3 window;
};

}  // namespace

Result<KernelPtr> make_Conv(const Layer& layer) {
  if (layer.input(0)->dtype() == DataType::kInt8) return make_int8_conv(layer);
  const auto& attrs = layer.attrs_as<ConvAttrs>();
  INT8RT_ASSIGN_OR_RETURN(Window3 window, make_window3(layer, attrs.kernel_shape, attrs.strides,
                                                       attrs.pads, attrs.dilations));
  ConvShape shape{layer.input(0)->dims()[0], layer.input(0)->dims()[1], layer.output(0)->dims()[1],
                  attrs.group, window};
  const FusedActivation act = attrs.activation;
  return make_kernel(layer, [shape, act](const KernelIo& io) {
    const auto* x = static_cast<const float*>(io.inputs[0]);
    const auto* w = static_cast<const float*>(io.inputs[1]);
    const auto* b = io.inputs.size() > 2 ? static_cast<const float*>(io.inputs[2]) : nullptr;
    const auto* r = io.inputs.size() > 3 ? static_cast<const float*>(io.inputs[3]) : nullptr;
    auto* y = static_cast<float*>(io.outputs[0]);
    const Window3& g = shape.window;
    const int64_t cg = shape.in_channels / shape.group;   // input channels per group
    const int64_t mg = shape.out_channels / shape.group;  // output channels per group
    const int64_t in_volume = g.in_volume();
    const int64_t k_volume = g.kernel_volume();
    int64_t out_index = 0;
    for (int64_t n = 0; n < shape.batch; ++n) {
      for (int64_t m = 0; m < shape.out_channels; ++m) {
        const int64_t c_begin = (m / mg) * cg;
        for (int64_t od = 0; od < g.out[0]; ++od) {
          for (int64_t oh = 0; oh < g.out[1]; ++oh) {
            for (int64_t ow = 0; ow < g.out[2]; ++ow, ++out_index) {
              double acc = 0.0;
              for (int64_t c = 0; c < cg; ++c) {
                const float* xc = x + (n * shape.in_channels + c_begin + c) * in_volume;
                const float* wc = w + (m * cg + c) * k_volume;
                accumulate_conv_window(acc, g, xc, wc, od, oh, ow);
              }
              if (b != nullptr) acc += static_cast<double>(b[m]);
              if (r != nullptr) acc += static_cast<double>(r[out_index]);
              y[out_index] = static_cast<float>(apply_activation(acc, act));
            }
          }
        }
      }
    }
    return Status::ok();
  });
}

Result<KernelPtr> make_ConvTranspose(const Layer& layer) {
  const auto& attrs = layer.attrs_as<ConvTransposeAttrs>();
  INT8RT_ASSIGN_OR_RETURN(Window3 window, make_window3(layer, attrs.kernel_shape, attrs.strides,
                                                       attrs.pads, attrs.dilations));
  ConvShape shape{layer.input(0)->dims()[0], layer.input(0)->dims()[1], layer.output(0)->dims()[1],
                  attrs.group, window};
  return make_kernel(layer, [shape](const KernelIo& io) {
    const auto* x = static_cast<const float*>(io.inputs[0]);
    const auto* w = static_cast<const float*>(io.inputs[1]);
    const auto* b = io.inputs.size() > 2 ? static_cast<const float*>(io.inputs[2]) : nullptr;
    auto* y = static_cast<float*>(io.outputs[0]);
    const Window3& g = shape.window;
    const int64_t cg = shape.in_channels / shape.group;
    const int64_t mg = shape.out_channels / shape.group;
    const int64_t in_volume = g.in_volume();
    const int64_t k_volume = g.kernel_volume();
    // The input index that output index o reads through kernel tap k on axis a, or -1.
    auto source = [&g](int a, int64_t o, int64_t k) -> int64_t {
      const int64_t t = o + g.pad_begin[a] - k * g.dilations[a];
      if (t < 0 || t % g.strides[a] != 0) return -1;
      const int64_t i = t / g.strides[a];
      return i < g.in[a] ? i : -1;
    };
    int64_t out_index = 0;
    for (int64_t n = 0; n < shape.batch; ++n) {
      for (int64_t m = 0; m < shape.out_channels; ++m) {
        const int64_t c_begin = (m / mg) * cg;
        const int64_t m_in_group = m % mg;
        for (int64_t od = 0; od < g.out[0]; ++od) {
          for (int64_t oh = 0; oh < g.out[1]; ++oh) {
            for (int64_t ow = 0; ow < g.out[2]; ++ow, ++out_index) {
              double acc = b != nullptr ? static_cast<double>(b[m]) : 0.0;
              for (int64_t c = 0; c < cg; ++c) {
                const float* xc = x + (n * shape.in_channels + c_begin + c) * in_volume;
                const float* wc = w + ((c_begin + c) * mg + m_in_group) * k_volume;
                for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
                  const int64_t id = source(0, od, kd);
                  if (id < 0) continue;
                  for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
                    const int64_t ih = source(1, oh, kh);
                    if (ih < 0) continue;
                    for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
                      const int64_t iw = source(2, ow, kw);
                      if (iw < 0) continue;
                      acc += static_cast<double>(xc[(id * g.in[1] + ih) * g.in[2] + iw]) *
                             static_cast<double>(wc[(kd * g.kernel[1] + kh) * g.kernel[2] + kw]);
                    }
                  }
                }
              }
              y[out_index] = static_cast<float>(acc);
            }
          }
        }
      }
    }
    return Status::ok();
  });
}

}  // namespace int8rt::reference
