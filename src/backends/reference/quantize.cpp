// Reference Quantize and Dequantize (the builder's INT8 reformats, docs/int8.md):
//   Quantize:   q = clamp(rne(x / s_out), -127, 127)   (quant::quantize)
//   Dequantize: x = float(q) * s_in                    (quant::dequantize)
#include "backends/quant.h"
#include "backends/reference/int8_kernels.h"
#include "backends/reference/reference.h"
#include "ir/ops/op_util.h"

namespace int8rt::reference {

Result<KernelPtr> make_Quantize(const Layer& layer) {
  INT8RT_ASSIGN_OR_RETURN(float scale, int8_scale_of(layer, layer.output(0), "output"));
  const int64_t count = layer.output(0)->dims().volume();
  return make_kernel(layer, [scale, count](const KernelIo& io) {
    const auto* x = static_cast<const float*>(io.inputs[0]);
    auto* y = static_cast<int8_t*>(io.outputs[0]);
    for (int64_t i = 0; i < count; ++i)
      y[i] = quant::quantize(x[i], scale);
    return Status::ok();
  });
}

Result<KernelPtr> make_Dequantize(const Layer& layer) {
  INT8RT_ASSIGN_OR_RETURN(float scale, int8_scale_of(layer, layer.input(0), "input"));
  const int64_t count = layer.output(0)->dims().volume();
  return make_kernel(layer, [scale, count](const KernelIo& io) {
    const auto* q = static_cast<const int8_t*>(io.inputs[0]);
    auto* y = static_cast<float*>(io.outputs[0]);
    for (int64_t i = 0; i < count; ++i)
      y[i] = quant::dequantize(q[i], scale);
    return Status::ok();
  });
}

}  // namespace int8rt::reference
