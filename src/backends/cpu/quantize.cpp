// Quantize (float32 -> int8) and Dequantize (int8 -> float32), the builder's reformats at INT8
// boundaries. Both keep the layout their input is produced in (the same format with the other
// element type), so a reformat between two oneDNN layers needs no reorder of its own.
//
// Quantize: q = clamp(rne(x / s_out), -127, 127) (quant::quantize; a division, which a oneDNN
// reorder with a scale would replace by a multiplication by 1 / s_out, so it is a loop here).
// Dequantize: x = q · s_in, a oneDNN reorder with output scale s_in (one multiplication).
// The loops (quantize_loops.h) are vectorized for the widest ISA oneDNN may use and split over
// the OpenMP team in chunks of kChunk values; both formats are the same, so element i of the
// input buffer is element i of the output buffer, whatever the layout.
#include <algorithm>

#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/int8_common.h"
#include "backends/cpu/onednn_common.h"
#include "backends/cpu/quantize_loops.h"

namespace int8rt::cpu {

using dnnl::memory;

namespace {

// `desc` with element type `type` (same dims, format and strides, in elements).
memory::desc with_type(const memory::desc& desc, memory::data_type type) {
  dnnl_memory_desc_t data = desc.data;
  data.data_type = static_cast<dnnl_data_type_t>(type);
  return memory::desc(data);
}

// Values per OpenMP chunk: 16 KiB of int8 (64 KiB of float32), so a tensor below that runs on
// the calling thread alone.
constexpr int64_t kChunk = 16384;

// Every element of a dense buffer (block padding included: padded zeros quantize to zeros).

class QuantizeKernel final : public Kernel {
 public:
  QuantizeKernel(memory::desc src, memory::desc dst, float scale)
      : src_(std::move(src)), dst_(std::move(dst)), scale_(scale), isa_(best_quantize_isa()) {}

  std::string name() const override { return "cpu.quantize(" + std::string(to_string(isa_)) + ")"; }
  Layout input_layout(int) const override { return to_layout(src_); }
  Layout output_layout(int) const override { return to_layout(dst_); }
  Status execute(const KernelIo& io) const override {
    const auto* x = static_cast<const float*>(io.inputs[0]);
    auto* q = static_cast<int8_t*>(io.outputs[0]);
    const auto count = static_cast<int64_t>(dst_.get_size());
    const int64_t chunks = (count + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (int64_t c = 0; c < chunks; ++c) {
      const int64_t begin = c * kChunk;
      quantize_values(isa_, x + begin, q + begin, std::min(kChunk, count - begin), scale_);
    }
    return Status::ok();
  }

 private:
  memory::desc src_, dst_;
  float scale_;
  QuantizeIsa isa_;
};

}  // namespace

Result<KernelPtr> make_quantize(const Layer& layer, std::span<const Layout> input_layouts) {
  const Tensor* x = layer.input(0);
  const Tensor* y = layer.output(0);
  if (x->dtype() != DataType::kFloat || y->dtype() != DataType::kInt8) return KernelPtr();
  const std::optional<float> scale = int8_scale_of(*y);
  if (!scale) return KernelPtr();
  const memory::desc src = desc_of(input_layouts[0], x->dims(), DataType::kFloat);
  return KernelPtr(
      std::make_unique<QuantizeKernel>(src, with_type(src, memory::data_type::s8), *scale));
}

Result<KernelPtr> make_dequantize(const Layer& layer, std::span<const Layout> input_layouts) {
  const Tensor* x = layer.input(0);
  const Tensor* y = layer.output(0);
  if (!is_int8_data(x) || y->dtype() != DataType::kFloat) return KernelPtr();
  const std::optional<float> scale = int8_scale_of(*x);
  if (!scale) return KernelPtr();
  return guarded_create(layer, [&]() -> Result<KernelPtr> {
    const memory::desc src = desc_of(input_layouts[0], x->dims(), DataType::kInt8);
    const memory::desc dst = with_type(src, memory::data_type::f32);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    attr.set_output_scales(0, {*scale});
    dnnl::reorder::primitive_desc pd(onednn_engine(), src, onednn_engine(), dst, attr);
    auto kernel = std::make_unique<PrimitiveKernel>(kernel_name("dequantize", pd),
                                                    dnnl::reorder(pd), pd.scratchpad_desc(), 1, 1);
    kernel->bind_input(DNNL_ARG_FROM, 0, src);
    kernel->bind_output(DNNL_ARG_TO, 0, dst);
    return KernelPtr(std::move(kernel));
  });
}

}  // namespace int8rt::cpu
