#include "ir/ops/op_util.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

Status infer_Add(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Sub(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Mul(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Div(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Pow(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Max(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Min(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Equal(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Where(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

}  // namespace int8rt::ir
