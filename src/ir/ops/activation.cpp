#include "ir/ops/op_util.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

Status infer_Relu(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_LeakyRelu(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_PRelu(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Clip(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Sigmoid(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Tanh(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_HardSigmoid(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_HardSwish(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Elu(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Softplus(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

}  // namespace int8rt::ir
