#include "ir/ops/op_util.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

Status infer_Flatten(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Reshape(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Squeeze(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Unsqueeze(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Shape(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Cast(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_ConstantOfShape(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Range(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Identity(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

}  // namespace int8rt::ir
