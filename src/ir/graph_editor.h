// GraphEditor: the mutations graph passes make to the builder's private copy of a Network.
//
// Layer order stays topological: a pass that inserts a layer places it before its first consumer,
// and a pass that merges a producer into its consumer moves the producer to the consumer's slot
// (every input of the producer is computed before it, so it is also computed before the consumer).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt::ir {

class GraphEditor {
 public:
  explicit GraphEditor(Network& network) : net_(network) {}

  Network& network() { return net_; }

  // Layers reading `tensor`, in layer order (a layer reading it twice appears once).
  std::vector<Layer*> consumers(const Tensor& tensor) const;
  // How many layer input slots read `tensor` (Add(t, t) counts twice).
  int use_count(const Tensor& tensor) const;
  // The one layer input slot that reads `tensor`: its layer, or nullptr when there are zero or
  // several readers.
  Layer* sole_consumer(const Tensor& tensor) const;
  // Position of `layer` in the network's (topological) layer order, or -1.
  int position(const Layer& layer) const;

  // Makes every layer input reading `from` read `to` instead (network outputs are unaffected).
  void replace_uses(Tensor* from, Tensor* to);
  // Sets input `index` of `layer`; an index past the end grows the input list, filling the slots
  // in between with absent (nullptr) inputs.
  void set_input(Layer& layer, int index, Tensor* tensor);
  // Makes `layer` compute `tensor` as its output `index`. The tensor's previous producer (if any)
  // loses it, and the layer's previous output at `index` is left without a producer.
  void set_output(Layer& layer, int index, Tensor* tensor);

  // Changes what a layer computes (e.g. MatMul -> Gemm); inputs and outputs are kept.
  void set_op(Layer& layer, OpType type, Attrs attrs);
  void rename_layer(Layer& layer, std::string name);

  // Moves `layer` to just after `anchor` in the layer order. The caller guarantees that the order
  // stays topological (nothing between the two positions reads the layer's outputs).
  void move_after(Layer* layer, const Layer* anchor);

  // A name not yet used by any tensor: `hint`, else `hint` with ".1", ".2", ... appended.
  std::string unique_tensor_name(std::string_view hint) const;
  // A new constant tensor holding `value`, named unique_tensor_name(hint).
  Tensor* add_constant(std::string_view hint, Weights value);
  // A new layer computing tensors named unique_tensor_name(output_hints[i]), placed just before
  // `before` (at the end when `before` is nullptr). Output shapes are left to the caller (run
  // ir::infer_layer on it).
  Result<Layer*> insert_layer(OpType type, std::string name, std::vector<Tensor*> inputs,
                              Attrs attrs, const std::vector<std::string>& output_hints,
                              const Layer* before);

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
