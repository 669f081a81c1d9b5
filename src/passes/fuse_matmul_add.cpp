// MatMul(A, B) + Add(·, c) -> Gemm(A, B, c), alpha = beta = 1.
//
// For 2-D A [M, K] and B [K, N], numpy matmul and Gemm compute the same product. Gemm's C is
// broadcast one way only, to [M, N]; the Add broadcasts both ways, so the fusion requires the Add's
// result to have the product's shape (c of shape [N], [1, N], [M, 1], [M, N] or a scalar). c must
// be a constant: it becomes the layer's bias.
#include <vector>

#include "ir/graph_editor.h"
#include "passes/fusion.h"
#include "passes/passes.h"

namespace int8rt::passes {

namespace {

bool is_2d_float(const Tensor* t) {
  return t != nullptr && t->dtype() == DataType::kFloat && t->dims().rank() == 2;
}

// The Add's other operand when `add` may become the bias of `matmul`; nullptr otherwise.
Tensor* bias_operand(const Layer& matmul, const Layer& add) {
  if (add.type() != OpType::kAdd || add.num_inputs() != 2) return nullptr;
  const Tensor* product = matmul.output(0);
  Tensor* bias = add.input(0) == product ? add.input(1) : add.input(0);
  if (bias == nullptr || bias == product || !bias->is_constant()) return nullptr;
  if (bias->dtype() != DataType::kFloat || bias->dims().rank() > 2) return nullptr;
  if (add.output(0)->dims() != product->dims()) return nullptr;
  return bias;
}

}  // namespace

Status fuse_matmul_add(Network& network, Logger& logger) {
  ir::GraphEditor editor(network);
  std::vector<Layer*> matmuls;
  for (int i = 0; i < network.num_layers(); ++i) {
    if (network.layer(i)->type() == OpType::kMatMul) matmuls.push_back(network.layer(i));
  }
  for (Layer* matmul : matmuls) {
    if (!is_2d_float(matmul->input(0)) || !is_2d_float(matmul->input(1))) continue;
    const Tensor* product = matmul->output(0);
    Layer* add = editor.sole_consumer(*product);
    if (add == nullptr || !is_fusible_edge(editor, *product, *add)) continue;
    Tensor* bias = bias_operand(*matmul, *add);
    if (bias == nullptr) continue;
    editor.set_op(*matmul, OpType::kGemm, GemmAttrs{});
    editor.set_input(*matmul, 2, bias);
    INT8RT_RETURN_IF_ERROR(
        absorb_consumer(editor, *matmul, *add, logger, "fuse_matmul_add", "MatMul"));
  }
  editor.remove_dead_code();
  return Status::ok();
}

}  // namespace int8rt::passes
