// Gemm and MatMul with a constant right-hand side, on oneDNN's matmul primitive.
//
// Gemm: Y = act(alpha · A · B' + beta · C), A [M, K] (trans_a = 0), B' = B or Bᵀ, C broadcastable
// to [1, N]. alpha is folded into the packed weights and beta into the bias at build time (so
// results differ from the reference by rounding only). MatMul: A [..., M, K] · B [K, N] runs as
// one [prod(...) · M, K] · [K, N] product (A and Y are row-major, so the leading axes flatten).
// Weights are packed once into the primitive's preferred layout; A, Y are plain.
#include <cmath>

#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/onednn_common.h"

namespace int8rt::cpu {

using dnnl::memory;

namespace {

struct MatmulProblem {
  int64_t m = 0, k = 0, n = 0;
  bool trans_b = false;
  float alpha = 1.0f;
  std::vector<float> bias;  // N values (beta · C), empty when none
  FusedActivation activation;
};

// Weights `b` ([K, N], or [N, K] when trans_b) scaled by alpha, as a plain [K, N]-shaped
// descriptor over a copy of the data.
Weights scaled(const Weights& b, float alpha) {
  if (alpha == 1.0f) return b;
  Weights out = Weights::zeros(DataType::kFloat, b.dims());
  const float* src = b.data_as<float>();
  auto* dst = static_cast<float*>(out.mutable_data());
  for (int64_t i = 0; i < b.count(); ++i)
    dst[i] = alpha * src[i];
  return out;
}

Result<KernelPtr> make_matmul_kernel(const Layer& layer, const MatmulProblem& p, const Weights& b) {
  return guarded_create(layer, [&]() -> Result<KernelPtr> {
    const auto f32 = memory::data_type::f32;
    const memory::desc a_desc({p.m, p.k}, f32, memory::format_tag::ab);
    const memory::desc y_desc({p.m, p.n}, f32, memory::format_tag::ab);
    const memory::desc b_plain({p.k, p.n}, f32,
                               p.trans_b ? memory::format_tag::ba : memory::format_tag::ab);
    const memory::desc b_any({p.k, p.n}, f32, memory::format_tag::any);
    const memory::desc bias_desc =
        p.bias.empty() ? memory::desc() : memory::desc({1, p.n}, f32, memory::format_tag::ab);

    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    dnnl::post_ops ops;
    if (!append_activation(ops, p.activation)) return KernelPtr();
    attr.set_post_ops(ops);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_desc, b_any, bias_desc, y_desc), attr,
                                    onednn_engine());

    auto kernel = std::make_unique<PrimitiveKernel>(kernel_name("matmul", pd), dnnl::matmul(pd),
                                                    pd.scratchpad_desc(), layer.num_inputs(), 1);
    kernel->bind_input(DNNL_ARG_SRC, 0, pd.src_desc());
    kernel->bind_constant(DNNL_ARG_WEIGHTS,
                          reorder_constant(scaled(b, p.alpha), b_plain, pd.weights_desc()));
    if (!p.bias.empty()) {
      Weights bias = Weights::from_vector(DataType::kFloat, Dims{1, p.n}, p.bias);
      kernel->bind_constant(DNNL_ARG_BIAS, reorder_constant(bias, bias_desc, bias_desc));
    }
    kernel->bind_output(DNNL_ARG_DST, 0, pd.dst_desc());
    return KernelPtr(std::move(kernel));
  });
}

// beta · C as N bias values, when C broadcasts along M (shape [N], [1, N], [1] or scalar).
std::optional<std::vector<float>> gemm_bias(const Tensor& c, float beta, int64_t n) {
  const Dims& dims = c.dims();
  const bool per_column =
      (dims.rank() == 1 && dims[0] == n) || (dims.rank() == 2 && dims[0] == 1 && dims[1] == n);
  const bool scalar = dims.volume() == 1 && dims.rank() <= 2;
  if (!per_column && !scalar) return std::nullopt;
  const float* values = c.constant_value().data_as<float>();
  std::vector<float> bias(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j)
    bias[static_cast<size_t>(j)] = beta * values[scalar ? 0 : j];
  return bias;
}

}  // namespace

Result<KernelPtr> make_matmul(const Layer& layer, std::span<const Layout> input_layouts) {
  (void)input_layouts;  // A and Y are plain
  const Tensor* a = layer.input(0);
  const Tensor* b = layer.input(1);
  const Tensor* y = layer.output(0);
  if (a->dtype() != DataType::kFloat || b->dtype() != DataType::kFloat) return KernelPtr();
  if (!b->is_constant() || b->dims().rank() != 2 || a->dims().rank() < 2) return KernelPtr();
  MatmulProblem p;
  if (layer.type() == OpType::kGemm) {
    const auto& attrs = layer.attrs_as<GemmAttrs>();
    if (attrs.trans_a || a->dims().rank() != 2 || !std::isfinite(attrs.alpha)) return KernelPtr();
    p.m = a->dims()[0];
    p.k = a->dims()[1];
    p.trans_b = attrs.trans_b;
    p.n = attrs.trans_b ? b->dims()[0] : b->dims()[1];
    p.alpha = attrs.alpha;
    p.activation = attrs.activation;
    const Tensor* c = layer.num_inputs() > 2 ? layer.input(2) : nullptr;
    if (c != nullptr && attrs.beta != 0.0f) {
      if (!c->is_constant() || c->dtype() != DataType::kFloat) return KernelPtr();
      auto bias = gemm_bias(*c, attrs.beta, p.n);
      if (!bias) return KernelPtr();
      p.bias = std::move(*bias);
    }
  } else {
    const Dims& dims = a->dims();
    p.k = dims[dims.rank() - 1];
    p.m = dims.volume() / p.k;
    p.n = b->dims()[1];
  }
  if ((p.trans_b ? b->dims()[1] : b->dims()[0]) != p.k || y->dims().volume() != p.m * p.n) {
    return KernelPtr();
  }
  return make_matmul_kernel(layer, p, b->constant_value());
}

}  // namespace int8rt::cpu
