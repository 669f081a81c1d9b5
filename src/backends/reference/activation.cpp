#include "backends/reference/ref_util.h"
#include "backends/reference/reference.h"
#include "ir/ops/op_util.h"

namespace int8rt::reference {

Result<KernelPtr> make_Relu(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_LeakyRelu(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_PRelu(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Clip(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Sigmoid(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Tanh(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_HardSigmoid(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_HardSwish(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Elu(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

Result<KernelPtr> make_Softplus(const Layer& layer) {
  return unsupported(ir::describe(layer), ": no reference kernel yet");
}

}  // namespace int8rt::reference
