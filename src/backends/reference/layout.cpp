#include "backends/reference/ref_util.h"
#include "backends/reference/reference.h"
#include "ir/ops/op_util.h"

namespace int8rt::reference {

Result<KernelPtr> make_Concat(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Split(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Slice(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Gather(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Transpose(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Pad(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Expand(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

}  // namespace int8rt::reference
