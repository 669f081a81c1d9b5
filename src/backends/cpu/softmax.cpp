// Softmax and LogSoftmax on oneDNN's softmax_v2 primitive, on plain data.
//
// Opset 13 normalizes along `axis`; older opsets (coerce_to_2d) normalize over the flattened
// [prod(d[:axis]), prod(d[axis:])] rows, which on row-major data is a softmax along axis 1 of that
// 2-D view.
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/onednn_common.h"

namespace int8rt::cpu {

using dnnl::memory;

Result<KernelPtr> make_softmax(const Layer& layer, std::span<const Layout> input_layouts) {
  (void)input_layouts;  // read plain
  const Tensor* x = layer.input(0);
  const int rank = x->dims().rank();
  if (x->dtype() != DataType::kFloat || rank < 1 || rank > 6) return KernelPtr();
  const auto& attrs = layer.attrs_as<SoftmaxAttrs>();
  if (attrs.axis < -rank || attrs.axis >= rank) return KernelPtr();
  int axis = static_cast<int>(attrs.axis < 0 ? attrs.axis + rank : attrs.axis);
  Dims dims = x->dims();
  if (attrs.coerce_to_2d) {
    int64_t rows = 1, cols = 1;
    for (int i = 0; i < rank; ++i)
      (i < axis ? rows : cols) *= dims[i];
    dims = Dims{rows, cols};
    axis = 1;
  }
  const auto alg = layer.type() == OpType::kLogSoftmax ? dnnl::algorithm::softmax_log
                                                       : dnnl::algorithm::softmax_accurate;
  return guarded_create(layer, [&]() -> Result<KernelPtr> {
    const memory::desc data = plain_desc(dims, DataType::kFloat);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    dnnl::softmax_v2_forward::desc desc(dnnl::prop_kind::forward_inference, alg, data, data, axis);
    dnnl::softmax_v2_forward::primitive_desc pd(desc, attr, onednn_engine());
    auto kernel =
        std::make_unique<PrimitiveKernel>(kernel_name("softmax", pd), dnnl::softmax_v2_forward(pd),
                                          pd.scratchpad_desc(), layer.num_inputs(), 1);
    kernel->bind_input(DNNL_ARG_SRC, 0, pd.src_desc());
    kernel->bind_output(DNNL_ARG_DST, 0, pd.dst_desc());
    kernel->allow_inplace(0);
    return KernelPtr(std::move(kernel));
  });
}

}  // namespace int8rt::cpu
