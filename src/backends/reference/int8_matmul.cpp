// Reference INT8 Gemm and MatMul (docs/int8.md): int32 dot products of the int8 rows of A with the
// per-column quantized constant right-hand side, then quant::OutputStage per element (column j is
// output channel j).
//
// Gemm:   Y = act(alpha * A' B' + beta * C): the quantized weights are those of alpha * B'
//         (quant::gemm_weights_by_column), the float bias beta * C (quant::gemm_bias); C must
//         broadcast along the rows (one value per column, or one value).
// MatMul: A [..., M, K] x B [K, N] (constant, 2-D): the leading axes of A are rows.
#include "backends/quant.h"
#include "backends/reference/int8_kernels.h"
#include "ir/ops/op_util.h"

namespace int8rt::reference {

namespace {

// y[i, j] = stage(sum_p a(i, p) * qw[j, p]) for i < rows, j < n; a(i, p) = a[i * a_row + p *
// a_col].
Result<KernelPtr> int8_matrix_kernel(const Layer& layer, int64_t rows, int64_t k, int64_t n,
                                     int64_t a_row, int64_t a_col, const std::vector<float>& w,
                                     const float* bias, const FusedActivation& activation) {
  INT8RT_ASSIGN_OR_RETURN(float s_in, int8_scale_of(layer, layer.input(0), "input"));
  INT8RT_ASSIGN_OR_RETURN(Int8Output out, int8_output_of(layer));
  quant::PerChannelWeights qw = quant::quantize_per_channel(w.data(), n, k);
  const quant::OutputStage stage = quant::make_output_stage(
      s_in, qw.scales, bias, /*has_residual=*/false, 0.0f, activation, out.is_int8, out.scale);
  return make_int8_kernel(layer, [=, weights = std::move(qw.values)](const KernelIo& io) {
    const auto* a = static_cast<const int8_t*>(io.inputs[0]);
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        const int8_t* wj = weights.data() + j * k;
        int32_t acc = 0;
        for (int64_t p = 0; p < k; ++p) {
          acc += static_cast<int32_t>(a[i * a_row + p * a_col]) * static_cast<int32_t>(wj[p]);
        }
        const float v = stage.finish(acc, j, 0);
        if (out.is_int8) {
          static_cast<int8_t*>(io.outputs[0])[i * n + j] = static_cast<int8_t>(v);
        } else {
          static_cast<float*>(io.outputs[0])[i * n + j] = v;
        }
      }
    }
    return Status::ok();
  });
}

}  // namespace

Result<KernelPtr> make_int8_gemm(const Layer& layer) {
  const auto& attrs = layer.attrs_as<GemmAttrs>();
  const Dims& ad = layer.input(0)->dims();
  const int64_t m = layer.output(0)->dims()[0];
  const int64_t n = layer.output(0)->dims()[1];
  const int64_t k = attrs.trans_a ? ad[0] : ad[1];
  INT8RT_ASSIGN_OR_RETURN(const float* b, float_constant_of(layer, 1, "B"));
  const std::vector<float> w = quant::gemm_weights_by_column(b, k, n, attrs.trans_b, attrs.alpha);
  std::vector<float> bias;
  if (layer.num_inputs() > 2 && layer.input(2) != nullptr) {
    INT8RT_ASSIGN_OR_RETURN(const float* c, float_constant_of(layer, 2, "C"));
    const Dims& cd = layer.input(2)->dims();
    const int64_t count = cd.volume();
    if (!(count == 1 || (count == n && cd[cd.rank() - 1] == n))) {
      return unsupported(ir::describe(layer), ": C \"", layer.input(2)->name(), "\" has shape ",
                         cd.to_string(), "; the INT8 Gemm needs one bias per column (", n, " or 1x",
                         n, ") or a single value");
    }
    bias = quant::gemm_bias(c, count, n, attrs.beta);
  }
  // A is [M, K], or [K, M] with trans_a.
  const int64_t a_row = attrs.trans_a ? 1 : k;
  const int64_t a_col = attrs.trans_a ? m : 1;
  return int8_matrix_kernel(layer, m, k, n, a_row, a_col, w, bias.empty() ? nullptr : bias.data(),
                            attrs.activation);
}

Result<KernelPtr> make_int8_matmul(const Layer& layer) {
  const Dims& ad = layer.input(0)->dims();
  const Dims& bd = layer.input(1)->dims();
  if (bd.rank() != 2 || ad.rank() < 2) {
    return unsupported(ir::describe(layer), ": A ", ad.to_string(), " x B ", bd.to_string(),
                       "; the INT8 MatMul needs A of rank >= 2 and a 2-D constant B");
  }
  INT8RT_ASSIGN_OR_RETURN(const float* b, float_constant_of(layer, 1, "B"));
  const int64_t k = bd[0];
  const int64_t n = bd[1];
  int64_t rows = 1;
  for (int a = 0; a + 1 < ad.rank(); ++a)
    rows *= ad[a];
  const std::vector<float> w = quant::gemm_weights_by_column(b, k, n, /*trans_b=*/false, 1.0f);
  return int8_matrix_kernel(layer, rows, k, n, k, 1, w, nullptr, FusedActivation{});
}

}  // namespace int8rt::reference
