// Softmax and LogSoftmax shape inference: Y has X's shape. Opset 13 normalizes along `axis`;
// with coerce_to_2d (opsets < 13) over all axes from `axis` on.
#include "ir/ops/op_util.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

namespace {
Status infer_softmax(Layer& layer) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 1, 1));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* x, required_input(layer, 0, "input"));
  INT8RT_RETURN_IF_ERROR(expect_dtype(layer, 0, {DataType::kFloat}));
  auto& attrs = std::get<SoftmaxAttrs>(layer.mutable_attrs());
  const int rank = x->dims().rank();
  if (rank < 1) {
    return invalid_argument(describe(layer), ": input \"", x->name(),
                            "\" is a scalar, expected rank >= 1");
  }
  INT8RT_ASSIGN_OR_RETURN(int axis, normalize_axis(layer, attrs.axis, rank));
  attrs.axis = axis;
  set_output(layer, 0, DataType::kFloat, x->dims());
  return Status::ok();
}
}  // namespace

Status infer_Softmax(Layer& layer) {
  return infer_softmax(layer);
}

Status infer_LogSoftmax(Layer& layer) {
  return infer_softmax(layer);
}

}  // namespace int8rt::ir
