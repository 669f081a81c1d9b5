// Reference kernels of the broadcasting elementwise ops.
//
// Integer arithmetic wraps around in two's complement (numpy, ONNX Runtime); integer Div truncates
// toward zero (C++ and ONNX Runtime; numpy's // floors, which differs for negative quotients) and
// a zero divisor is an error. Max/Min propagate NaN, as numpy's maximum/minimum do.
#include <cmath>
#include <type_traits>

#include "backends/reference/elementwise_util.h"
#include "backends/reference/int8_kernels.h"
#include "backends/reference/ref_util.h"
#include "backends/reference/reference.h"
#include "ir/ops/op_util.h"
#include "ir/quantization.h"

namespace int8rt::reference {

namespace {

Status no_kernel(const Layer& layer, DataType type) {
  return unsupported(ir::describe(layer), ": no reference kernel for dtype ", to_string(type));
}

// Add, Sub, Mul, Div: one numeric dtype (not bool) for both operands and the result.
template <template <typename> typename Op>
Result<KernelPtr> make_arithmetic(const Layer& layer) {
  const DataType type = layer.input(0)->dtype();
  if (type == DataType::kBool) return no_kernel(layer, type);
  return dispatch_dtype(type, [&](auto tag) -> Result<KernelPtr> {
    using T = decltype(tag);
    return broadcast_kernel<T, T, T>(layer, Op<T>{});
  });
}

template <typename T>
struct AddOp {
  T operator()(T a, T b) const { return wrapping_add(a, b); }
};
template <typename T>
struct SubOp {
  T operator()(T a, T b) const { return wrapping_sub(a, b); }
};
template <typename T>
struct MulOp {
  T operator()(T a, T b) const { return wrapping_mul(a, b); }
};
template <typename T>
struct DivOp {
  // The kernel rejects zero integer divisors before the loop runs.
  T operator()(T a, T b) const {
    if constexpr (std::is_signed_v<T> && std::is_integral_v<T>) {
      if (b == -1) return wrapping_neg(a);  // lowest / -1 overflows
    }
    return static_cast<T>(a / b);
  }
};

template <typename T>
T max_of(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return a;
    if (std::isnan(b)) return b;
  }
  return a < b ? b : a;
}
template <typename T>
T min_of(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return a;
    if (std::isnan(b)) return b;
  }
  return b < a ? b : a;
}

// Max/Min over any number of broadcast inputs: y = x0, then y = op(y, xk) for k = 1, 2, ...
template <bool kMax>
Result<KernelPtr> make_extremum(const Layer& layer) {
  const DataType type = layer.output(0)->dtype();
  if (type == DataType::kBool) return no_kernel(layer, type);
  const Dims out = layer.output(0)->dims();
  std::vector<std::array<std::vector<int64_t>, 1>> strides;
  for (int i = 0; i < layer.num_inputs(); ++i) {
    strides.push_back({broadcast_strides(layer.input(i)->dims(), out)});
  }
  return dispatch_dtype(type, [&](auto tag) -> Result<KernelPtr> {
    using T = decltype(tag);
    return make_kernel(layer, [out, strides](const KernelIo& io) {
      auto* y = static_cast<T*>(io.outputs[0]);
      for (size_t k = 0; k < strides.size(); ++k) {
        const auto* x = static_cast<const T*>(io.inputs[k]);
        for_each_broadcast(out, strides[k], [&](int64_t i, const std::array<int64_t, 1>& at) {
          const T v = x[at[0]];
          if (k == 0) {
            y[i] = v;
          } else {
            y[i] = kMax ? max_of(y[i], v) : min_of(y[i], v);
          }
        });
      }
      return Status::ok();
    });
  });
}

// Integer base^exponent for a non-negative integer exponent, by squaring, wrapping on overflow.
template <typename T>
T integer_power(T base, int64_t exponent) {
  T result = 1;
  while (exponent > 0) {
    if (exponent & 1) result = wrapping_mul(result, base);
    base = wrapping_mul(base, base);
    exponent >>= 1;
  }
  return result;
}

// Pow(X, Y) with X of type B (the result's type) and Y of type E.
//   float base: std::pow in float (double for an int64 exponent, which float can't hold exactly).
//   integer base, integer exponent: exact; a negative exponent gives the truncated 1 / base^-e,
//     i.e. 1 for base 1, +-1 for base -1, and 0 otherwise (0 for base 0, whose result is infinite).
//   integer base, float exponent: std::pow in double, truncated and saturated to the base's type.
template <typename B, typename E>
B power(B base, E exponent) {
  if constexpr (std::is_floating_point_v<B>) {
    if constexpr (std::is_same_v<E, int64_t>) {
      return static_cast<B>(std::pow(static_cast<double>(base), static_cast<double>(exponent)));
    } else {
      return std::pow(base, static_cast<B>(exponent));
    }
  } else if constexpr (std::is_integral_v<E>) {
    if (exponent >= 0) return integer_power(base, static_cast<int64_t>(exponent));
    if (base == 1) return 1;
    if (base == -1) return (exponent % 2 == 0) ? 1 : -1;
    return 0;
  } else {
    return saturate_cast<B>(std::pow(static_cast<double>(base), static_cast<double>(exponent)));
  }
}

template <typename B>
Result<KernelPtr> make_power(const Layer& layer) {
  switch (layer.input(1)->dtype()) {
    case DataType::kFloat:
      return broadcast_kernel<B, float, B>(layer, [](B b, float e) { return power(b, e); });
    case DataType::kInt32:
      return broadcast_kernel<B, int32_t, B>(layer, [](B b, int32_t e) { return power(b, e); });
    case DataType::kInt64:
      return broadcast_kernel<B, int64_t, B>(layer, [](B b, int64_t e) { return power(b, e); });
    default:
      return no_kernel(layer, layer.input(1)->dtype());
  }
}

}  // namespace

Result<KernelPtr> make_Add(const Layer& layer) {
  // Quantized int8 (with a range) runs INT8; plain int8 takes the integer path.
  if (ir::is_quantized(layer.input(0))) return make_int8_add(layer);
  return make_arithmetic<AddOp>(layer);
}

Result<KernelPtr> make_Sub(const Layer& layer) {
  return make_arithmetic<SubOp>(layer);
}

Result<KernelPtr> make_Mul(const Layer& layer) {
  return make_arithmetic<MulOp>(layer);
}

Result<KernelPtr> make_Div(const Layer& layer) {
  const DataType type = layer.input(0)->dtype();
  if (type == DataType::kFloat) return broadcast_kernel<float, float, float>(layer, DivOp<float>{});
  if (type == DataType::kBool) return no_kernel(layer, type);
  // Integer division by zero is undefined: check the divisor before dividing.
  const int64_t divisor_count = layer.input(1)->dims().volume();
  const std::string what = ir::describe(layer);
  return dispatch_dtype(type, [&](auto tag) -> Result<KernelPtr> {
    using T = decltype(tag);
    KernelPtr divide = broadcast_kernel<T, T, T>(layer, DivOp<T>{});
    return make_kernel(
        layer, [divisor_count, what,
                divide = std::shared_ptr<Kernel>(std::move(divide))](const KernelIo& io) {
          const auto* b = static_cast<const T*>(io.inputs[1]);
          for (int64_t i = 0; i < divisor_count; ++i) {
            if (b[i] == 0) {
              return invalid_argument(what, ": integer division by zero (divisor element ", i, ")");
            }
          }
          return divide->execute(io);
        });
  });
}

Result<KernelPtr> make_Pow(const Layer& layer) {
  switch (layer.input(0)->dtype()) {
    case DataType::kFloat:
      return make_power<float>(layer);
    case DataType::kInt32:
      return make_power<int32_t>(layer);
    case DataType::kInt64:
      return make_power<int64_t>(layer);
    default:
      return no_kernel(layer, layer.input(0)->dtype());
  }
}

Result<KernelPtr> make_Max(const Layer& layer) {
  return make_extremum<true>(layer);
}

Result<KernelPtr> make_Min(const Layer& layer) {
  return make_extremum<false>(layer);
}

Result<KernelPtr> make_Equal(const Layer& layer) {
  const DataType type = layer.input(0)->dtype();
  if (type == DataType::kBool) {
    return broadcast_kernel<uint8_t, uint8_t, uint8_t>(
        layer, [](uint8_t a, uint8_t b) -> uint8_t { return (a != 0) == (b != 0); });
  }
  return dispatch_dtype(type, [&](auto tag) -> Result<KernelPtr> {
    using T = decltype(tag);
    return broadcast_kernel<T, T, uint8_t>(layer, [](T a, T b) -> uint8_t { return a == b; });
  });
}

// Where(condition, X, Y): y = condition ? x : y, all three broadcast; works on any dtype.
Result<KernelPtr> make_Where(const Layer& layer) {
  const Dims out = layer.output(0)->dims();
  std::array<std::vector<int64_t>, 3> strides;
  for (size_t k = 0; k < 3; ++k) {
    strides[k] = broadcast_strides(layer.input(static_cast<int>(k))->dims(), out);
  }
  return dispatch_dtype(layer.output(0)->dtype(), [&](auto tag) -> Result<KernelPtr> {
    using T = decltype(tag);
    return make_kernel(layer, [out, strides](const KernelIo& io) {
      const auto* condition = static_cast<const uint8_t*>(io.inputs[0]);
      const auto* x = static_cast<const T*>(io.inputs[1]);
      const auto* y = static_cast<const T*>(io.inputs[2]);
      auto* z = static_cast<T*>(io.outputs[0]);
      for_each_broadcast(out, strides, [&](int64_t i, const std::array<int64_t, 3>& at) {
        z[i] = condition[at[0]] != 0 ? x[at[1]] : y[at[2]];
      });
      return Status::ok();
    });
  });
}

}  // namespace int8rt::reference
