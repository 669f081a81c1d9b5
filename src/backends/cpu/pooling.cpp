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
#include "backends/cpu/onednn_common.h"

namespace int8rt::cpu {

using dnnl::memory;

Result<KernelPtr> make_pooling(const Layer& layer, std::span<const Layout> input_layouts) {
  const Tensor* x = layer.input(0);
  const Tensor* y = layer.output(0);
  const int rank = x->dims().rank();
  const int spatial = rank - 2;
  if (x->dtype() != DataType::kFloat || rank < 3 || rank > 5) return KernelPtr();
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

  return guarded_create(layer, [&]() -> Result<KernelPtr> {
    const memory::desc src = desc_of(input_layouts[0], x->dims(), DataType::kFloat);
    const memory::desc dst(to_onednn_dims(y->dims()), memory::data_type::f32,
                           memory::format_tag::any);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
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

}  // namespace int8rt::cpu
