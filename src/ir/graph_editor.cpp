#include "ir/graph_editor.h"

#include <algorithm>
#include <memory>
#include <string>
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

int GraphEditor::use_count(const Tensor& tensor) const {
  int count = 0;
  for (const auto& layer : net_.layers_) {
    for (const Tensor* input : layer->inputs_) {
      if (input == &tensor) ++count;
    }
  }
  return count;
}

Layer* GraphEditor::sole_consumer(const Tensor& tensor) const {
  if (use_count(tensor) != 1) return nullptr;
  std::vector<Layer*> readers = consumers(tensor);
  return readers.front();
}

int GraphEditor::position(const Layer& layer) const {
  for (size_t i = 0; i < net_.layers_.size(); ++i) {
    if (net_.layers_[i].get() == &layer) return static_cast<int>(i);
  }
  return -1;
}

void GraphEditor::replace_uses(Tensor* from, Tensor* to) {
  for (const auto& layer : net_.layers_) {
    for (Tensor*& input : layer->inputs_) {
      if (input == from) input = to;
    }
  }
}

void GraphEditor::set_input(Layer& layer, int index, Tensor* tensor) {
  auto slot = static_cast<size_t>(index);
  if (slot >= layer.inputs_.size()) layer.inputs_.resize(slot + 1, nullptr);
  layer.inputs_[slot] = tensor;
}

void GraphEditor::set_output(Layer& layer, int index, Tensor* tensor) {
  Tensor*& slot = layer.outputs_.at(static_cast<size_t>(index));
  if (slot == tensor) return;
  if (slot != nullptr) slot->producer_ = nullptr;
  if (Layer* previous = tensor->producer_) {
    for (Tensor*& output : previous->outputs_) {
      if (output == tensor) output = nullptr;
    }
  }
  slot = tensor;
  tensor->producer_ = &layer;
}

void GraphEditor::set_op(Layer& layer, OpType type, Attrs attrs) {
  layer.type_ = type;
  layer.attrs_ = std::move(attrs);
}

void GraphEditor::rename_layer(Layer& layer, std::string name) {
  layer.name_ = std::move(name);
}

void GraphEditor::move_after(Layer* layer, const Layer* anchor) {
  auto& layers = net_.layers_;
  int from = position(*layer);
  if (from < 0 || layer == anchor) return;
  std::unique_ptr<Layer> owned = std::move(layers[static_cast<size_t>(from)]);
  layers.erase(layers.begin() + from);
  int to = position(*anchor);
  layers.insert(layers.begin() + (to + 1), std::move(owned));
}

namespace {
// `hint`, else `hint` + ".1", ".2", ...: the first for which `taken` is false.
template <typename Taken>
std::string first_free_name(std::string_view hint, Taken&& taken) {
  std::string base(hint.empty() ? "tensor" : hint);
  std::string name = base;
  for (int suffix = 1; taken(name); ++suffix)
    name = base + "." + std::to_string(suffix);
  return name;
}
}  // namespace

std::string GraphEditor::unique_tensor_name(std::string_view hint) const {
  return first_free_name(
      hint, [&](const std::string& name) { return net_.find_tensor(name) != nullptr; });
}

Tensor* GraphEditor::add_constant(std::string_view hint, Weights value) {
  // Cannot fail: the name is fresh and the data is present.
  return net_.add_constant(unique_tensor_name(hint), std::move(value)).value();
}

Result<Layer*> GraphEditor::insert_layer(OpType type, std::string name, std::vector<Tensor*> inputs,
                                         Attrs attrs, const std::vector<std::string>& output_hints,
                                         const Layer* before) {
  std::vector<std::string> output_names;
  for (const std::string& hint : output_hints) {
    output_names.push_back(first_free_name(hint, [&](const std::string& candidate) {
      return net_.find_tensor(candidate) != nullptr ||
             std::find(output_names.begin(), output_names.end(), candidate) != output_names.end();
    }));
  }
  INT8RT_ASSIGN_OR_RETURN(Layer * layer, net_.add_layer(type, std::move(name), std::move(inputs),
                                                        std::move(attrs), output_names));
  if (before != nullptr) {
    auto& layers = net_.layers_;
    std::unique_ptr<Layer> owned = std::move(layers.back());
    layers.pop_back();
    int to = position(*before);
    layers.insert(to < 0 ? layers.end() : layers.begin() + to, std::move(owned));
  }
  return layer;
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
