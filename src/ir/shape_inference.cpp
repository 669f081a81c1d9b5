#include "ir/shape_inference.h"

namespace int8rt::ir {

Status infer_layer(Layer& layer) {
  for (int i = 0; i < layer.num_inputs(); ++i) {
    const Tensor* input = layer.input(i);
    if (input != nullptr && !input->dims().is_static()) {
      return invalid_argument(to_string(layer.type()), " \"", layer.name(), "\": input \"",
                              input->name(), "\" has unresolved shape ", input->dims().to_string());
    }
  }
  switch (layer.type()) {
#define INT8RT_OP(name, attrs) \
  case OpType::k##name:        \
    return infer_##name(layer);
#include "int8rt/ops.inc"
#undef INT8RT_OP
  }
  return internal_error("unknown op type ", static_cast<int>(layer.type()));
}

}  // namespace int8rt::ir
