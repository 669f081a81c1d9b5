#include "ir/ops/op_util.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

Status infer_Concat(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Split(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Slice(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Gather(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Transpose(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Pad(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Expand(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

}  // namespace int8rt::ir
