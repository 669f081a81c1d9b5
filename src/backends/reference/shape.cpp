#include "backends/reference/ref_util.h"
#include "backends/reference/reference.h"
#include "ir/ops/op_util.h"

namespace int8rt::reference {

Result<KernelPtr> make_Flatten(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Reshape(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Squeeze(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Unsqueeze(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Shape(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Cast(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_ConstantOfShape(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Range(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Identity(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

}  // namespace int8rt::reference
