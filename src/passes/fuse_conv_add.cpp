// Add(conv_out, r) -> Conv(X, W, B, r): the residual add of ResNet-style blocks, computed in the
// convolution's epilogue (y = act(conv(X, W) + B + r), see ConvAttrs).
//
// Legal only when the Add changes nothing else: r has exactly conv_out's shape (an Add that
// broadcasts either operand would change the result's shape or repeat values), both are float,
// and the Conv has neither an activation (act(conv) + r is not act(conv + r)) nor a residual yet.
// When both operands qualify (a projection shortcut is a Conv too), the Conv that comes later in
// the layer order absorbs the Add.
#include <vector>

#include "ir/graph_editor.h"
#include "passes/fusion.h"
#include "passes/passes.h"

namespace int8rt::passes {

namespace {

bool can_take_residual(const ir::GraphEditor& editor, const Tensor& conv_out, const Tensor& other,
                       const Layer& add) {
  const Layer* conv = conv_out.producer();
  if (conv == nullptr || conv->type() != OpType::kConv || conv->output(0) != &conv_out) {
    return false;
  }
  if (conv->attrs_as<ConvAttrs>().activation.kind != ActivationKind::kNone) return false;
  if (conv->num_inputs() > 3 && conv->input(3) != nullptr) return false;
  if (conv_out.dtype() != DataType::kFloat || other.dtype() != DataType::kFloat) return false;
  if (other.dims() != conv_out.dims() || add.output(0)->dims() != conv_out.dims()) return false;
  return is_fusible_edge(editor, conv_out, add);
}

}  // namespace

Status fuse_conv_add(Network& network, Logger& logger) {
  ir::GraphEditor editor(network);
  std::vector<Layer*> adds;
  for (int i = 0; i < network.num_layers(); ++i) {
    if (network.layer(i)->type() == OpType::kAdd) adds.push_back(network.layer(i));
  }
  for (Layer* add : adds) {
    if (add->num_inputs() != 2 || add->input(0) == nullptr || add->input(1) == nullptr) continue;
    Layer* conv = nullptr;
    Tensor* residual = nullptr;
    for (int k = 0; k < 2; ++k) {
      Tensor* candidate = add->input(k);
      Tensor* other = add->input(1 - k);
      if (!can_take_residual(editor, *candidate, *other, *add)) continue;
      Layer* producer = candidate->producer();
      if (conv == nullptr || editor.position(*producer) > editor.position(*conv)) {
        conv = producer;
        residual = other;
      }
    }
    if (conv == nullptr) continue;
    editor.set_input(*conv, 3, residual);
    INT8RT_RETURN_IF_ERROR(absorb_consumer(editor, *conv, *add, logger, "fuse_conv_add"));
  }
  editor.remove_dead_code();
  return Status::ok();
}

}  // namespace int8rt::passes
