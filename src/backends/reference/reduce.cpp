// Reference ReduceMean/Sum/Max/Min/Prod. Every input element is folded into the output element
// whose index is its own with the reduced axes dropped (or set to 0 with keepdims), accumulated in
// double (float data) or int64 (integer data). Empty reductions give the identity of the fold:
// sum 0, prod 1, max -inf (lowest), min +inf (highest), mean NaN (0 for integers). With
// noop_with_empty_axes and no axes the output is a copy of the input.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "backends/reference/ref_util.h"
#include "backends/reference/reference.h"
#include "ir/ops/compute_params.h"
#include "ir/ops/op_util.h"

namespace int8rt::reference {

namespace {

enum class Fold { kSum, kMean, kProd, kMax, kMin };

template <typename T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

template <typename T>
Acc<T> identity(Fold fold) {
  using L = std::numeric_limits<T>;
  switch (fold) {
    case Fold::kProd:
      return 1;
    case Fold::kMax:
      return L::has_infinity ? -static_cast<Acc<T>>(L::infinity()) : L::lowest();
    case Fold::kMin:
      return L::has_infinity ? static_cast<Acc<T>>(L::infinity()) : L::max();
    default:
      return 0;
  }
}

Result<KernelPtr> make_reduce(const Layer& layer, Fold fold) {
  INT8RT_ASSIGN_OR_RETURN(std::vector<int> axes, ir::reduce_axes(layer));
  const Dims in = layer.input(0)->dims();
  const int rank = in.rank();
  const bool copy = axes.empty();
  // Output stride of each input axis: 0 for a reduced axis.
  std::vector<int64_t> out_stride(static_cast<size_t>(rank), 0);
  int64_t stride = 1;
  int64_t reduced_count = 1;
  for (int axis = rank - 1; axis >= 0; --axis) {
    if (std::find(axes.begin(), axes.end(), axis) != axes.end()) {
      reduced_count *= in[axis];
      continue;
    }
    out_stride[static_cast<size_t>(axis)] = stride;
    stride *= in[axis];
  }
  const int64_t out_count = layer.output(0)->dims().volume();
  return dispatch_dtype(layer.input(0)->dtype(), [&](auto tag) -> Result<KernelPtr> {
    using T = decltype(tag);
    return make_kernel(layer, [=](const KernelIo& io) {
      const auto* x = static_cast<const T*>(io.inputs[0]);
      auto* y = static_cast<T*>(io.outputs[0]);
      if (copy) {
        std::copy(x, x + out_count, y);
        return Status::ok();
      }
      std::vector<Acc<T>> acc(static_cast<size_t>(out_count), identity<T>(fold));
      std::vector<int64_t> index(static_cast<size_t>(rank), 0);
      const int64_t in_count = in.volume();
      int64_t out_offset = 0;
      for (int64_t i = 0; i < in_count; ++i) {
        Acc<T>& a = acc[static_cast<size_t>(out_offset)];
        const auto v = static_cast<Acc<T>>(x[i]);
        switch (fold) {
          case Fold::kSum:
          case Fold::kMean:
            a += v;
            break;
          case Fold::kProd:
            a *= v;
            break;
          case Fold::kMax:
            a = std::max(a, v);
            break;
          case Fold::kMin:
            a = std::min(a, v);
            break;
        }
        // Advance the row-major input index and the matching output offset.
        for (int axis = rank - 1; axis >= 0; --axis) {
          const auto u = static_cast<size_t>(axis);
          if (++index[u] < in[axis]) {
            out_offset += out_stride[u];
            break;
          }
          out_offset -= out_stride[u] * (index[u] - 1);
          index[u] = 0;
        }
      }
      for (int64_t o = 0; o < out_count; ++o) {
        Acc<T> v = acc[static_cast<size_t>(o)];
        if (fold == Fold::kMean) {
          if constexpr (std::is_floating_point_v<T>) {
            v /= static_cast<double>(reduced_count);
          } else {
            v = reduced_count > 0 ? v / reduced_count : 0;
          }
        }
        y[o] = static_cast<T>(v);
      }
      return Status::ok();
    });
  });
}

}  // namespace

Result<KernelPtr> make_ReduceMean(const Layer& layer) {
  return make_reduce(layer, Fold::kMean);
}
Result<KernelPtr> make_ReduceSum(const Layer& layer) {
  return make_reduce(layer, Fold::kSum);
}
Result<KernelPtr> make_ReduceMax(const Layer& layer) {
  return make_reduce(layer, Fold::kMax);
}
Result<KernelPtr> make_ReduceMin(const Layer& layer) {
  return make_reduce(layer, Fold::kMin);
}
Result<KernelPtr> make_ReduceProd(const Layer& layer) {
  return make_reduce(layer, Fold::kProd);
}

}  // namespace int8rt::reference
