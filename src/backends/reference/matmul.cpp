// Reference Gemm and MatMul: one dot product per output element, accumulated in double (float
// data) or int64 (integer data).
#include <algorithm>
#include <type_traits>

#include "backends/reference/compute_util.h"
#include "backends/reference/int8_kernels.h"
#include "backends/reference/ref_util.h"
#include "backends/reference/reference.h"
#include "ir/ops/op_util.h"

namespace int8rt::reference {

namespace {
template <typename T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
}  // namespace

// Y[i, j] = act(alpha * sum_k A'[i, k] * B'[k, j] + beta * C[i mod Cm, j mod Cn]), with A' = A or
// A^T, B' = B or B^T, and C right-aligned to [M, N] (a missing or extent-1 axis broadcasts).
Result<KernelPtr> make_Gemm(const Layer& layer) {
  if (layer.input(0)->dtype() == DataType::kInt8) return make_int8_gemm(layer);
  const auto attrs = layer.attrs_as<GemmAttrs>();
  const Dims a_dims = layer.input(0)->dims();
  const int64_t m = layer.output(0)->dims()[0];
  const int64_t n = layer.output(0)->dims()[1];
  const int64_t k = attrs.trans_a ? a_dims[0] : a_dims[1];
  // Strides of C over the output's (i, j): 0 along a broadcast axis.
  int64_t c_stride_i = 0;
  int64_t c_stride_j = 0;
  if (layer.num_inputs() > 2 && layer.input(2) != nullptr) {
    const Dims& c = layer.input(2)->dims();
    if (c.rank() >= 1 && c[c.rank() - 1] != 1) c_stride_j = 1;
    if (c.rank() == 2 && c[0] != 1) c_stride_i = c[1];
  }
  return dispatch_dtype(layer.output(0)->dtype(), [&](auto tag) -> Result<KernelPtr> {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, int32_t> ||
                  std::is_same_v<T, int64_t>) {
      return make_kernel(layer, [=](const KernelIo& io) {
        const auto* a = static_cast<const T*>(io.inputs[0]);
        const auto* b = static_cast<const T*>(io.inputs[1]);
        const auto* c = io.inputs.size() > 2 ? static_cast<const T*>(io.inputs[2]) : nullptr;
        auto* y = static_cast<T*>(io.outputs[0]);
        for (int64_t i = 0; i < m; ++i) {
          for (int64_t j = 0; j < n; ++j) {
            Acc<T> acc = 0;
            for (int64_t p = 0; p < k; ++p) {
              const T av = attrs.trans_a ? a[p * m + i] : a[i * k + p];
              const T bv = attrs.trans_b ? b[j * k + p] : b[p * n + j];
              acc += static_cast<Acc<T>>(av) * static_cast<Acc<T>>(bv);
            }
            if constexpr (std::is_floating_point_v<T>) {
              double v = static_cast<double>(attrs.alpha) * acc;
              if (c != nullptr) {
                v += static_cast<double>(attrs.beta) *
                     static_cast<double>(c[i * c_stride_i + j * c_stride_j]);
              }
              y[i * n + j] = static_cast<T>(apply_activation(v, attrs.activation));
            } else {
              // Integer data: alpha and beta are integers (checked by shape inference).
              Acc<T> v = static_cast<Acc<T>>(attrs.alpha) * acc;
              if (c != nullptr) {
                v += static_cast<Acc<T>>(attrs.beta) *
                     static_cast<Acc<T>>(c[i * c_stride_i + j * c_stride_j]);
              }
              y[i * n + j] = static_cast<T>(v);
            }
          }
        }
        return Status::ok();
      });
    } else {
      return unsupported(ir::describe(layer), ": no reference kernel for ",
                         to_string(layer.output(0)->dtype()));
    }
  });
}

// Y[batch, i, j] = sum_k A[batch_a, i, k] * B[batch_b, k, j], where batch_a and batch_b are the
// broadcast batch indices; a 1-D A is [1, K] and a 1-D B is [K, 1].
Result<KernelPtr> make_MatMul(const Layer& layer) {
  if (layer.input(0)->dtype() == DataType::kInt8) return make_int8_matmul(layer);
  const Dims& ad = layer.input(0)->dims();
  const Dims& bd = layer.input(1)->dims();
  const int64_t m = ad.rank() >= 2 ? ad[ad.rank() - 2] : 1;
  const int64_t k = ad[ad.rank() - 1];
  const int64_t n = bd.rank() >= 2 ? bd[bd.rank() - 1] : 1;
  const auto batch_of = [](const Dims& d) {
    return Dims(
        std::vector<int64_t>(d.extents().begin(), d.extents().end() - std::min(d.rank(), 2)));
  };
  const Dims a_batch = batch_of(ad);
  const Dims b_batch = batch_of(bd);
  INT8RT_ASSIGN_OR_RETURN(Dims batch, ir::broadcast_shapes(layer, a_batch, b_batch));
  // Offsets (in matrices) of each output batch entry's A and B.
  const std::vector<int64_t> a_offsets = broadcast_offsets(a_batch, batch);
  const std::vector<int64_t> b_offsets = broadcast_offsets(b_batch, batch);
  return dispatch_dtype(layer.output(0)->dtype(), [&](auto tag) -> Result<KernelPtr> {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, int32_t> ||
                  std::is_same_v<T, int64_t>) {
      return make_kernel(layer, [=](const KernelIo& io) {
        const auto* a = static_cast<const T*>(io.inputs[0]);
        const auto* b = static_cast<const T*>(io.inputs[1]);
        auto* y = static_cast<T*>(io.outputs[0]);
        for (size_t e = 0; e < a_offsets.size(); ++e) {
          const T* ae = a + a_offsets[e] * m * k;
          const T* be = b + b_offsets[e] * k * n;
          T* ye = y + static_cast<int64_t>(e) * m * n;
          for (int64_t i = 0; i < m; ++i) {
            for (int64_t j = 0; j < n; ++j) {
              Acc<T> acc = 0;
              for (int64_t p = 0; p < k; ++p) {
                acc += static_cast<Acc<T>>(ae[i * k + p]) * static_cast<Acc<T>>(be[p * n + j]);
              }
              ye[i * n + j] = static_cast<T>(acc);
            }
          }
        }
        return Status::ok();
      });
    } else {
      return unsupported(ir::describe(layer), ": no reference kernel for ",
                         to_string(layer.output(0)->dtype()));
    }
  });
}

}  // namespace int8rt::reference
