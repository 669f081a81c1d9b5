#include "backends/reference/reference.h"
#include "core/log.h"
#include "ir/graph_editor.h"
#include "ir/shape_inference.h"
#include "passes/passes.h"

namespace int8rt::passes {

namespace {
bool is_foldable(const Layer& layer) {
  if (layer.type() == OpType::kShape) return true;  // needs only the input's (static) shape
  for (int i = 0; i < layer.num_inputs(); ++i) {
    const Tensor* input = layer.input(i);
    if (input != nullptr && !input->is_constant()) return false;
  }
  return true;
}
}  // namespace

Status fold_constants(Network& network, Logger& logger) {
  ir::GraphEditor editor(network);
  std::vector<Layer*> layers;
  for (int i = 0; i < network.num_layers(); ++i)
    layers.push_back(network.layer(i));
  int folded = 0;
  for (Layer* layer : layers) {
    INT8RT_RETURN_IF_ERROR(ir::infer_layer(*layer));
    if (!is_foldable(*layer)) continue;
    std::vector<Weights> inputs;
    for (int i = 0; i < layer->num_inputs(); ++i) {
      const Tensor* input = layer->input(i);
      inputs.push_back(input != nullptr ? input->constant_value() : Weights());
    }
    auto outputs = reference::evaluate(*layer, inputs);
    if (!outputs.is_ok()) {
      return outputs.status().with_context("folding constant layer \"" + layer->name() + "\"");
    }
    std::vector<Tensor*> targets;
    for (int i = 0; i < layer->num_outputs(); ++i)
      targets.push_back(layer->output(i));
    for (size_t i = 0; i < targets.size(); ++i) {
      if (targets[i] != nullptr) editor.make_constant(targets[i], std::move(outputs.value()[i]));
    }
    log_verbose(logger, "folded ", to_string(layer->type()), " \"", layer->name(),
                "\" into a constant");
    editor.remove_layer(layer);
    ++folded;
  }
  if (folded > 0) log_info(logger, "folded ", folded, " constant layers");
  editor.remove_dead_code();
  return Status::ok();
}

}  // namespace int8rt::passes
