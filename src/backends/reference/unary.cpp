#include "backends/reference/ref_util.h"
#include "backends/reference/reference.h"
#include "ir/ops/op_util.h"

namespace int8rt::reference {

Result<KernelPtr> make_Abs(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Neg(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Sqrt(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Reciprocal(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Exp(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Log(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Floor(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Ceil(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Erf(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

}  // namespace int8rt::reference
