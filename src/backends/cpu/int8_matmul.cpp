// INT8 Gemm and MatMul with a constant right-hand side on oneDNN's matmul primitive: A s8 [M, K]
// (plain; MatMul's leading axes flatten into M), the weights of quant::gemm_weights_by_column
// quantized per output column and packed once, f32 bias (beta · C) in the accumulator domain,
// per-column output scales (mask 1 << 1 on the [M, N] destination) and the output stage's
// post-ops; s8 or f32 Y.
//
// As for conv (int8_conv.cpp): where oneDNN's s8 · s8 product is not exact (no VNNI: u8 · s8 pair
// sums saturate in int16), the kernel splits A = A⁺ - A⁻ into one u8 [M, 2K] source and stacks
// the weights as [W; -W] (2K rows), so that every pair sum stays below 2 · 127 · 127 < 32767.
#include <algorithm>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/int8_common.h"
#include "backends/cpu/onednn_common.h"

namespace int8rt::cpu {

using dnnl::memory;

namespace {

// Splits the s8 rows of A (K values) into u8 rows of 2K values, [max(a, 0) | max(-a, 0)], in
// scratch, then runs the u8 matmul on them.
class SplitRowsMatmulKernel final : public Kernel {
 public:
  SplitRowsMatmulKernel(std::unique_ptr<PrimitiveKernel> matmul, int64_t rows, int64_t k)
      : matmul_(std::move(matmul)),
        rows_(rows),
        k_(k),
        split_bytes_((static_cast<size_t>(rows * k * 2) + 63) / 64 * 64) {}

  std::string name() const override { return matmul_->name() + "[split s8]"; }
  size_t scratch_bytes() const override { return split_bytes_ + matmul_->scratch_bytes(); }
  std::unique_ptr<KernelState> create_state() const override { return matmul_->create_state(); }
  Layout input_layout(int) const override { return {}; }
  Layout output_layout(int) const override { return {}; }

  Status execute(const KernelIo& io) const override {
    const auto* a = static_cast<const int8_t*>(io.inputs[0]);
    auto* split = static_cast<uint8_t*>(io.scratch);
#pragma omp parallel for
    for (int64_t i = 0; i < rows_; ++i) {
      for (int64_t p = 0; p < k_; ++p) {
        const int v = a[i * k_ + p];
        split[i * 2 * k_ + p] = static_cast<uint8_t>(std::max(v, 0));
        split[i * 2 * k_ + k_ + p] = static_cast<uint8_t>(std::max(-v, 0));
      }
    }
    std::vector<const void*> inputs(io.inputs.begin(), io.inputs.end());
    inputs[0] = split;
    KernelIo inner{inputs, io.outputs, static_cast<std::byte*>(io.scratch) + split_bytes_,
                   io.state};
    return matmul_->execute(inner);
  }

 private:
  std::unique_ptr<PrimitiveKernel> matmul_;
  int64_t rows_, k_;
  size_t split_bytes_;
};

}  // namespace

Result<KernelPtr> make_int8_matmul(const Layer& layer, std::span<const Layout> input_layouts) {
  (void)input_layouts;  // A and Y are plain
  const Tensor* a = layer.input(0);
  const Tensor* b = layer.input(1);
  const Tensor* y = layer.output(0);
  const bool int8_output = y->dtype() == DataType::kInt8;
  if (!is_int8_data(a) || (!int8_output && y->dtype() != DataType::kFloat)) return KernelPtr();
  if (!b->is_constant() || b->dtype() != DataType::kFloat || b->dims().rank() != 2 ||
      a->dims().rank() < 2) {
    return KernelPtr();
  }
  int64_t m = 0, k = 0, n = 0;
  bool trans_b = false;
  float alpha = 1.0f;
  FusedActivation activation;
  std::vector<float> bias;
  if (layer.type() == OpType::kGemm) {
    const auto& attrs = layer.attrs_as<GemmAttrs>();
    if (attrs.trans_a || a->dims().rank() != 2) return KernelPtr();
    m = a->dims()[0];
    k = a->dims()[1];
    trans_b = attrs.trans_b;
    n = trans_b ? b->dims()[0] : b->dims()[1];
    alpha = attrs.alpha;
    activation = attrs.activation;
    const Tensor* c = layer.num_inputs() > 2 ? layer.input(2) : nullptr;
    if (c != nullptr) {
      const Dims& cd = c->dims();
      const int64_t count = cd.volume();
      if (!c->is_constant() || c->dtype() != DataType::kFloat ||
          !(count == 1 || (count == n && cd[cd.rank() - 1] == n))) {
        return KernelPtr();
      }
      bias = quant::gemm_bias(c->constant_value().data_as<float>(), count, n, attrs.beta);
    }
  } else {
    k = a->dims()[a->dims().rank() - 1];
    m = a->dims().volume() / k;
    n = b->dims()[1];
  }
  if ((trans_b ? b->dims()[1] : b->dims()[0]) != k || y->dims().volume() != m * n) {
    return KernelPtr();
  }
  const std::optional<float> s_in = int8_scale_of(*a);
  const std::optional<float> s_out = int8_output ? int8_scale_of(*y) : std::optional<float>(1.0f);
  if (!s_in || !s_out) return KernelPtr();

  const std::vector<float> w =
      quant::gemm_weights_by_column(b->constant_value().data_as<float>(), k, n, trans_b, alpha);
  const quant::PerChannelWeights q = quant::quantize_per_channel(w.data(), n, k);
  const quant::OutputStage stage =
      quant::make_output_stage(*s_in, q.scales, bias.empty() ? nullptr : bias.data(), false, 0.0f,
                               activation, int8_output, *s_out);
  dnnl::post_ops ops;
  if (!append_output_stage(ops, stage)) return KernelPtr();
  const bool split = int8_isa() != Int8Isa::kVnniOrAmx;

  return guarded_create(layer, [&]() -> Result<KernelPtr> {
    const auto f32 = memory::data_type::f32;
    // Weights [N][K] channel-major, i.e. a [K, N] matrix stored column by column (ba); the split
    // form stacks [W; -W] into [2K, N].
    const int64_t rows = split ? 2 * k : k;
    std::vector<int8_t> values(static_cast<size_t>(rows * n));
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t p = 0; p < k; ++p) {
        const int8_t v = q.values[static_cast<size_t>(j * k + p)];
        values[static_cast<size_t>(j * rows + p)] = v;
        if (split) values[static_cast<size_t>(j * rows + k + p)] = static_cast<int8_t>(-v);
      }
    }
    const memory::desc a_desc({m, rows}, split ? memory::data_type::u8 : memory::data_type::s8,
                              memory::format_tag::ab);
    const memory::desc w_plain({rows, n}, memory::data_type::s8, memory::format_tag::ba);
    const memory::desc w_any({rows, n}, memory::data_type::s8, memory::format_tag::any);
    const memory::desc y_desc({m, n}, int8_path_type(y->dtype()), memory::format_tag::ab);
    const memory::desc bias_desc =
        stage.bias.empty() ? memory::desc() : memory::desc({1, n}, f32, memory::format_tag::ab);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    attr.set_output_scales(1 << 1, stage.scales);
    attr.set_post_ops(ops);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_desc, w_any, bias_desc, y_desc), attr,
                                    onednn_engine());
    auto kernel = std::make_unique<PrimitiveKernel>(kernel_name("matmul", pd), dnnl::matmul(pd),
                                                    pd.scratchpad_desc(), layer.num_inputs(), 1);
    kernel->bind_input(DNNL_ARG_SRC, 0, pd.src_desc());
    kernel->bind_constant(
        DNNL_ARG_WEIGHTS,
        reorder_constant(Weights::from_vector(DataType::kInt8, Dims{n, rows}, values), w_plain,
                         pd.weights_desc()));
    if (!stage.bias.empty()) {
      const Weights values_b = Weights::from_vector(DataType::kFloat, Dims{1, n}, stage.bias);
      kernel->bind_constant(DNNL_ARG_BIAS, reorder_constant(values_b, bias_desc, bias_desc));
    }
    kernel->bind_output(DNNL_ARG_DST, 0, pd.dst_desc());
    if (!split) return KernelPtr(std::move(kernel));
    return KernelPtr(std::make_unique<SplitRowsMatmulKernel>(std::move(kernel), m, k));
  });
}

}  // namespace int8rt::cpu
