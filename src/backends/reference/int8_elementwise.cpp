// Reference INT8 Add (docs/int8.md), with numpy broadcasting:
//   int8 output:  y = clamp(rne(float(qa) * ra + float(qb) * rb), -127, 127),
//                 ra = s_a / s_y and rb = s_b / s_y computed once in float32;
//   float output: y = float(qa) * s_a + float(qb) * s_b.
// Each product is rounded to float32, then the sum (no fused multiply-add): what oneDNN's binary
// primitive does with per-input scales.
#include "backends/quant.h"
#include "backends/reference/int8_kernels.h"
#include "ir/ops/op_util.h"

namespace int8rt::reference {

Result<KernelPtr> make_int8_add(const Layer& layer) {
  const Tensor* a = layer.input(0);
  const Tensor* b = layer.input(1);
  for (const Tensor* t : {a, b}) {
    if (t->dtype() != DataType::kInt8) {
      return unsupported(ir::describe(layer), ": input \"", t->name(), "\" has dtype ",
                         to_string(t->dtype()), ", expected int8 (both operands of an INT8 Add)");
    }
  }
  INT8RT_ASSIGN_OR_RETURN(float s_a, int8_scale_of(layer, a, "input"));
  INT8RT_ASSIGN_OR_RETURN(float s_b, int8_scale_of(layer, b, "input"));
  INT8RT_ASSIGN_OR_RETURN(Int8Output out, int8_output_of(layer));
  const float ra = out.is_int8 ? s_a / out.scale : s_a;
  const float rb = out.is_int8 ? s_b / out.scale : s_b;
  const Dims& y_dims = layer.output(0)->dims();
  const std::vector<int64_t> a_at = broadcast_offsets(a->dims(), y_dims);
  const std::vector<int64_t> b_at = broadcast_offsets(b->dims(), y_dims);
  return make_int8_kernel(layer, [a_at, b_at, ra, rb, out](const KernelIo& io) {
    const auto* qa = static_cast<const int8_t*>(io.inputs[0]);
    const auto* qb = static_cast<const int8_t*>(io.inputs[1]);
    for (size_t i = 0; i < a_at.size(); ++i) {
      const float pa = static_cast<float>(qa[a_at[i]]) * ra;
      const float pb = static_cast<float>(qb[b_at[i]]) * rb;
      const float v = pa + pb;
      if (out.is_int8) {
        static_cast<int8_t*>(io.outputs[0])[i] = quant::saturate_rne(v);
      } else {
        static_cast<float*>(io.outputs[0])[i] = v;
      }
    }
    return Status::ok();
  });
}

}  // namespace int8rt::reference
