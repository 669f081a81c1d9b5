// INT8 Add and Concat on oneDNN.
//
// Add: y = clamp(rne(float(qa) · ra + float(qb) · rb), -127, 127) with ra = s_a / s_y and
// rb = s_b / s_y (float32 output: ra = s_a, rb = s_b, no rounding): the binary primitive with
// per-input scales (each product rounded, then the sum) and a clip post-op. Broadcasting and
// layouts as for the float32 binary kernel (binary.cpp): src0 is the full-shaped input, kept in
// the layout it is produced in; a full-shaped src1 shares that layout.
//
// Concat: a plain concat of s8 inputs when every input has the output's scale (the precision pass
// arranges that); requantizing concats stay on the reference kernel.
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/int8_common.h"
#include "backends/cpu/onednn_common.h"

namespace int8rt::cpu {

using dnnl::memory;

Result<KernelPtr> make_int8_add(const Layer& layer, std::span<const Layout> input_layouts) {
  if (layer.num_inputs() != 2) return KernelPtr();
  const Tensor* y = layer.output(0);
  int first = 0, second = 1;
  if (layer.input(0)->dims() != y->dims()) {
    if (layer.input(1)->dims() != y->dims()) return KernelPtr();
    std::swap(first, second);
  }
  const Tensor* a = layer.input(first);
  const Tensor* b = layer.input(second);
  const bool int8_output = y->dtype() == DataType::kInt8;
  if (!is_int8_data(a) || !is_int8_data(b)) return KernelPtr();
  if (!int8_output && y->dtype() != DataType::kFloat) return KernelPtr();
  const int rank = std::max(y->dims().rank(), 1);
  if (rank > 6 || b->dims().rank() > rank) return KernelPtr();
  const std::optional<float> s_a = int8_scale_of(*a);
  const std::optional<float> s_b = int8_scale_of(*b);
  const std::optional<float> s_y = int8_output ? int8_scale_of(*y) : std::optional<float>(1.0f);
  if (!s_a || !s_b || !s_y) return KernelPtr();
  const float ra = int8_output ? *s_a / *s_y : *s_a;
  const float rb = int8_output ? *s_b / *s_y : *s_b;

  return guarded_create(layer, [&]() -> Result<KernelPtr> {
    const memory::desc src0 =
        desc_of(input_layouts[static_cast<size_t>(first)], a->dims(), DataType::kInt8);
    memory::desc src1 = src0;
    if (b->dims() != y->dims()) {
      std::vector<int64_t> padded(static_cast<size_t>(rank - b->dims().rank()), 1);
      padded.insert(padded.end(), b->dims().extents().begin(), b->dims().extents().end());
      src1 = plain_desc(Dims(padded), DataType::kInt8);
    }
    dnnl_memory_desc_t dst_data = src0.data;
    dst_data.data_type = int8_output ? dnnl_s8 : dnnl_f32;
    const memory::desc dst(dst_data);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    attr.set_scales(DNNL_ARG_SRC_0, 0, {ra});
    attr.set_scales(DNNL_ARG_SRC_1, 0, {rb});
    if (int8_output) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip, -127.0f, 127.0f);
      attr.set_post_ops(ops);
    }
    dnnl::binary::primitive_desc pd(
        dnnl::binary::desc(dnnl::algorithm::binary_add, src0, src1, dst), attr, onednn_engine());
    auto kernel = std::make_unique<PrimitiveKernel>(kernel_name("binary", pd), dnnl::binary(pd),
                                                    pd.scratchpad_desc(), layer.num_inputs(), 1);
    kernel->bind_input(DNNL_ARG_SRC_0, first, pd.src_desc(0));
    kernel->bind_input(DNNL_ARG_SRC_1, second, pd.src_desc(1));
    kernel->bind_output(DNNL_ARG_DST, 0, pd.dst_desc());
    if (int8_output) kernel->allow_inplace(first);
    return KernelPtr(std::move(kernel));
  });
}

Result<KernelPtr> make_int8_concat(const Layer& layer, std::span<const Layout> input_layouts) {
  const Tensor* y = layer.output(0);
  const int rank = y->dims().rank();
  if (y->dtype() != DataType::kInt8 || rank < 1 || rank > 6) return KernelPtr();
  const std::optional<float> s_y = int8_scale_of(*y);
  if (!s_y) return KernelPtr();
  const int64_t axis = layer.attrs_as<ConcatAttrs>().axis;
  if (axis < -rank || axis >= rank) return KernelPtr();
  const int concat_axis = static_cast<int>(axis < 0 ? axis + rank : axis);
  for (int i = 0; i < layer.num_inputs(); ++i) {
    const Tensor* x = layer.input(i);
    if (!is_int8_data(x) || x->dims().volume() == 0) return KernelPtr();
    const std::optional<float> s_x = int8_scale_of(*x);
    if (!s_x || quant::requantize_ratio(*s_x, *s_y) != 1.0f) return KernelPtr();
  }
  return make_concat_primitive(layer, input_layouts, concat_axis, DataType::kInt8);
}

}  // namespace int8rt::cpu
