#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <unordered_map>
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

// The machine's physical memory: no folded constant can be larger.
uint64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
}

// What one folding walk saw, by tensor name: the constants it folded, and the extents of every
// tensor a layer computes.
struct FoldedGraph {
  std::unordered_map<std::string, Weights> values;
  std::unordered_map<std::string, Dims> dims;
};

// One walk in topological order: a layer whose inputs were folded earlier in the walk sees them
// as constants, so whole constant chains fold at once.
Status fold_walk(Network& network, Logger* logger, FoldedGraph& folded) {
  ir::GraphEditor editor(network);
  std::vector<Layer*> layers;
  for (int i = 0; i < network.num_layers(); ++i)
    layers.push_back(network.layer(i));
  int count = 0;
  for (Layer* layer : layers) {
    INT8RT_RETURN_IF_ERROR(ir::infer_layer(*layer));
    for (int i = 0; i < layer->num_outputs(); ++i) {
      if (const Tensor* t = layer->output(i)) folded.dims.emplace(t->name(), t->dims());
    }
    if (layer->type() != OpType::kShape && !all_inputs_constant(*layer)) continue;
    // Shapes computed from a file's values (ConstantOfShape, Expand, Tile) can ask for more than
    // the machine has: a user error naming the layer and the size, found before allocating when
    // the outputs exceed the machine's memory, or when the allocation fails.
    std::string sizes;
    uint64_t bytes = 0;
    for (int i = 0; i < layer->num_outputs(); ++i) {
      if (const Tensor* t = layer->output(i)) {
        sizes += (sizes.empty() ? "" : ", ") + ("\"" + t->name() + "\" ") + t->dims().to_string() +
                 " (" + std::to_string(t->dims().volume()) + " elements)";
        bytes += static_cast<uint64_t>(t->dims().volume()) * element_size(t->dtype());
      }
    }
    const auto out_of_memory = [&] {
      return resource_exhausted(to_string(layer->type()), " \"", layer->name(),
                                "\": out of memory computing its constant output ", sizes);
    };
    if (bytes > physical_memory_bytes()) return out_of_memory();
    Result<std::vector<Weights>> outputs = internal_error("not folded");
    try {
      outputs = fold_layer(*layer);
    } catch (const std::bad_alloc&) {
      return out_of_memory();
    }
    if (!outputs.is_ok()) {
      return outputs.status().with_context("folding constant layer \"" + layer->name() + "\"");
    }
    for (int i = 0; i < layer->num_outputs(); ++i) {
      Tensor* target = layer->output(i);
      if (target == nullptr) continue;
      Weights& value = outputs.value()[static_cast<size_t>(i)];
      folded.values.emplace(target->name(), value);
      editor.make_constant(target, std::move(value));
    }
    if (logger) {
      log_verbose(*logger, "fold_constants: ", to_string(layer->type()), " \"", layer->name(),
                  "\" -> constant");
    }
    editor.remove_layer(layer);
    ++count;
  }
  if (logger && count > 0)
    log_info(*logger, "fold_constants: folded ", count, " layers into constants");
  editor.remove_dead_code();
  return Status::ok();
}

// The same graph with axis 0 of every input one larger: what the folded shapes would be at
// another batch. Layers after the first one the other batch breaks (a Reshape to a literal batch)
// fold nothing; their constants are missing from the result.
FoldedGraph fold_at_another_batch(const Network& network) {
  std::unique_ptr<Network> probe = network.clone();
  FoldedGraph folded;
  for (int i = 0; i < probe->num_inputs(); ++i) {
    Tensor* input = probe->input(i);
    std::vector<int64_t> extents = input->dims().extents();
    if (!extents.empty() && extents[0] >= 1) ++extents[0];
    input->set_dims(Dims(std::move(extents)));
    folded.dims.emplace(input->name(), input->dims());
  }
  (void)fold_walk(*probe, nullptr, folded);  // what folded before a failure is still comparable
  return folded;
}

// A shape-like input of `layer` that folding computed from the batch, rewritten so that it follows
// the batch: the values at the built batch and at the probe's, and the input's extents at both.
struct BatchDependentShape {
  std::vector<int64_t> built, other;
};

// Reshape: an extent equal to the input's extent at the same axis at both batches becomes 0
// (copy it); then one remaining batch-dependent extent becomes -1 (inferred from the volume).
bool generalize_reshape(const Layer& layer, const Dims& other_input, BatchDependentShape& shape) {
  const Dims& input = layer.input(0)->dims();
  const bool allowzero = layer.attrs_as<ReshapeAttrs>().allowzero;
  std::vector<size_t> remaining;
  bool has_inferred = false;
  for (size_t i = 0; i < shape.built.size(); ++i) {
    has_inferred = has_inferred || shape.built[i] == -1;
    if (shape.built[i] == shape.other[i]) continue;
    const int axis = static_cast<int>(i);
    if (!allowzero && axis < input.rank() && axis < other_input.rank() &&
        input[axis] == shape.built[i] && other_input[axis] == shape.other[i]) {
      shape.built[i] = 0;
    } else {
      remaining.push_back(i);
    }
  }
  if (remaining.size() > 1 || (remaining.size() == 1 && has_inferred)) return false;
  if (remaining.size() == 1) shape.built[remaining[0]] = -1;
  return true;
}

// Expand: a batch-dependent extent equal to the input's (right-aligned) extent at both batches
// becomes 1 (keep the input's).
bool generalize_expand(const Layer& layer, const Dims& other_input, BatchDependentShape& shape) {
  const Dims& input = layer.input(0)->dims();
  const auto n = static_cast<int>(shape.built.size());
  for (int i = 0; i < n; ++i) {
    const auto k = static_cast<size_t>(i);
    if (shape.built[k] == shape.other[k]) continue;
    const int axis = i - (n - input.rank());
    if (axis < 0 || axis >= other_input.rank() || input[axis] != shape.built[k] ||
        other_input[axis] != shape.other[k]) {
      return false;
    }
    shape.built[k] = 1;
  }
  return true;
}

std::string ints_to_string(const std::vector<int64_t>& values) {
  std::string text = "[";
  for (size_t i = 0; i < values.size(); ++i)
    text += (i ? "," : "") + std::to_string(values[i]);
  return text + "]";
}

// The input holding the shape-like values that generalize_* rewrite, or -1.
int shape_input_index(OpType type) {
  switch (type) {
    case OpType::kReshape:
    case OpType::kExpand:
      return 1;
    default:
      return -1;
  }
}

// Exporters compute Reshape and Expand shapes from the input's shape (Shape -> Gather -> Concat);
// folding them freezes the batch the engine was built at. Where the folded values follow the
// batch, rewrite them in the form that follows it at run time (0 or -1 for Reshape, 1 for
// Expand), so that an engine built at batch N runs every batch 1..N. Values that follow the batch
// some other way stay as folded; running such an engine at another batch names the layer.
void generalize_batch(Network& network, const FoldedGraph& built, const FoldedGraph& other,
                      Logger& logger) {
  ir::GraphEditor editor(network);
  int rewritten = 0;
  for (int l = 0; l < network.num_layers(); ++l) {
    Layer& layer = *network.layer(l);
    const int index = shape_input_index(layer.type());
    if (index < 0 || index >= layer.num_inputs() || layer.input(index) == nullptr) continue;
    const Tensor& values = *layer.input(index);
    auto at_built = built.values.find(values.name());
    auto at_other = other.values.find(values.name());
    auto input_dims = other.dims.find(layer.input(0)->name());
    if (at_built == built.values.end() || at_other == other.values.end() ||
        input_dims == other.dims.end()) {
      continue;
    }
    BatchDependentShape shape{at_built->second.to_int64(), at_other->second.to_int64()};
    if (shape.built == shape.other || shape.built.size() != shape.other.size()) continue;
    const std::vector<int64_t> folded = shape.built;
    const bool ok = layer.type() == OpType::kReshape
                        ? generalize_reshape(layer, input_dims->second, shape)
                        : generalize_expand(layer, input_dims->second, shape);
    if (!ok) continue;
    // The rewritten values give the same output at the built batch.
    const Dims output = layer.output(0)->dims();
    Tensor* previous = layer.input(index);
    Tensor* general = editor.add_constant(
        values.name() + ".any_batch",
        Weights::from_vector(DataType::kInt64, Dims{static_cast<int64_t>(shape.built.size())},
                             shape.built));
    editor.set_input(layer, index, general);
    if (!ir::infer_layer(layer).is_ok() || layer.output(0)->dims() != output) {
      editor.set_input(layer, index, previous);
      (void)ir::infer_layer(layer);
      continue;
    }
    log_verbose(logger, "fold_constants: ", to_string(layer.type()), " \"", layer.name(),
                "\" follows the batch: ", ints_to_string(folded), " -> ",
                ints_to_string(shape.built));
    ++rewritten;
  }
  if (rewritten > 0) {
    log_info(logger, "fold_constants: ", rewritten,
             " folded shapes follow the batch (the engine runs smaller batches)");
  }
  editor.remove_dead_code();
}

}  // namespace

Status fold_constants(Network& network, Logger& logger) {
  // Only a Shape layer lets a folded value depend on the batch: without one, the graph is folded
  // once.
  bool reads_shapes = false;
  for (int i = 0; i < network.num_layers() && !reads_shapes; ++i)
    reads_shapes = network.layer(i)->type() == OpType::kShape;
  const FoldedGraph other = reads_shapes ? fold_at_another_batch(network) : FoldedGraph{};
  FoldedGraph built;
  INT8RT_RETURN_IF_ERROR(fold_walk(network, &logger, built));
  if (reads_shapes) generalize_batch(network, built, other, logger);
  return Status::ok();
}

}  // namespace int8rt::passes
