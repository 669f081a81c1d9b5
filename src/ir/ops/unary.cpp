// Shape inference of the elementwise unary math ops: the output has the input's dtype and shape.
#include "ir/ops/op_util.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

Status infer_Abs(Layer& layer) {
  return infer_same_as_input(layer, {DataType::kFloat, DataType::kInt8, DataType::kUInt8,
                                     DataType::kInt32, DataType::kInt64});
}

Status infer_Neg(Layer& layer) {
  return infer_same_as_input(
      layer, {DataType::kFloat, DataType::kInt8, DataType::kInt32, DataType::kInt64});
}

Status infer_Sqrt(Layer& layer) {
  return infer_same_as_input(layer, {DataType::kFloat});
}

Status infer_Reciprocal(Layer& layer) {
  return infer_same_as_input(layer, {DataType::kFloat});
}

Status infer_Exp(Layer& layer) {
  return infer_same_as_input(layer, {DataType::kFloat});
}

Status infer_Log(Layer& layer) {
  return infer_same_as_input(layer, {DataType::kFloat});
}

Status infer_Floor(Layer& layer) {
  return infer_same_as_input(layer, {DataType::kFloat});
}

Status infer_Ceil(Layer& layer) {
  return infer_same_as_input(layer, {DataType::kFloat});
}

Status infer_Erf(Layer& layer) {
  return infer_same_as_input(layer, {DataType::kFloat});
}

}  // namespace int8rt::ir
