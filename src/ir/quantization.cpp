#include "ir/quantization.h"

#include "ir/ops/op_util.h"

namespace int8rt::ir {

Status check_int8_operands(const Layer& layer, std::initializer_list<int> data,
                           std::initializer_list<int> constants) {
  for (int index : data) {
    if (index >= layer.num_inputs() || layer.input(index) == nullptr) continue;
    const Tensor* t = layer.input(index);
    if (!is_quantized(t)) {
      return unsupported(describe(layer), ": input ", index, " \"", t->name(), "\" has dtype ",
                         to_string(t->dtype()),
                         t->dtype() == DataType::kInt8 ? " without a dynamic range" : "",
                         ", expected int8 with a dynamic range (the layer runs INT8)");
    }
  }
  for (int index : constants) {
    if (index >= layer.num_inputs() || layer.input(index) == nullptr) continue;
    const Tensor* t = layer.input(index);
    if (!t->is_constant() || t->dtype() != DataType::kFloat) {
      return unsupported(describe(layer), ": input ", index, " \"", t->name(), "\" is ",
                         t->is_constant() ? "a constant" : "computed at run time", " of dtype ",
                         to_string(t->dtype()),
                         ", expected a float32 constant (the layer runs INT8 and quantizes it)");
    }
  }
  return Status::ok();
}

}  // namespace int8rt::ir
