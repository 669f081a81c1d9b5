// Shape inference of the elementwise unary math ops: the output has the input's dtype and shape.
#include "ir/ops/op_util.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

namespace {

Status infer_same(Layer& layer, std::initializer_list<DataType> allowed) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 1, 1));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* x, required_input(layer, 0, "X"));
  INT8RT_RETURN_IF_ERROR(expect_dtype(layer, 0, allowed));
  set_output(layer, 0, x->dtype(), x->dims());
  return Status::ok();
}

}  // namespace

Status infer_Abs(Layer& layer) {
  return infer_same(layer, {DataType::kFloat, DataType::kInt8, DataType::kUInt8, DataType::kInt32,
                            DataType::kInt64});
}

Status infer_Neg(Layer& layer) {
  return infer_same(layer, {DataType::kFloat, DataType::kInt8, DataType::kInt32, DataType::kInt64});
}

Status infer_Sqrt(Layer& layer) {
  return infer_same(layer, {DataType::kFloat});
}

Status infer_Reciprocal(Layer& layer) {
  return infer_same(layer, {DataType::kFloat});
}

Status infer_Exp(Layer& layer) {
  return infer_same(layer, {DataType::kFloat});
}

Status infer_Log(Layer& layer) {
  return infer_same(layer, {DataType::kFloat});
}

Status infer_Floor(Layer& layer) {
  return infer_same(layer, {DataType::kFloat});
}

Status infer_Ceil(Layer& layer) {
  return infer_same(layer, {DataType::kFloat});
}

Status infer_Erf(Layer& layer) {
  return infer_same(layer, {DataType::kFloat});
}

}  // namespace int8rt::ir
