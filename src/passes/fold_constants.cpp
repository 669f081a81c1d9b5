#include <algorithm>
#include <vector>

#include "backends/backend.h"
#include "core/log.h"
#include "ir/graph_editor.h"
#include "ir/shape_inference.h"
#include "passes/passes.h"

namespace int8rt::passes {

namespace {

bool all_inputs_constant(const Layer& layer) {
  for (int i = 0; i < layer.num_inputs(); ++i) {
    const Tensor* input = layer.input(i);
    if (input != nullptr && !input->is_constant()) return false;
  }
  return true;
}

// Shape needs only its input's extents, which are static once shapes are inferred. ONNX Shape:
// start/end are clamped to [0, rank] after adding rank to negative values; the result is the
// int64 vector dims[start:end] (empty when end <= start).
Weights shape_value(const Layer& layer) {
  const auto& attrs = layer.attrs_as<ShapeAttrs>();
  const std::vector<int64_t>& extents = layer.input(0)->dims().extents();
  const auto rank = static_cast<int64_t>(extents.size());
  auto clamp_axis = [rank](int64_t axis) {
    return std::clamp<int64_t>(axis < 0 ? axis + rank : axis, 0, rank);
  };
  int64_t start = clamp_axis(attrs.start);
  int64_t end = std::max(start, clamp_axis(attrs.end));
  std::vector<int64_t> values(extents.begin() + start, extents.begin() + end);
  return Weights::from_vector(DataType::kInt64, Dims{static_cast<int64_t>(values.size())}, values);
}

Result<std::vector<Weights>> fold_layer(const Layer& layer) {
  if (layer.type() == OpType::kShape) return std::vector<Weights>{shape_value(layer)};
  std::vector<Weights> inputs;
  for (int i = 0; i < layer.num_inputs(); ++i) {
    const Tensor* input = layer.input(i);
    inputs.push_back(input != nullptr ? input->constant_value() : Weights());
  }
  return int8rt::evaluate_constant_layer(layer, inputs);
}

}  // namespace

Status fold_constants(Network& network, Logger& logger) {
  ir::GraphEditor editor(network);
  std::vector<Layer*> layers;
  for (int i = 0; i < network.num_layers(); ++i)
    layers.push_back(network.layer(i));
  // One walk in topological order: a layer whose inputs were folded earlier in the walk sees them
  // as constants, so whole constant chains fold at once.
  int folded = 0;
  for (Layer* layer : layers) {
    INT8RT_RETURN_IF_ERROR(ir::infer_layer(*layer));
    if (layer->type() != OpType::kShape && !all_inputs_constant(*layer)) continue;
    auto outputs = fold_layer(*layer);
    if (!outputs.is_ok()) {
      return outputs.status().with_context("folding constant layer \"" + layer->name() + "\"");
    }
    for (int i = 0; i < layer->num_outputs(); ++i) {
      Tensor* target = layer->output(i);
      if (target != nullptr) {
        editor.make_constant(target, std::move(outputs.value()[static_cast<size_t>(i)]));
      }
    }
    log_verbose(logger, "fold_constants: ", to_string(layer->type()), " \"", layer->name(),
                "\" -> constant");
    editor.remove_layer(layer);
    ++folded;
  }
  if (folded > 0) log_info(logger, "fold_constants: folded ", folded, " layers into constants");
  editor.remove_dead_code();
  return Status::ok();
}

}  // namespace int8rt::passes
