// Reference INT8 Concat (docs/int8.md): each input block is requantized to the output scale,
// y = quant::requantize(q, s_i / s_out) (a plain copy when the scales are equal, the usual case:
// the precision pass gives the inputs the output's range), or dequantized, y = q * s_i, for a
// float output.
#include "backends/quant.h"
#include "backends/reference/int8_kernels.h"
#include "ir/ops/op_util.h"

namespace int8rt::reference {

Result<KernelPtr> make_int8_concat(const Layer& layer) {
  const int axis = static_cast<int>(layer.attrs_as<ConcatAttrs>().axis);
  const Dims& out_dims = layer.output(0)->dims();
  INT8RT_ASSIGN_OR_RETURN(Int8Output out, int8_output_of(layer));
  int64_t outer = 1;
  for (int a = 0; a < axis; ++a)
    outer *= out_dims[a];
  std::vector<int64_t> blocks;  // elements per outer index, per input
  std::vector<float> factors;   // ratio s_i / s_out (int8 output) or s_i (float output)
  for (int i = 0; i < layer.num_inputs(); ++i) {
    const Tensor* t = layer.input(i);
    if (t->dtype() != DataType::kInt8) {
      return unsupported(ir::describe(layer), ": input \"", t->name(), "\" has dtype ",
                         to_string(t->dtype()), ", expected int8 (every input of an INT8 Concat)");
    }
    INT8RT_ASSIGN_OR_RETURN(float s, int8_scale_of(layer, t, "input"));
    factors.push_back(out.is_int8 ? quant::requantize_ratio(s, out.scale) : s);
    int64_t block = 1;
    for (int a = axis; a < t->dims().rank(); ++a)
      block *= t->dims()[a];
    blocks.push_back(block);
  }
  return make_int8_kernel(layer, [outer, blocks, factors, out](const KernelIo& io) {
    int64_t y = 0;
    for (int64_t o = 0; o < outer; ++o) {
      for (size_t k = 0; k < blocks.size(); ++k) {
        const int8_t* x = static_cast<const int8_t*>(io.inputs[k]) + o * blocks[k];
        for (int64_t e = 0; e < blocks[k]; ++e, ++y) {
          if (out.is_int8) {
            static_cast<int8_t*>(io.outputs[0])[y] = quant::requantize(x[e], factors[k]);
          } else {
            static_cast<float*>(io.outputs[0])[y] = quant::dequantize(x[e], factors[k]);
          }
        }
      }
    }
    return Status::ok();
  });
}

}  // namespace int8rt::reference
