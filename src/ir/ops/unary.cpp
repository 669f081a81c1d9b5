#include "ir/ops/op_util.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

Status infer_Abs(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Neg(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Sqrt(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Reciprocal(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Exp(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Log(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Floor(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Ceil(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Erf(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

}  // namespace int8rt::ir
