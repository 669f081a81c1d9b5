#include "backends/reference/compute_util.h"

#include <algorithm>
#include <cmath>

#include "ir/ops/op_util.h"

namespace int8rt::reference {

double apply_activation(double x, const FusedActivation& act) {
  switch (act.kind) {
    case ActivationKind::kNone:
      return x;
    case ActivationKind::kRelu:
      return x > 0.0 ? x : 0.0;
    case ActivationKind::kClip:
      return std::min(std::max(x, static_cast<double>(act.alpha)), static_cast<double>(act.beta));
    case ActivationKind::kLeakyRelu:
      return x < 0.0 ? static_cast<double>(act.alpha) * x : x;
    case ActivationKind::kHardSwish:
      return x * std::min(std::max(x / 6.0 + 0.5, 0.0), 1.0);
    case ActivationKind::kSigmoid:
      return 1.0 / (1.0 + std::exp(-x));
  }
  return x;
}

Result<Window3> make_window3(const Layer& layer, const std::vector<int64_t>& kernel,
                             const std::vector<int64_t>& strides, const std::vector<int64_t>& pads,
                             const std::vector<int64_t>& dilations) {
  const Dims& in = layer.input(0)->dims();
  const Dims& out = layer.output(0)->dims();
  const int n = in.rank() - 2;
  const auto un = static_cast<size_t>(n);
  if (n < 1 || n > 3) {
    return unsupported(ir::describe(layer), ": ", n,
                       " spatial axes; the reference kernel handles 1 to 3");
  }
  if (out.rank() != in.rank() || kernel.size() != un || strides.size() != un ||
      dilations.size() != un || pads.size() != 2 * un) {
    return internal_error(ir::describe(layer),
                          ": window attributes are not canonical (shape inference has not run)");
  }
  Window3 w;
  for (size_t i = 0; i < un; ++i) {
    const size_t j = 3 - un + i;
    const int axis = static_cast<int>(i) + 2;
    w.in[j] = in[axis];
    w.out[j] = out[axis];
    w.kernel[j] = kernel[i];
    w.strides[j] = strides[i];
    w.dilations[j] = dilations[i];
    w.pad_begin[j] = pads[i];
    w.pad_end[j] = pads[i + un];
  }
  return w;
}

}  // namespace int8rt::reference
