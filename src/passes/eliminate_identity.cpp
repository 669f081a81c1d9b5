#include <vector>

#include "core/log.h"
#include "ir/graph_editor.h"
#include "passes/passes.h"

namespace int8rt::passes {

namespace {

// Identity(x) -> y where y is a network output: the producer of x computes y directly and x's
// readers read y. Impossible when x is a network input or constant (nothing computes it) or a
// network output itself (both names must stay).
bool can_forward_output(const Tensor& x) {
  return x.producer() != nullptr && !x.is_network_output();
}

}  // namespace

Status eliminate_identity(Network& network, Logger& logger) {
  ir::GraphEditor editor(network);
  std::vector<Layer*> identities;
  for (int i = 0; i < network.num_layers(); ++i) {
    Layer* layer = network.layer(i);
    if (layer->type() == OpType::kIdentity) identities.push_back(layer);
  }
  int removed = 0;
  for (Layer* layer : identities) {
    Tensor* x = layer->input(0);
    Tensor* y = layer->output(0);
    if (y->is_network_output() && !can_forward_output(*x)) continue;
    log_verbose(logger, "eliminate_identity: removed Identity \"", layer->name(), "\"");
    editor.remove_layer(layer);
    ++removed;
    if (!y->is_network_output()) {
      editor.replace_uses(y, x);
      continue;
    }
    // y takes over x's place: x's producer computes y and readers of x read y. A range given for
    // x describes the same values.
    Layer* producer = x->producer();
    int index = 0;
    while (producer->output(index) != x)
      ++index;
    if (!y->dynamic_range_is_set() && x->dynamic_range_is_set()) {
      (void)y->set_dynamic_range(x->dynamic_range_min(), x->dynamic_range_max());
    }
    editor.replace_uses(x, y);
    editor.set_output(*producer, index, y);
  }
  if (removed > 0) log_info(logger, "eliminate_identity: removed ", removed, " Identity layers");
  editor.remove_dead_code();
  return Status::ok();
}

}  // namespace int8rt::passes
