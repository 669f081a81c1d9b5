// Conv and ConvTranspose on oneDNN (1-D, 2-D and 3-D; groups, depthwise, dilations, asymmetric
// pads), with the fused extras of ConvAttrs: y = act(conv(X, W) + B + R).
//
// Layouts: activations in whatever layout the primitive prefers for these shapes (format any:
// NHWC for brgconv on AVX-512, nChw8c/nChw16c for the older jit kernels); weights reordered once
// at build time into the primitive's packed layout (e.g. OIhw16i16o), owned by the kernel. A
// residual R must arrive in the output's layout: it is accumulated with a sum post-op, so the
// kernel copies R into Y first unless the engine placed both in one buffer.
#include "backends/cpu/conv_geometry.h"
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/onednn_common.h"

namespace int8rt::cpu {

using dnnl::memory;

namespace {

// A small-channel first layer reads the network's plain NCHW input: use a plain source when the
// implementation that accepts it is the one `any` picks (then the input needs no reorder).
bool same_implementation(const dnnl::primitive_desc_base& a, const dnnl::primitive_desc_base& b) {
  return std::string(a.impl_info_str()) == b.impl_info_str();
}

}  // namespace

Result<KernelPtr> make_conv(const Layer& layer, std::span<const Layout> input_layouts) {
  const auto& attrs = layer.attrs_as<ConvAttrs>();
  const Tensor* x = layer.input(0);
  const Tensor* w = layer.input(1);
  const Tensor* b = layer.num_inputs() > 2 ? layer.input(2) : nullptr;
  const Tensor* r = layer.num_inputs() > 3 ? layer.input(3) : nullptr;
  const Tensor* y = layer.output(0);
  const int rank = x->dims().rank();
  if (x->dtype() != DataType::kFloat || y->dtype() != DataType::kFloat) return KernelPtr();
  if (rank < 3 || rank > 5 || w->dims().rank() != rank || !w->is_constant()) return KernelPtr();
  if (b != nullptr && !b->is_constant()) return KernelPtr();
  if (r != nullptr && r->dims() != y->dims()) return KernelPtr();
  if (attrs.group < 1 || w->dims()[0] % attrs.group != 0) return KernelPtr();
  auto g = geometry(rank - 2, attrs.strides, attrs.pads, attrs.dilations);
  if (!g) return KernelPtr();

  return guarded_create(layer, [&]() -> Result<KernelPtr> {
    dnnl::engine& engine = onednn_engine();
    const auto f32 = memory::data_type::f32;
    const memory::dims w_dims = conv_weight_dims(w->dims(), attrs.group);
    const memory::desc w_plain = plain_desc(Dims(w_dims), DataType::kFloat);
    const memory::desc any_w(w_dims, f32, memory::format_tag::any);
    const memory::desc any_y(to_onednn_dims(y->dims()), f32, memory::format_tag::any);
    const memory::desc b_desc =
        b ? memory::desc({w->dims()[0]}, f32, memory::format_tag::a) : memory::desc();

    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    dnnl::post_ops ops;
    if (r != nullptr) ops.append_sum(1.0f);
    if (!append_activation(ops, attrs.activation)) return KernelPtr();
    attr.set_post_ops(ops);

    auto make_pd = [&](const memory::desc& src) {
      dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference,
                                           dnnl::algorithm::convolution_direct, src, any_w, b_desc,
                                           any_y, g->strides, g->dilates, g->pad_l, g->pad_r);
      return dnnl::convolution_forward::primitive_desc(desc, attr, engine);
    };
    auto pd = make_pd(memory::desc(to_onednn_dims(x->dims()), f32, memory::format_tag::any));
    if (input_layouts[0].is_plain() && !is_plain_equivalent(pd.src_desc())) {
      try {
        auto plain_pd = make_pd(plain_desc(x->dims(), DataType::kFloat));
        if (same_implementation(pd, plain_pd)) pd = plain_pd;
      } catch (const dnnl::error&) {
        // No implementation reads a plain source: keep the preferred one.
      }
    }

    auto kernel =
        std::make_unique<PrimitiveKernel>(kernel_name("conv", pd), dnnl::convolution_forward(pd),
                                          pd.scratchpad_desc(), layer.num_inputs(), 1);
    kernel->bind_input(DNNL_ARG_SRC, 0, pd.src_desc());
    kernel->bind_constant(DNNL_ARG_WEIGHTS,
                          reorder_constant(w->constant_value(), w_plain, pd.weights_desc()));
    if (b != nullptr) {
      kernel->bind_constant(DNNL_ARG_BIAS, reorder_constant(b->constant_value(), b_desc, b_desc));
    }
    kernel->bind_output(DNNL_ARG_DST, 0, pd.dst_desc());
    if (r != nullptr) kernel->accumulate_into_output(3);
    return KernelPtr(std::move(kernel));
  });
}

// ONNX ConvTranspose weight is [C_in, C_out/G, k...]; oneDNN's deconvolution takes
// G · O/G · I/G · k..., so the plain weight is described with O and I swapped (iohw / giohw).
// ONNX output_padding adds rows at the end: out = (in-1)·s + (k-1)·d + 1 - pad_b - pad_e + out_pad,
// which oneDNN expresses as a right pad of pad_e - out_pad (must stay >= 0).
Result<KernelPtr> make_conv_transpose(const Layer& layer, std::span<const Layout> input_layouts) {
  const auto& attrs = layer.attrs_as<ConvTransposeAttrs>();
  const Tensor* x = layer.input(0);
  const Tensor* w = layer.input(1);
  const Tensor* b = layer.num_inputs() > 2 ? layer.input(2) : nullptr;
  const Tensor* y = layer.output(0);
  const int rank = x->dims().rank();
  const int spatial = rank - 2;
  if (x->dtype() != DataType::kFloat || y->dtype() != DataType::kFloat) return KernelPtr();
  if (rank < 3 || rank > 5 || w->dims().rank() != rank || !w->is_constant()) return KernelPtr();
  if (b != nullptr && !b->is_constant()) return KernelPtr();
  if (attrs.group < 1 || w->dims()[0] % attrs.group != 0) return KernelPtr();
  auto g = geometry(spatial, attrs.strides, attrs.pads, attrs.dilations);
  if (!g) return KernelPtr();
  for (int i = 0; i < spatial; ++i) {
    const int64_t out_pad =
        attrs.output_padding.empty() ? 0 : attrs.output_padding.at(static_cast<size_t>(i));
    g->pad_r[static_cast<size_t>(i)] -= out_pad;
    if (g->pad_r[static_cast<size_t>(i)] < 0) return KernelPtr();
    const int64_t expected = (x->dims()[2 + i] - 1) * g->strides[static_cast<size_t>(i)] +
                             (w->dims()[2 + i] - 1) * (g->dilates[static_cast<size_t>(i)] + 1) + 1 -
                             g->pad_l[static_cast<size_t>(i)] - g->pad_r[static_cast<size_t>(i)];
    if (expected != y->dims()[2 + i]) return KernelPtr();
  }

  return guarded_create(layer, [&]() -> Result<KernelPtr> {
    dnnl::engine& engine = onednn_engine();
    const auto f32 = memory::data_type::f32;
    const int64_t group = attrs.group;
    const int64_t in_per_group = w->dims()[0] / group;
    const int64_t out_per_group = w->dims()[1];
    memory::dims w_dims{out_per_group, in_per_group};
    for (int i = 0; i < spatial; ++i)
      w_dims.push_back(w->dims()[2 + i]);
    if (group > 1) w_dims.insert(w_dims.begin(), group);
    // Strides of the ONNX weight seen through oneDNN's dims: swap O and I.
    const memory::desc w_onnx = plain_desc(w->dims(), DataType::kFloat);
    const auto& row_major = w_onnx.data.format_desc.blocking.strides;
    memory::dims w_strides;
    if (group > 1) w_strides.push_back(in_per_group * row_major[0]);
    w_strides.push_back(row_major[1]);
    w_strides.push_back(row_major[0]);
    for (int i = 0; i < spatial; ++i)
      w_strides.push_back(row_major[2 + i]);
    const memory::desc w_plain(w_dims, f32, w_strides);
    const memory::desc b_desc =
        b ? memory::desc({group * out_per_group}, f32, memory::format_tag::a) : memory::desc();

    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    dnnl::deconvolution_forward::desc desc(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::deconvolution_direct,
        memory::desc(to_onednn_dims(x->dims()), f32, memory::format_tag::any),
        memory::desc(w_dims, f32, memory::format_tag::any), b_desc,
        memory::desc(to_onednn_dims(y->dims()), f32, memory::format_tag::any), g->strides,
        g->dilates, g->pad_l, g->pad_r);
    dnnl::deconvolution_forward::primitive_desc pd(desc, attr, engine);
    (void)input_layouts;

    auto kernel = std::make_unique<PrimitiveKernel>(kernel_name("deconv", pd),
                                                    dnnl::deconvolution_forward(pd),
                                                    pd.scratchpad_desc(), layer.num_inputs(), 1);
    kernel->bind_input(DNNL_ARG_SRC, 0, pd.src_desc());
    kernel->bind_constant(DNNL_ARG_WEIGHTS,
                          reorder_constant(w->constant_value(), w_plain, pd.weights_desc()));
    if (b != nullptr) {
      kernel->bind_constant(DNNL_ARG_BIAS, reorder_constant(b->constant_value(), b_desc, b_desc));
    }
    kernel->bind_output(DNNL_ARG_DST, 0, pd.dst_desc());
    return KernelPtr(std::move(kernel));
  });
}

}  // namespace int8rt::cpu
