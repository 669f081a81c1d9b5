#include "core/log.h"
#include "ir/graph_editor.h"
#include "passes/passes.h"

namespace int8rt::passes {

Status eliminate_identity(Network& network, Logger& logger) {
  ir::GraphEditor editor(network);
  std::vector<Layer*> identities;
  for (int i = 0; i < network.num_layers(); ++i) {
    Layer* layer = network.layer(i);
    if (layer->type() != OpType::kIdentity) continue;
    // An Identity that produces a network output keeps its name visible; leave it.
    if (layer->output(0)->is_network_output()) continue;
    identities.push_back(layer);
  }
  for (Layer* layer : identities) {
    editor.replace_uses(layer->output(0), layer->input(0));
    editor.remove_layer(layer);
  }
  if (!identities.empty()) log_verbose(logger, "removed ", identities.size(), " Identity layers");
  editor.remove_dead_code();
  return Status::ok();
}

}  // namespace int8rt::passes
