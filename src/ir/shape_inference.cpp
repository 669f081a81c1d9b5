#include "ir/shape_inference.h"

namespace int8rt::ir {

namespace {
Status dispatch(Layer& layer) {
  switch (layer.type()) {
#define INT8RT_OP(name, attrs) \
  case OpType::k##name:        \
    return infer_##name(layer);
#include "int8rt/ops.inc"
#undef INT8RT_OP
  }
  return internal_error("unknown op type ", static_cast<int>(layer.type()));
}
}  // namespace

Status infer_layer(Layer& layer) {
  for (int i = 0; i < layer.num_inputs(); ++i) {
    const Tensor* input = layer.input(i);
    if (input != nullptr && !input->dims().is_static()) {
      return invalid_argument(to_string(layer.type()), " \"", layer.name(), "\": input \"",
                              input->name(), "\" has unresolved shape ", input->dims().to_string());
    }
  }
  Status status = dispatch(layer);
  if (!status.is_ok()) return status;
  // Shapes computed from a file's values (Reshape, Expand, ConstantOfShape, Resize, ...) are
  // checked before anything is allocated for them.
  for (int i = 0; i < layer.num_outputs(); ++i) {
    const Tensor* output = layer.output(i);
    if (output == nullptr) continue;
    auto volume = output->dims().checked_volume();
    if (!volume.is_ok()) {
      return invalid_argument(to_string(layer.type()), " \"", layer.name(), "\": output \"",
                              output->name(), "\": ", volume.status().message());
    }
  }
  return Status::ok();
}

}  // namespace int8rt::ir
