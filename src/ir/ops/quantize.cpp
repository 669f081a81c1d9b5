// Shape inference of the INT8 reformats the builder inserts (src/ir/quantization.h):
//   Quantize:   X float32 -> Y int8, same shape; Y needs a dynamic range (its scale).
//   Dequantize: X int8 -> Y float32, same shape; X needs a dynamic range (its scale).
#include "ir/ops/op_util.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

namespace {

Status infer_reformat(Layer& layer, DataType from, DataType to) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 1, 1));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* x, required_input(layer, 0, "X"));
  INT8RT_RETURN_IF_ERROR(expect_dtype(layer, 0, {from}));
  const Tensor* quantized = from == DataType::kInt8 ? x : layer.output(0);
  if (!quantized->dynamic_range_is_set()) {
    return invalid_argument(describe(layer), ": ", from == DataType::kInt8 ? "input" : "output",
                            " \"", quantized->name(),
                            "\" has no dynamic range; its int8 scale (amax / 127) comes from it");
  }
  set_output(layer, 0, to, x->dims());
  return Status::ok();
}

}  // namespace

Status infer_Quantize(Layer& layer) {
  return infer_reformat(layer, DataType::kFloat, DataType::kInt8);
}

Status infer_Dequantize(Layer& layer) {
  return infer_reformat(layer, DataType::kInt8, DataType::kFloat);
}

}  // namespace int8rt::ir
