#include "backends/reference/ref_util.h"
#include "backends/reference/reference.h"
#include "ir/ops/op_util.h"

namespace int8rt::reference {

Result<KernelPtr> make_Add(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Sub(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Mul(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Div(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Pow(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Max(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Min(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Equal(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Where(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

}  // namespace int8rt::reference
