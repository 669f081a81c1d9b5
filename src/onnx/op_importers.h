// The op importers, one function per ONNX op type, grouped by family in import_<family>.cpp, and
// the table the graph importer dispatches through.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "int8rt/attrs.h"
#include "onnx/node_context.h"

namespace int8rt::onnx_import {

// Every int8rt op has an importer of the same name (except the builder's own internal ops)...
#define INT8RT_OP(name, attrs) Status import_##name(NodeContext& ctx);
#define INT8RT_INTERNAL_OP(name, attrs)
#include "int8rt/ops.inc"
#undef INT8RT_INTERNAL_OP
#undef INT8RT_OP

// ...and these ONNX ops map onto others: Constant becomes a constant tensor, Dropout an
// Identity, Upsample a Resize.
Status import_Constant(NodeContext& ctx);
Status import_Dropout(NodeContext& ctx);
Status import_Upsample(NodeContext& ctx);

struct OpImporter {
  std::string_view op_type;
  int since_opset;    // the first opset that defines the op
  int imported_from;  // the first opset whose version of the op int8rt imports

  Status (*import)(NodeContext& ctx);
};

// The importer of an op type of the default domain; nullptr when int8rt has none.
const OpImporter* find_op_importer(std::string_view op_type);

// --- Helpers shared by the families ---------------------------------------------------------

// Add, Sub, Mul, Div, Pow and Equal: from opset 7 the inputs as they are; before, the broadcast
// and axis attributes are turned into numpy broadcasting.
Status import_binary(NodeContext& ctx, OpType type);

// The importer of the simple ops: the node's inputs as they are, no attributes.
Status import_plain(NodeContext& ctx, OpType type);

// The auto_pad attribute (NOTSET, SAME_UPPER, SAME_LOWER, VALID) of Conv, ConvTranspose and the
// pools.
AutoPad read_auto_pad(NodeContext& ctx);

// The rank of a tensor whose shape is known at import (graph inputs and constants); -1 otherwise.
int known_rank(const Tensor* tensor);

// `tensor` with `count` 1-extent axes appended (for numpy broadcasting): a reshaped copy of a
// constant, else the output of an Unsqueeze layer named after the node and `role`.
Tensor* append_unit_axes(NodeContext& ctx, Tensor* tensor, int64_t count, std::string_view role);

// Constant values for the inputs that upgrades create.
Weights int64_vector(const std::vector<int64_t>& values);  // shape [n]
Weights float_vector(const std::vector<float>& values);    // shape [n]
Weights float_scalar(float value);                         // shape ()

}  // namespace int8rt::onnx_import
