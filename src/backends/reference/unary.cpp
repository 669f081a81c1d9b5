// Reference kernels of the elementwise unary math ops. Float ops compute in float with <cmath>;
// integer Abs and Neg wrap around (|-128| is -128 in int8), as numpy and ONNX Runtime do.
#include <cmath>
#include <type_traits>

#include "backends/reference/elementwise_util.h"
#include "backends/reference/ref_util.h"
#include "backends/reference/reference.h"
#include "ir/ops/op_util.h"

namespace int8rt::reference {

namespace {

// Any numeric dtype except bool; fn is a generic lambda.
template <typename Fn>
Result<KernelPtr> numeric_map(const Layer& layer, Fn fn) {
  const DataType type = layer.input(0)->dtype();
  if (type == DataType::kBool) return no_kernel_for_dtype(layer);
  return dispatch_dtype(type, [&](auto tag) -> Result<KernelPtr> {
    using T = decltype(tag);
    return map_kernel<T, T>(layer, [fn](T x) { return static_cast<T>(fn(x)); });
  });
}

}  // namespace

Result<KernelPtr> make_Abs(const Layer& layer) {
  return numeric_map(layer, [](auto x) {
    using T = decltype(x);
    if constexpr (std::is_unsigned_v<T>) {
      return x;
    } else {
      return x < 0 ? wrapping_neg(x) : x;
    }
  });
}

Result<KernelPtr> make_Neg(const Layer& layer) {
  if (layer.input(0)->dtype() == DataType::kUInt8) return no_kernel_for_dtype(layer);
  return numeric_map(layer, [](auto x) { return wrapping_neg(x); });
}

Result<KernelPtr> make_Sqrt(const Layer& layer) {
  return float_map_kernel(layer, [](float x) { return std::sqrt(x); });
}

Result<KernelPtr> make_Reciprocal(const Layer& layer) {
  return float_map_kernel(layer, [](float x) { return 1.0f / x; });
}

Result<KernelPtr> make_Exp(const Layer& layer) {
  return float_map_kernel(layer, [](float x) { return std::exp(x); });
}

Result<KernelPtr> make_Log(const Layer& layer) {
  return float_map_kernel(layer, [](float x) { return std::log(x); });
}

Result<KernelPtr> make_Floor(const Layer& layer) {
  return float_map_kernel(layer, [](float x) { return std::floor(x); });
}

Result<KernelPtr> make_Ceil(const Layer& layer) {
  return float_map_kernel(layer, [](float x) { return std::ceil(x); });
}

Result<KernelPtr> make_Erf(const Layer& layer) {
  return float_map_kernel(layer, [](float x) { return std::erf(x); });
}

}  // namespace int8rt::reference
