// MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool on oneDNN's pooling primitive.
//
// The source stays in the layout it is produced in (NHWC, nChw16c or plain) and the output takes
// the matching layout, so pooling between convolutions needs no reorder.
//
// ceil_mode: shape inference has sized the output; oneDNN only floors, so the right pad is grown
// until floor((in + pad_l + pad_r' - dk) / s) + 1 = out, with dk = (k - 1) · d + 1. Max pooling
// ignores padding anyway and exclude-pad averaging leaves it out of the count as ONNX does; an
// include-pad average whose windows overrun the declared pads is left to the reference kernel
// (ONNX counts the declared pads but not the overrun).
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/int8_common.h"
#include "backends/cpu/onednn_common.h"

namespace int8rt::cpu {

using dnnl::memory;

namespace {

// `int8`: an s8 source; the destination is s8 or f32 (dequantized) as the output's dtype says.
Result<KernelPtr> pooling_kernel(const Layer& layer, std::span<const Layout> input_layouts,
                                 bool int8) {
  const Tensor* x = layer.input(0);
  const Tensor* y = layer.output(0);
  const int rank = x->dims().rank();
  const int spatial = rank - 2;
  if (rank < 3 || rank > 5) return KernelPtr();
  if (layer.num_outputs() > 1 && layer.output(1) != nullptr) return KernelPtr();  // indices

  dnnl::algorithm algorithm = dnnl::algorithm::pooling_max;
  memory::dims kernel, strides, dilates, pad_l, pad_r;
  const bool global =
      layer.type() == OpType::kGlobalAveragePool || layer.type() == OpType::kGlobalMaxPool;
  if (global) {
    if (layer.type() == OpType::kGlobalAveragePool) {
      algorithm = dnnl::algorithm::pooling_avg_exclude_padding;
    }
    for (int i = 0; i < spatial; ++i) {
      kernel.push_back(x->dims()[2 + i]);
      strides.push_back(1);
      dilates.push_back(0);
      pad_l.push_back(0);
      pad_r.push_back(0);
    }
  } else {
    const auto& attrs = layer.attrs_as<PoolAttrs>();
    const auto n = static_cast<size_t>(spatial);
    if (attrs.kernel_shape.size() != n || attrs.strides.size() != n || attrs.pads.size() != 2 * n) {
      return KernelPtr();
    }
    if (!attrs.dilations.empty() && attrs.dilations.size() != n) return KernelPtr();
    if (layer.type() == OpType::kAveragePool) {
      algorithm = attrs.count_include_pad ? dnnl::algorithm::pooling_avg_include_padding
                                          : dnnl::algorithm::pooling_avg_exclude_padding;
    }
    for (size_t i = 0; i < n; ++i) {
      const int64_t d = attrs.dilations.empty() ? 1 : attrs.dilations[i];
      const int64_t k = attrs.kernel_shape[i], s = attrs.strides[i];
      const int64_t in = x->dims()[2 + static_cast<int>(i)];
      const int64_t out = y->dims()[2 + static_cast<int>(i)];
      const int64_t needed_r = (out - 1) * s + (k - 1) * d + 1 - in - attrs.pads[i];
      int64_t right = attrs.pads[n + i];
      if (needed_r > right) {
        if (algorithm == dnnl::algorithm::pooling_avg_include_padding) return KernelPtr();
        right = needed_r;
      }
      if ((in + attrs.pads[i] + right - ((k - 1) * d + 1)) / s + 1 != out) return KernelPtr();
      kernel.push_back(k);
      strides.push_back(s);
      dilates.push_back(d - 1);
      pad_l.push_back(attrs.pads[i]);
      pad_r.push_back(right);
    }
  }

  // INT8: the pooled value v (the max, an int8 value; the average, a float) is rescaled by
  // `factor` (s_in / s_out, or s_in for a float output) with an eltwise linear post-op (one float
  // multiplication, alpha · v + 0), and an INT8 output is clipped to [-127, 127].
  dnnl::post_ops ops;
  if (int8) {
    const bool int8_output = y->dtype() == DataType::kInt8;
    const std::optional<float> s_in = int8_scale_of(*x);
    const std::optional<float> s_out = int8_output ? int8_scale_of(*y) : std::optional<float>(1.0f);
    if (!s_in || !s_out) return KernelPtr();
    const float factor = int8_output ? quant::requantize_ratio(*s_in, *s_out) : *s_in;
    // The max or average of values in [-127, 127] needs neither when the scales are equal (the
    // usual case), which keeps max pooling on the jit kernels (they take no post-ops).
    if (factor != 1.0f) {
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_linear, factor, 0.0f);
      if (int8_output) ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip, -127.0f, 127.0f);
    }
  }

  return guarded_create(layer, [&]() -> Result<KernelPtr> {
    // s8 pooling has jit kernels for channels-last sources only: a plain source is read as NHWC.
    const memory::desc src = int8 && input_layouts[0].is_plain()
                                 ? memory::desc(to_onednn_dims(x->dims()), memory::data_type::s8,
                                                rank == 3   ? memory::format_tag::nwc
                                                : rank == 4 ? memory::format_tag::nhwc
                                                            : memory::format_tag::ndhwc)
                                 : desc_of(input_layouts[0], x->dims(), x->dtype());
    const memory::desc dst(to_onednn_dims(y->dims()), to_onednn(y->dtype()),
                           memory::format_tag::any);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    attr.set_post_ops(ops);
    dnnl::pooling_v2_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm, src, dst,
                                        strides, kernel, dilates, pad_l, pad_r);
    dnnl::pooling_v2_forward::primitive_desc pd(desc, attr, onednn_engine());
    auto result =
        std::make_unique<PrimitiveKernel>(kernel_name("pool", pd), dnnl::pooling_v2_forward(pd),
                                          pd.scratchpad_desc(), layer.num_inputs(), 1);
    result->bind_input(DNNL_ARG_SRC, 0, pd.src_desc());
    result->bind_output(DNNL_ARG_DST, 0, pd.dst_desc());
    return KernelPtr(std::move(result));
  });
}

}  // namespace

Result<KernelPtr> make_pooling(const Layer& layer, std::span<const Layout> input_layouts) {
  const Tensor* x = layer.input(0);
  const Tensor* y = layer.output(0);
  if (x->dtype() != DataType::kFloat || y->dtype() != DataType::kFloat) return KernelPtr();
  return pooling_kernel(layer, input_layouts, false);
}

Result<KernelPtr> make_int8_pooling(const Layer& layer, std::span<const Layout> input_layouts) {
  const Tensor* x = layer.input(0);
  const Tensor* y = layer.output(0);
  // A float32 output (s8 -> f32 pooling) has no oneDNN implementation: the reference kernel.
  if (!is_int8_data(x) || y->dtype() != DataType::kInt8) return KernelPtr();
  return pooling_kernel(layer, input_layouts, true);
}

}  // namespace int8rt::cpu
