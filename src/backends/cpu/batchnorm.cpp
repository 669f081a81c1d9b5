// BatchNormalization (inference) on oneDNN: y = scale · (x - mean) / sqrt(var + epsilon) + B with
// the given statistics (use_global_stats) and per-channel scale and shift. The builder fuses BN
// into a preceding Conv/Gemm; this kernel serves the unfused graphs (calibration runs the graph
// before fusion). X [N, C, ...] is read in the layout it is produced in and Y takes the same; the
// four [C] parameters are read plain.
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/onednn_common.h"

namespace int8rt::cpu {

using dnnl::memory;

Result<KernelPtr> make_batchnorm(const Layer& layer, std::span<const Layout> input_layouts) {
  if (layer.num_inputs() != 5 || layer.num_outputs() != 1) return KernelPtr();
  const Tensor* x = layer.input(0);
  const Tensor* y = layer.output(0);
  const int rank = x->dims().rank();
  if (rank < 2 || rank > 5 || x->dtype() != DataType::kFloat) return KernelPtr();
  const int64_t channels = x->dims()[1];
  for (int i = 1; i < 5; ++i) {
    const Tensor* p = layer.input(i);
    if (p == nullptr || p->dtype() != DataType::kFloat || p->dims().volume() != channels ||
        p->dims().rank() != 1) {
      return KernelPtr();
    }
  }
  if (y->dims() != x->dims()) return KernelPtr();
  const float epsilon = layer.attrs_as<BatchNormAttrs>().epsilon;

  return guarded_create(layer, [&]() -> Result<KernelPtr> {
    const memory::desc src = desc_of(input_layouts[0], x->dims(), DataType::kFloat);
    const auto flags = dnnl::normalization_flags::use_global_stats |
                       dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    dnnl::batch_normalization_forward::desc desc(dnnl::prop_kind::forward_inference, src, epsilon,
                                                 flags);
    dnnl::batch_normalization_forward::primitive_desc pd(desc, attr, onednn_engine());
    auto kernel = std::make_unique<PrimitiveKernel>(kernel_name("batchnorm", pd),
                                                    dnnl::batch_normalization_forward(pd),
                                                    pd.scratchpad_desc(), layer.num_inputs(), 1);
    const memory::desc param({channels}, memory::data_type::f32, memory::format_tag::a);
    kernel->bind_input(DNNL_ARG_SRC, 0, pd.src_desc());
    kernel->bind_input(DNNL_ARG_SCALE, 1, param);
    kernel->bind_input(DNNL_ARG_SHIFT, 2, param);
    kernel->bind_input(DNNL_ARG_MEAN, 3, param);
    kernel->bind_input(DNNL_ARG_VARIANCE, 4, param);
    kernel->bind_output(DNNL_ARG_DST, 0, pd.dst_desc());
    return KernelPtr(std::move(kernel));
  });
}

}  // namespace int8rt::cpu
