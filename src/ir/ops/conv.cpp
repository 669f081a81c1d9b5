#include "ir/ops/op_util.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

Status infer_Conv(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_ConvTranspose(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

}  // namespace int8rt::ir
