#include "ir/graph_editor.h"

#include <algorithm>
#include <unordered_set>

namespace int8rt::ir {

std::vector<Layer*> GraphEditor::consumers(const Tensor& tensor) const {
  std::vector<Layer*> result;
  for (const auto& layer : net_.layers_) {
    for (Tensor* input : layer->inputs_) {
      if (input == &tensor) {
        result.push_back(layer.get());
        break;
      }
    }
  }
  return result;
}

void GraphEditor::replace_uses(Tensor* from, Tensor* to) {
  for (const auto& layer : net_.layers_) {
    for (Tensor*& input : layer->inputs_) {
      if (input == from) input = to;
    }
  }
}

void GraphEditor::set_input(Layer& layer, int index, Tensor* tensor) {
  layer.inputs_.at(static_cast<size_t>(index)) = tensor;
}

void GraphEditor::make_constant(Tensor* tensor, Weights value) {
  tensor->dtype_ = value.dtype();
  tensor->dims_ = value.dims();
  tensor->constant_ = std::move(value);
  if (Layer* producer = tensor->producer_) {
    for (Tensor*& output : producer->outputs_) {
      if (output == tensor) output = nullptr;
    }
    tensor->producer_ = nullptr;
  }
}

void GraphEditor::remove_layer(Layer* layer) {
  for (Tensor* output : layer->outputs_) {
    if (output != nullptr) output->producer_ = nullptr;
  }
  auto& layers = net_.layers_;
  layers.erase(std::remove_if(layers.begin(), layers.end(),
                              [&](const auto& owned) { return owned.get() == layer; }),
               layers.end());
}

void GraphEditor::remove_dead_code() {
  auto& layers = net_.layers_;
  std::unordered_set<const Tensor*> live;
  for (Tensor* output : net_.outputs_)
    live.insert(output);
  // Walk backwards: a layer is live if any of its outputs is read by a live layer or is an output.
  std::vector<bool> keep(layers.size(), false);
  for (size_t i = layers.size(); i-- > 0;) {
    const Layer& layer = *layers[i];
    for (const Tensor* output : layer.outputs_) {
      if (output != nullptr && live.count(output) != 0) keep[i] = true;
    }
    if (keep[i]) {
      for (const Tensor* input : layer.inputs_) {
        if (input != nullptr) live.insert(input);
      }
    }
  }
  std::vector<std::unique_ptr<Layer>> kept;
  for (size_t i = 0; i < layers.size(); ++i) {
    if (keep[i]) {
      kept.push_back(std::move(layers[i]));
    } else {
      for (Tensor* output : layers[i]->outputs_) {
        if (output != nullptr) output->producer_ = nullptr;
      }
    }
  }
  layers = std::move(kept);

  std::unordered_set<const Tensor*> used(net_.inputs_.begin(), net_.inputs_.end());
  used.insert(net_.outputs_.begin(), net_.outputs_.end());
  for (const auto& layer : layers) {
    for (const Tensor* t : layer->inputs_)
      used.insert(t);
    for (const Tensor* t : layer->outputs_)
      used.insert(t);
  }
  auto& tensors = net_.tensors_;
  for (auto it = tensors.begin(); it != tensors.end();) {
    if (used.count(it->get()) == 0) {
      net_.tensor_by_name_.erase((*it)->name_);
      it = tensors.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace int8rt::ir
