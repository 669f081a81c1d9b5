// Reference INT8 Conv (docs/int8.md): int32 accumulation of int8 x int8 in 3-D form (1-D and 2-D
// convolutions have leading spatial axes of extent 1), then quant::OutputStage per element.
//
//   acc[n, m, o] = sum_{c in group(m), k} qx[n, c, o * s - pb + k * d] * qw[m, c', k]
//   (out-of-range x reads as 0, the zero point), qw per-output-channel quantized W.
#include "backends/quant.h"
#include "backends/reference/compute_util.h"
#include "backends/reference/int8_kernels.h"
#include "ir/ops/op_util.h"

namespace int8rt::reference {

Result<KernelPtr> make_int8_conv(const Layer& layer) {
  const auto& attrs = layer.attrs_as<ConvAttrs>();
  INT8RT_ASSIGN_OR_RETURN(Window3 g, make_window3(layer, attrs.kernel_shape, attrs.strides,
                                                  attrs.pads, attrs.dilations));
  INT8RT_ASSIGN_OR_RETURN(float s_in, int8_scale_of(layer, layer.input(0), "input"));
  INT8RT_ASSIGN_OR_RETURN(const float* w, float_constant_of(layer, 1, "weight"));
  const float* bias = nullptr;
  if (layer.num_inputs() > 2 && layer.input(2) != nullptr) {
    INT8RT_ASSIGN_OR_RETURN(bias, float_constant_of(layer, 2, "bias"));
  }
  const bool has_residual = layer.num_inputs() > 3 && layer.input(3) != nullptr;
  float s_residual = 0.0f;
  if (has_residual) {
    if (layer.input(3)->dtype() != DataType::kInt8) {
      return unsupported(ir::describe(layer), ": residual \"", layer.input(3)->name(),
                         "\" has dtype ", to_string(layer.input(3)->dtype()),
                         ", expected int8 (the INT8 Conv adds a quantized residual)");
    }
    INT8RT_ASSIGN_OR_RETURN(s_residual, int8_scale_of(layer, layer.input(3), "residual"));
  }
  INT8RT_ASSIGN_OR_RETURN(Int8Output out, int8_output_of(layer));
  const int64_t batch = layer.input(0)->dims()[0];
  const int64_t in_channels = layer.input(0)->dims()[1];
  const int64_t out_channels = layer.output(0)->dims()[1];
  const int64_t cg = in_channels / attrs.group;   // input channels per group
  const int64_t mg = out_channels / attrs.group;  // output channels per group
  const int64_t k_volume = g.kernel_volume();
  quant::PerChannelWeights qw = quant::quantize_per_channel(w, out_channels, cg * k_volume);
  const quant::OutputStage stage = quant::make_output_stage(
      s_in, qw.scales, bias, has_residual, s_residual, attrs.activation, out.is_int8, out.scale);
  return make_int8_kernel(layer, [=, weights = std::move(qw.values)](const KernelIo& io) {
    const auto* x = static_cast<const int8_t*>(io.inputs[0]);
    const auto* r = has_residual ? static_cast<const int8_t*>(io.inputs[3]) : nullptr;
    const int64_t in_volume = g.in_volume();
    int64_t out_index = 0;
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t m = 0; m < out_channels; ++m) {
        const int64_t c_begin = (m / mg) * cg;
        for (int64_t od = 0; od < g.out[0]; ++od) {
          for (int64_t oh = 0; oh < g.out[1]; ++oh) {
            for (int64_t ow = 0; ow < g.out[2]; ++ow, ++out_index) {
              int32_t acc = 0;
              for (int64_t c = 0; c < cg; ++c) {
                const int8_t* xc = x + (n * in_channels + c_begin + c) * in_volume;
                const int8_t* wc = weights.data() + (m * cg + c) * k_volume;
                accumulate_conv_window(acc, g, xc, wc, od, oh, ow);
              }
              const float v = stage.finish(acc, m, r != nullptr ? r[out_index] : int8_t{0});
              if (out.is_int8) {
                static_cast<int8_t*>(io.outputs[0])[out_index] = static_cast<int8_t>(v);
              } else {
                static_cast<float*>(io.outputs[0])[out_index] = v;
              }
            }
          }
        }
      }
    }
    return Status::ok();
  });
}

}  // namespace int8rt::reference
