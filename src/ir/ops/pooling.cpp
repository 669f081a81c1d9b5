#include "ir/ops/op_util.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

Status infer_MaxPool(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_AveragePool(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_GlobalAveragePool(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_GlobalMaxPool(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

}  // namespace int8rt::ir
