// Reference Softmax and LogSoftmax over [outer, length, inner] views of the input, in double:
//   softmax(x)_i = exp(x_i - max) / sum_j exp(x_j - max)
//   logsoftmax(x)_i = x_i - max - log(sum_j exp(x_j - max))
// Opset 13 normalizes along `axis` (length = d[axis]); coerce_to_2d (opsets < 13) along every axis
// from `axis` on (length = prod(d[axis:]), inner = 1).
#include <algorithm>
#include <cmath>
#include <vector>

#include "backends/reference/ref_util.h"
#include "backends/reference/reference.h"
#include "ir/ops/op_util.h"

namespace int8rt::reference {

namespace {
Result<KernelPtr> make_softmax(const Layer& layer, bool log) {
  const auto& attrs = layer.attrs_as<SoftmaxAttrs>();
  const Dims& d = layer.input(0)->dims();
  INT8RT_ASSIGN_OR_RETURN(int axis, ir::normalize_axis(layer, attrs.axis, d.rank()));
  int64_t outer = 1;
  int64_t length = 1;
  int64_t inner = 1;
  for (int i = 0; i < d.rank(); ++i) {
    if (i < axis) {
      outer *= d[i];
    } else if (i == axis || attrs.coerce_to_2d) {
      length *= d[i];
    } else {
      inner *= d[i];
    }
  }
  return make_kernel(layer, [=](const KernelIo& io) {
    const auto* x = static_cast<const float*>(io.inputs[0]);
    auto* y = static_cast<float*>(io.outputs[0]);
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t base = o * length * inner + i;
        double max = -INFINITY;
        for (int64_t j = 0; j < length; ++j)
          max = std::max(max, static_cast<double>(x[base + j * inner]));
        double sum = 0.0;
        for (int64_t j = 0; j < length; ++j)
          sum += std::exp(static_cast<double>(x[base + j * inner]) - max);
        for (int64_t j = 0; j < length; ++j) {
          const double shifted = static_cast<double>(x[base + j * inner]) - max;
          y[base + j * inner] =
              static_cast<float>(log ? shifted - std::log(sum) : std::exp(shifted) / sum);
        }
      }
    }
    return Status::ok();
  });
}
}  // namespace

Result<KernelPtr> make_Softmax(const Layer& layer) {
  return make_softmax(layer, false);
}

Result<KernelPtr> make_LogSoftmax(const Layer& layer) {
  return make_softmax(layer, true);
}

}  // namespace int8rt::reference
