#include "ir/ops/op_util.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

Status infer_ReduceMean(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_ReduceSum(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_ReduceMax(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_ReduceMin(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_ReduceProd(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

}  // namespace int8rt::ir
