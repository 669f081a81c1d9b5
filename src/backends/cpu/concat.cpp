// Concat of float tensors on oneDNN's concat primitive. Each input is read in the layout it is
// produced in; the output takes the layout oneDNN derives from them (channels-last inputs give a
// channels-last output), so a channel concat between convolutions needs no reorder.
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/onednn_common.h"

namespace int8rt::cpu {

using dnnl::memory;

Result<KernelPtr> make_concat(const Layer& layer, std::span<const Layout> input_layouts) {
  const Tensor* y = layer.output(0);
  const int rank = y->dims().rank();
  if (y->dtype() != DataType::kFloat || rank < 1 || rank > 6) return KernelPtr();
  const int64_t axis = layer.attrs_as<ConcatAttrs>().axis;
  if (axis < -rank || axis >= rank) return KernelPtr();
  const int concat_axis = static_cast<int>(axis < 0 ? axis + rank : axis);
  for (int i = 0; i < layer.num_inputs(); ++i) {
    const Tensor* x = layer.input(i);
    // oneDNN rejects empty sources; the reference kernel handles them.
    if (x == nullptr || x->dtype() != DataType::kFloat || x->dims().volume() == 0) {
      return KernelPtr();
    }
  }
  return make_concat_primitive(layer, input_layouts, concat_axis, DataType::kFloat);
}

Result<KernelPtr> make_concat_primitive(const Layer& layer, std::span<const Layout> input_layouts,
                                        int axis, DataType dtype) {
  // oneDNN numbers a concat's sources DNNL_ARG_MULTIPLE_SRC + i, a range that ends where
  // DNNL_ARG_MULTIPLE_DST's begins: more sources than that fail at execution. The reference
  // kernel takes any number.
  constexpr int kMaxSources = DNNL_ARG_MULTIPLE_DST - DNNL_ARG_MULTIPLE_SRC;
  if (layer.num_inputs() > kMaxSources) return KernelPtr();
  return guarded_create(layer, [&]() -> Result<KernelPtr> {
    std::vector<memory::desc> sources;
    for (int i = 0; i < layer.num_inputs(); ++i) {
      sources.push_back(
          desc_of(input_layouts[static_cast<size_t>(i)], layer.input(i)->dims(), dtype));
    }
    const memory::desc dst(
        to_onednn_dims(layer.output(0)->dims()),
        dtype == DataType::kInt8 ? memory::data_type::s8 : memory::data_type::f32,
        memory::format_tag::any);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    dnnl::concat::primitive_desc pd(dst, axis, sources, onednn_engine(), attr);
    auto kernel = std::make_unique<PrimitiveKernel>(kernel_name("concat", pd), dnnl::concat(pd),
                                                    pd.scratchpad_desc(), layer.num_inputs(), 1);
    for (int i = 0; i < layer.num_inputs(); ++i) {
      kernel->bind_input(DNNL_ARG_MULTIPLE_SRC + i, i, pd.src_desc(i));
    }
    kernel->bind_output(DNNL_ARG_DST, 0, pd.dst_desc());
    return KernelPtr(std::move(kernel));
  });
}

}  // namespace int8rt::cpu
