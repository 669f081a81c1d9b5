// Shape inference of the activations: the output has X's dtype and shape.
#include "ir/ops/op_util.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

Status infer_Relu(Layer& layer) {
  return infer_same_as_input(
      layer, {DataType::kFloat, DataType::kInt8, DataType::kInt32, DataType::kInt64});
}

Status infer_LeakyRelu(Layer& layer) {
  INT8RT_RETURN_IF_ERROR(attrs_of<LeakyReluAttrs>(layer).status());
  return infer_same_as_input(layer, {DataType::kFloat});
}

// PRelu(X, slope): slope broadcasts to X in one direction only (the output has X's shape).
Status infer_PRelu(Layer& layer) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 2, 2));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* x, required_input(layer, 0, "X"));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* slope, required_input(layer, 1, "slope"));
  INT8RT_RETURN_IF_ERROR(
      expect_dtype(layer, 0, {DataType::kFloat, DataType::kInt32, DataType::kInt64}));
  if (slope->dtype() != x->dtype()) {
    return invalid_argument(describe(layer), ": slope \"", slope->name(), "\" has dtype ",
                            to_string(slope->dtype()), ", expected X's ", to_string(x->dtype()));
  }
  auto out = broadcast_shapes(layer, x->dims(), slope->dims());
  if (!out.is_ok() || *out != x->dims()) {
    return invalid_argument(describe(layer), ": slope \"", slope->name(), "\" of shape ",
                            slope->dims().to_string(), " does not broadcast to X's shape ",
                            x->dims().to_string());
  }
  set_output(layer, 0, x->dtype(), x->dims());
  return Status::ok();
}

// Clip(X, min?, max?): min and max are single elements of X's dtype; they may be computed at run
// time (the kernel reads them then).
Status infer_Clip(Layer& layer) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 1, 3));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* x, required_input(layer, 0, "X"));
  INT8RT_RETURN_IF_ERROR(expect_dtype(
      layer, 0,
      {DataType::kFloat, DataType::kInt8, DataType::kUInt8, DataType::kInt32, DataType::kInt64}));
  for (int i = 1; i < layer.num_inputs(); ++i) {
    const Tensor* bound = layer.input(i);
    if (bound == nullptr) continue;
    const char* what = i == 1 ? "min" : "max";
    if (bound->dtype() != x->dtype()) {
      return invalid_argument(describe(layer), ": ", what, " \"", bound->name(), "\" has dtype ",
                              to_string(bound->dtype()), ", expected X's ", to_string(x->dtype()));
    }
    if (bound->dims().volume() != 1) {
      return invalid_argument(describe(layer), ": ", what, " \"", bound->name(), "\" has shape ",
                              bound->dims().to_string(), ", expected a scalar");
    }
  }
  set_output(layer, 0, x->dtype(), x->dims());
  return Status::ok();
}

Status infer_Sigmoid(Layer& layer) {
  return infer_same_as_input(layer, {DataType::kFloat});
}

Status infer_Tanh(Layer& layer) {
  return infer_same_as_input(layer, {DataType::kFloat});
}

Status infer_HardSigmoid(Layer& layer) {
  INT8RT_RETURN_IF_ERROR(attrs_of<HardSigmoidAttrs>(layer).status());
  return infer_same_as_input(layer, {DataType::kFloat});
}

Status infer_HardSwish(Layer& layer) {
  return infer_same_as_input(layer, {DataType::kFloat});
}

Status infer_Elu(Layer& layer) {
  INT8RT_RETURN_IF_ERROR(attrs_of<EluAttrs>(layer).status());
  return infer_same_as_input(layer, {DataType::kFloat});
}

Status infer_Softplus(Layer& layer) {
  return infer_same_as_input(layer, {DataType::kFloat});
}

}  // namespace int8rt::ir
