// Reference BatchNormalization (inference): per channel c,
//   y = (x - mean[c]) / sqrt(var[c] + epsilon) * scale[c] + B[c], evaluated in double.
#include <algorithm>
#include <cmath>

#include "backends/reference/ref_util.h"
#include "backends/reference/reference.h"
#include "ir/ops/op_util.h"

namespace int8rt::reference {

Result<KernelPtr> make_BatchNormalization(const Layer& layer) {
  const Dims& x = layer.input(0)->dims();
  const int64_t batch = x[0];
  const int64_t channels = x[1];
  const int64_t inner = x.volume() / std::max<int64_t>(batch * channels, 1);
  const double epsilon = layer.attrs_as<BatchNormAttrs>().epsilon;
  return make_kernel(layer, [=](const KernelIo& io) {
    const auto* in = static_cast<const float*>(io.inputs[0]);
    const auto* scale = static_cast<const float*>(io.inputs[1]);
    const auto* bias = static_cast<const float*>(io.inputs[2]);
    const auto* mean = static_cast<const float*>(io.inputs[3]);
    const auto* var = static_cast<const float*>(io.inputs[4]);
    auto* out = static_cast<float*>(io.outputs[0]);
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t c = 0; c < channels; ++c) {
        const double inv_std = 1.0 / std::sqrt(static_cast<double>(var[c]) + epsilon);
        const int64_t base = (n * channels + c) * inner;
        for (int64_t i = 0; i < inner; ++i) {
          const double centered = static_cast<double>(in[base + i]) - mean[c];
          out[base + i] = static_cast<float>(centered * inv_std * scale[c] + bias[c]);
        }
      }
    }
    return Status::ok();
  });
}

}  // namespace int8rt::reference
