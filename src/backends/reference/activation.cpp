// Reference kernels of the activations (ONNX formulas, computed in float).
#include <algorithm>
#include <cmath>
#include <limits>

#include "backends/reference/elementwise_util.h"
#include "backends/reference/ref_util.h"
#include "backends/reference/reference.h"
#include "ir/ops/op_util.h"

namespace int8rt::reference {

Result<KernelPtr> make_Relu(const Layer& layer) {
  const DataType type = layer.input(0)->dtype();
  if (type == DataType::kBool || type == DataType::kUInt8) return no_kernel_for_dtype(layer);
  return dispatch_dtype(type, [&](auto tag) -> Result<KernelPtr> {
    using T = decltype(tag);
    return map_kernel<T, T>(layer, [](T x) { return x < T{0} ? T{0} : x; });
  });
}

Result<KernelPtr> make_LeakyRelu(const Layer& layer) {
  const float alpha = layer.attrs_as<LeakyReluAttrs>().alpha;
  return float_map_kernel(layer, [alpha](float x) { return x < 0.0f ? alpha * x : x; });
}

// y = x < 0 ? slope * x : x, slope broadcast to X.
Result<KernelPtr> make_PRelu(const Layer& layer) {
  const DataType type = layer.input(0)->dtype();
  if (type != DataType::kFloat && type != DataType::kInt32 && type != DataType::kInt64) {
    return no_kernel_for_dtype(layer);
  }
  return dispatch_dtype(type, [&](auto tag) -> Result<KernelPtr> {
    using T = decltype(tag);
    return broadcast_kernel<T, T, T>(
        layer, [](T x, T slope) { return x < T{0} ? wrapping_mul(slope, x) : x; });
  });
}

// y = min(max(x, lo), hi), lo and hi read at run time (absent: the dtype's limits). As ONNX
// specifies, lo > hi gives hi everywhere; NaN passes through.
Result<KernelPtr> make_Clip(const Layer& layer) {
  const DataType type = layer.input(0)->dtype();
  if (type == DataType::kBool) return no_kernel_for_dtype(layer);
  const int64_t count = layer.output(0)->dims().volume();
  return dispatch_dtype(type, [&](auto tag) -> Result<KernelPtr> {
    using T = decltype(tag);
    return make_kernel(layer, [count](const KernelIo& io) {
      const auto* x = static_cast<const T*>(io.inputs[0]);
      auto* y = static_cast<T*>(io.outputs[0]);
      T lo = std::numeric_limits<T>::lowest();
      T hi = std::numeric_limits<T>::max();
      if constexpr (std::numeric_limits<T>::has_infinity) {
        lo = -std::numeric_limits<T>::infinity();
        hi = std::numeric_limits<T>::infinity();
      }
      if (io.inputs.size() > 1 && io.inputs[1] != nullptr)
        lo = *static_cast<const T*>(io.inputs[1]);
      if (io.inputs.size() > 2 && io.inputs[2] != nullptr)
        hi = *static_cast<const T*>(io.inputs[2]);
      for (int64_t i = 0; i < count; ++i)
        y[i] = std::min(std::max(x[i], lo), hi);
      return Status::ok();
    });
  });
}

Result<KernelPtr> make_Sigmoid(const Layer& layer) {
  return float_map_kernel(layer, [](float x) { return 1.0f / (1.0f + std::exp(-x)); });
}

Result<KernelPtr> make_Tanh(const Layer& layer) {
  return float_map_kernel(layer, [](float x) { return std::tanh(x); });
}

// y = max(0, min(1, alpha * x + beta))
Result<KernelPtr> make_HardSigmoid(const Layer& layer) {
  const HardSigmoidAttrs attrs = layer.attrs_as<HardSigmoidAttrs>();
  return float_map_kernel(layer, [attrs](float x) {
    return std::max(0.0f, std::min(1.0f, attrs.alpha * x + attrs.beta));
  });
}

// y = x * max(0, min(1, x / 6 + 1/2))
Result<KernelPtr> make_HardSwish(const Layer& layer) {
  return float_map_kernel(
      layer, [](float x) { return x * std::max(0.0f, std::min(1.0f, x * (1.0f / 6.0f) + 0.5f)); });
}

// y = x < 0 ? alpha * (exp(x) - 1) : x
Result<KernelPtr> make_Elu(const Layer& layer) {
  const float alpha = layer.attrs_as<EluAttrs>().alpha;
  return float_map_kernel(layer, [alpha](float x) { return x < 0.0f ? alpha * std::expm1(x) : x; });
}

// y = log(1 + exp(x)), as x + log1p(exp(-x)) for x > 0 so that large x does not overflow.
Result<KernelPtr> make_Softplus(const Layer& layer) {
  return float_map_kernel(layer, [](float x) {
    return x > 0.0f ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
  });
}

}  // namespace int8rt::reference
