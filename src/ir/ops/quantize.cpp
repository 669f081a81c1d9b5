#include "ir/ops/op_util.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

Status infer_Quantize(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

Status infer_Dequantize(Layer& layer) {
  return unsupported(describe(layer), ": not implemented yet");
}

}  // namespace int8rt::ir
