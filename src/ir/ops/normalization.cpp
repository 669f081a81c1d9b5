// BatchNormalization shape inference (inference mode).
//
// X [N, C, D1..Dn] (n >= 0), scale/B/mean/var [C] -> Y like X:
//   Y = (X - mean) / sqrt(var + epsilon) * scale + B, per channel.
#include "ir/ops/op_util.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

Status infer_BatchNormalization(Layer& layer) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 5, 5));
  if (layer.num_outputs() != 1) {
    return unsupported(describe(layer), ": has ", layer.num_outputs(),
                       " outputs; only inference mode (one output, Y) is supported");
  }
  static const char* const kNames[] = {"X", "scale", "B", "input_mean", "input_var"};
  for (int i = 0; i < 5; ++i) {
    INT8RT_RETURN_IF_ERROR(required_input(layer, i, kNames[i]).status());
    INT8RT_RETURN_IF_ERROR(expect_dtype(layer, i, {DataType::kFloat}));
  }
  const Dims& x = layer.input(0)->dims();
  if (x.rank() < 2) {
    return invalid_argument(describe(layer), ": input \"", layer.input(0)->name(), "\" has shape ",
                            x.to_string(), ", expected N x C x ... (rank >= 2)");
  }
  for (int i = 1; i < 5; ++i) {
    const Dims& p = layer.input(i)->dims();
    if (p.rank() != 1 || p[0] != x[1]) {
      return invalid_argument(describe(layer), ": ", kNames[i], " \"", layer.input(i)->name(),
                              "\" has shape ", p.to_string(), ", expected ", x[1],
                              " (one per channel of input ", x.to_string(), ")");
    }
  }
  const float epsilon = layer.attrs_as<BatchNormAttrs>().epsilon;
  if (!(epsilon >= 0.0f)) {
    return invalid_argument(describe(layer), ": epsilon is ", epsilon, ", expected >= 0");
  }
  set_output(layer, 0, DataType::kFloat, x);
  return Status::ok();
}

}  // namespace int8rt::ir
