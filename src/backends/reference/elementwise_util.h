// Loops shared by the elementwise, unary, activation and data-movement reference kernels:
// numpy-style broadcast walks, per-element maps and dtype-exact integer arithmetic.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "backends/reference/ref_util.h"
#include "int8rt/network.h"
#include "ir/ops/op_util.h"

namespace int8rt::reference {

// Element strides of an input of shape `in` broadcast to `out` (numpy rules: shapes right-aligned,
// missing leading axes and extents of 1 repeat), one per axis of `out`; 0 where the input repeats.
std::vector<int64_t> broadcast_strides(const Dims& in, const Dims& out);

// Walks `out` in row-major order and calls fn(i, offsets) for every output element i, where
// offsets[k] is the element offset, in input k, of the element that broadcasts to i
// (strides[k] from broadcast_strides). The innermost axis runs as a plain loop.
template <size_t N, typename Fn>
void for_each_broadcast(const Dims& out, const std::array<std::vector<int64_t>, N>& strides,
                        Fn&& fn) {
  const int rank = out.rank();
  const int64_t count = out.volume();
  std::array<int64_t, N> offsets{};
  if (count == 0) return;
  if (rank == 0) {
    fn(int64_t{0}, offsets);
    return;
  }
  const auto last = static_cast<size_t>(rank - 1);
  const int64_t inner = out[rank - 1];
  std::vector<int64_t> index(static_cast<size_t>(rank), 0);
  for (int64_t row = 0; row < count; row += inner) {
    std::array<int64_t, N> at = offsets;
    for (int64_t j = 0; j < inner; ++j) {
      fn(row + j, at);
      for (size_t k = 0; k < N; ++k)
        at[k] += strides[k][last];
    }
    for (int axis = rank - 2; axis >= 0; --axis) {
      const auto a = static_cast<size_t>(axis);
      if (++index[a] < out[axis]) {
        for (size_t k = 0; k < N; ++k)
          offsets[k] += strides[k][a];
        break;
      }
      for (size_t k = 0; k < N; ++k)
        offsets[k] -= strides[k][a] * (out[axis] - 1);
      index[a] = 0;
    }
  }
}

// Calls fn(U{}) with U an unsigned integer as wide as one element of `type`: data-movement kernels
// copy elements as raw bits, the same code for every dtype.
template <typename Fn>
auto dispatch_bits(DataType type, Fn&& fn) {
  switch (element_size(type)) {
    case 1:
      return fn(uint8_t{});
    case 2:
      return fn(uint16_t{});
    case 4:
      return fn(uint32_t{});
    default:
      return fn(uint64_t{});
  }
}

// y[i] = fn(x[i]) over the layer's single input, which has the output's shape; In and Out are
// the C++ element types.
template <typename In, typename Out, typename Fn>
KernelPtr map_kernel(const Layer& layer, Fn fn) {
  const int64_t count = layer.output(0)->dims().volume();
  return make_kernel(layer, [count, fn](const KernelIo& io) {
    const auto* x = static_cast<const In*>(io.inputs[0]);
    auto* y = static_cast<Out*>(io.outputs[0]);
    for (int64_t i = 0; i < count; ++i)
      y[i] = fn(x[i]);
    return Status::ok();
  });
}

// The error of a kernel factory given an input dtype it has no kernel for.
inline Status no_kernel_for_dtype(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel for dtype ",
                     to_string(layer.input(0)->dtype()));
}

// map_kernel over float input and output; other input dtypes: no_kernel_for_dtype.
template <typename Fn>
Result<KernelPtr> float_map_kernel(const Layer& layer, Fn fn) {
  if (layer.input(0)->dtype() != DataType::kFloat) return no_kernel_for_dtype(layer);
  return map_kernel<float, float>(layer, fn);
}

// y = fn(a, b) with a and b broadcast to the output's shape.
template <typename A, typename B, typename Out, typename Fn>
KernelPtr broadcast_kernel(const Layer& layer, Fn fn) {
  const Dims out = layer.output(0)->dims();
  const std::array<std::vector<int64_t>, 2> strides = {
      broadcast_strides(layer.input(0)->dims(), out),
      broadcast_strides(layer.input(1)->dims(), out)};
  return make_kernel(layer, [out, strides, fn](const KernelIo& io) {
    const auto* a = static_cast<const A*>(io.inputs[0]);
    const auto* b = static_cast<const B*>(io.inputs[1]);
    auto* y = static_cast<Out*>(io.outputs[0]);
    for_each_broadcast(out, strides, [&](int64_t i, const std::array<int64_t, 2>& at) {
      y[i] = fn(a[at[0]], b[at[1]]);
    });
    return Status::ok();
  });
}

// Integer arithmetic that wraps around in two's complement (as numpy and ONNX Runtime do) instead
// of overflowing, which C++ leaves undefined for signed types.
template <typename T>
T wrapping_add(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
  } else {
    return a + b;
  }
}
template <typename T>
T wrapping_sub(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) - static_cast<U>(b)));
  } else {
    return a - b;
  }
}
template <typename T>
T wrapping_mul(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    // Promote narrow types to unsigned int: uint8 * uint8 would otherwise promote to signed int.
    using U = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) * static_cast<U>(b)));
  } else {
    return a * b;
  }
}
template <typename T>
T wrapping_neg(T a) {
  return wrapping_sub(T{0}, a);
}

// Float to integer as C++ truncates (toward zero), but saturating out-of-range values to the
// type's limits and NaN to 0 instead of leaving them undefined.
template <typename T>
T saturate_cast(double value) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(value);
  } else {
    if (std::isnan(value)) return T{0};
    constexpr auto kLow = static_cast<double>(std::numeric_limits<T>::lowest());
    // max() of int64 is not a double; 2^63 is the first double above it.
    constexpr double kHigh = static_cast<double>(std::numeric_limits<T>::max()) + 1.0;
    if (value <= kLow) return std::numeric_limits<T>::lowest();
    if (value >= kHigh) return std::numeric_limits<T>::max();
    return static_cast<T>(value);
  }
}

}  // namespace int8rt::reference
