// Gemm and MatMul shape inference.
//
// Gemm:   A [M, K] (or [K, M] with transA), B [K, N] (or [N, K] with transB), C? unidirectionally
//         broadcastable to [M, N] -> Y [M, N] = act(alpha * A' B' + beta * C).
// MatMul: numpy matmul. A 1-D A is a row vector [1, K] and a 1-D B a column vector [K, 1]; the
//         added axis is removed from the result. Leading (batch) axes broadcast numpy-style.
#include <algorithm>
#include <cmath>

#include "ir/ops/op_util.h"
#include "ir/quantization.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

namespace {
constexpr std::initializer_list<DataType> kMatrixTypes = {DataType::kFloat, DataType::kInt32,
                                                          DataType::kInt64};

Status expect_same_dtype(const Layer& layer, int index) {
  const Tensor* t = layer.input(index);
  if (t == nullptr || t->dtype() == layer.input(0)->dtype()) return Status::ok();
  return invalid_argument(describe(layer), ": input \"", t->name(), "\" has dtype ",
                          to_string(t->dtype()), " but input \"", layer.input(0)->name(), "\" has ",
                          to_string(layer.input(0)->dtype()));
}
}  // namespace

Status infer_Gemm(Layer& layer) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 2, 3));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* a, required_input(layer, 0, "A"));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* b, required_input(layer, 1, "B"));
  // INT8 (src/ir/quantization.h): quantized A, float32 constant B and C.
  const bool int8 = is_quantized(a);
  if (int8) INT8RT_RETURN_IF_ERROR(check_int8_operands(layer, {0}, {1, 2}));
  for (int i = 0; i < layer.num_inputs() && !int8; ++i) {
    INT8RT_RETURN_IF_ERROR(expect_dtype(layer, i, kMatrixTypes));
    INT8RT_RETURN_IF_ERROR(expect_same_dtype(layer, i));
  }
  const auto& attrs = layer.attrs_as<GemmAttrs>();
  for (const Tensor* t : {a, b}) {
    if (t->dims().rank() != 2) {
      return invalid_argument(describe(layer), ": input \"", t->name(), "\" has shape ",
                              t->dims().to_string(), ", expected a matrix (rank 2)");
    }
  }
  const int64_t m = attrs.trans_a ? a->dims()[1] : a->dims()[0];
  const int64_t ka = attrs.trans_a ? a->dims()[0] : a->dims()[1];
  const int64_t kb = attrs.trans_b ? b->dims()[1] : b->dims()[0];
  const int64_t n = attrs.trans_b ? b->dims()[0] : b->dims()[1];
  if (ka != kb) {
    return invalid_argument(describe(layer), ": A ", a->dims().to_string(),
                            attrs.trans_a ? " (transposed)" : "", " and B ", b->dims().to_string(),
                            attrs.trans_b ? " (transposed)" : "", " have inner extents ", ka,
                            " and ", kb);
  }
  if (attrs.activation.kind == ActivationKind::kClip &&
      !(attrs.activation.alpha <= attrs.activation.beta)) {
    return invalid_argument(describe(layer), ": fused clip has min ", attrs.activation.alpha,
                            " > max ", attrs.activation.beta);
  }
  if (attrs.activation.kind != ActivationKind::kNone && a->dtype() != DataType::kFloat && !int8) {
    return unsupported(describe(layer), ": fused ", to_string(attrs.activation.kind), " on ",
                       to_string(a->dtype()), " data");
  }
  if (a->dtype() != DataType::kFloat && !int8 &&
      (attrs.alpha != std::trunc(attrs.alpha) || attrs.beta != std::trunc(attrs.beta))) {
    return unsupported(describe(layer), ": alpha ", attrs.alpha, " and beta ", attrs.beta,
                       " must be integers for ", to_string(a->dtype()), " data");
  }
  if (layer.num_inputs() > 2 && layer.input(2) != nullptr) {
    const Dims& c = layer.input(2)->dims();
    const int64_t target[2] = {m, n};
    bool ok = c.rank() <= 2;
    for (int i = 0; ok && i < c.rank(); ++i) {
      const int64_t want = target[2 - c.rank() + i];
      ok = c[i] == want || c[i] == 1;
    }
    if (!ok) {
      return invalid_argument(describe(layer), ": C has shape ", c.to_string(),
                              ", which does not broadcast to the output ", m, "x", n);
    }
  }
  set_output(layer, 0, int8 ? quantized_output_dtype(layer, 0) : a->dtype(), Dims{m, n});
  return Status::ok();
}

Status infer_MatMul(Layer& layer) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 2, 2));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* a, required_input(layer, 0, "A"));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* b, required_input(layer, 1, "B"));
  const bool int8 = is_quantized(a);  // quantized A, float32 constant B
  if (int8) INT8RT_RETURN_IF_ERROR(check_int8_operands(layer, {0}, {1}));
  for (int i = 0; i < 2 && !int8; ++i) {
    INT8RT_RETURN_IF_ERROR(expect_dtype(layer, i, kMatrixTypes));
    INT8RT_RETURN_IF_ERROR(expect_same_dtype(layer, i));
  }
  const Dims& ad = a->dims();
  const Dims& bd = b->dims();
  if (ad.rank() < 1 || bd.rank() < 1) {
    return invalid_argument(describe(layer), ": inputs have shapes ", ad.to_string(), " and ",
                            bd.to_string(), ", expected rank >= 1");
  }
  const int64_t ka = ad[ad.rank() - 1];
  const int64_t kb = bd.rank() == 1 ? bd[0] : bd[bd.rank() - 2];
  if (ka != kb) {
    return invalid_argument(describe(layer), ": A ", ad.to_string(), " and B ", bd.to_string(),
                            " have inner extents ", ka, " and ", kb);
  }
  const Dims a_batch(
      std::vector<int64_t>(ad.extents().begin(), ad.extents().end() - std::min(ad.rank(), 2)));
  const Dims b_batch(
      std::vector<int64_t>(bd.extents().begin(), bd.extents().end() - std::min(bd.rank(), 2)));
  INT8RT_ASSIGN_OR_RETURN(Dims batch, broadcast_shapes(layer, a_batch, b_batch));
  std::vector<int64_t> out = batch.extents();
  if (ad.rank() >= 2) out.push_back(ad[ad.rank() - 2]);
  if (bd.rank() >= 2) out.push_back(bd[bd.rank() - 1]);
  set_output(layer, 0, int8 ? quantized_output_dtype(layer, 0) : a->dtype(), Dims(std::move(out)));
  return Status::ok();
}

}  // namespace int8rt::ir
