// GraphEditor: the mutations graph passes make to the builder's private copy of a Network.
//
// Layer order stays topological: a pass that inserts a layer places it before its first consumer.
#pragma once

#include <vector>

#include "int8rt/network.h"

namespace int8rt::ir {

class GraphEditor {
 public:
  explicit GraphEditor(Network& network) : net_(network) {}

  Network& network() { return net_; }

  // Layers reading `tensor`, in layer order (a layer reading it twice appears once).
  std::vector<Layer*> consumers(const Tensor& tensor) const;

  // Makes every layer input reading `from` read `to` instead (network outputs are unaffected).
  void replace_uses(Tensor* from, Tensor* to);
  void set_input(Layer& layer, int index, Tensor* tensor);

  // Turns the output of a layer into a constant holding `value`, detaching it from its producer.
  void make_constant(Tensor* tensor, Weights value);

  // Removes the layer; its outputs stay as tensors without a producer until remove_dead_code().
  void remove_layer(Layer* layer);

  // Removes layers whose outputs nobody reads (and that are not network outputs), then every
  // tensor that no layer reads or writes and that is not a network input or output.
  void remove_dead_code();

 private:
  Network& net_;
};

}  // namespace int8rt::ir
