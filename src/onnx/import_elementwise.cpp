// Elementwise ops without attributes (from opset 7; the binary ones had broadcast/axis before).
#include "onnx/op_importers.h"

namespace int8rt::onnx_import {

// Opsets 1-6: broadcast=0 requires equal shapes, a special case of numpy broadcasting. broadcast=1
// broadcasts B onto A with B's axes matching A's from `axis` on; without an axis B matches A's
// trailing axes, which is numpy's alignment. For another axis B gets rank(A) - axis - rank(B)
// trailing 1-extent axes, so that numpy broadcasting aligns it the same way:
//   A [N, C, H, W] + B [C] with axis=1  ->  A + B' with B' [C, 1, 1].
// That needs both ranks at import: B is reshaped when it is a constant, unsqueezed otherwise.
Status import_binary(NodeContext& ctx, OpType type) {
  if (ctx.opset() >= 7) return import_plain(ctx, type);
  Tensor* a = ctx.required_input(0, "A");
  Tensor* b = ctx.required_input(1, "B");
  const bool broadcast = ctx.attr_int("broadcast", 0) != 0;
  const bool has_axis = ctx.has_attr("axis");
  const int64_t axis = ctx.attr_int("axis", 0);
  if (a == nullptr || b == nullptr || !broadcast || !has_axis) {
    ctx.add_layer(type, {a, b}, NoAttrs{});
    return ctx.status();
  }
  const int rank_a = known_rank(a);
  const int rank_b = known_rank(b);
  if (rank_a < 0 || rank_b < 0) {
    return ctx.fail(unsupported(ctx.describe(), ": broadcast with axis=", axis,
                                " needs the ranks of both inputs at import, but \"",
                                (rank_a < 0 ? a : b)->name(), "\" is computed by the network"));
  }
  const int64_t trailing = rank_a - axis - rank_b;
  if (axis < 0 || trailing < 0) {
    return ctx.fail(parse_error(ctx.describe(), ": axis ", axis, " does not place B (rank ", rank_b,
                                ") inside A (rank ", rank_a, ")"));
  }
  ctx.add_layer(type, {a, append_unit_axes(ctx, b, trailing, "B")}, NoAttrs{});
  return ctx.status();
}

// Binary (Add ... Equal), variadic (Max, Min) and ternary (Where).
Status import_Add(NodeContext& ctx) {
  return import_binary(ctx, OpType::kAdd);
}
Status import_Sub(NodeContext& ctx) {
  return import_binary(ctx, OpType::kSub);
}
Status import_Mul(NodeContext& ctx) {
  return import_binary(ctx, OpType::kMul);
}
Status import_Div(NodeContext& ctx) {
  return import_binary(ctx, OpType::kDiv);
}
Status import_Pow(NodeContext& ctx) {
  return import_binary(ctx, OpType::kPow);
}
Status import_Equal(NodeContext& ctx) {
  return import_binary(ctx, OpType::kEqual);
}
Status import_Max(NodeContext& ctx) {
  return import_plain(ctx, OpType::kMax);
}
Status import_Min(NodeContext& ctx) {
  return import_plain(ctx, OpType::kMin);
}
Status import_Where(NodeContext& ctx) {
  return import_plain(ctx, OpType::kWhere);
}

// Unary.
Status import_Abs(NodeContext& ctx) {
  return import_plain(ctx, OpType::kAbs);
}
Status import_Neg(NodeContext& ctx) {
  return import_plain(ctx, OpType::kNeg);
}
Status import_Sqrt(NodeContext& ctx) {
  return import_plain(ctx, OpType::kSqrt);
}
Status import_Reciprocal(NodeContext& ctx) {
  return import_plain(ctx, OpType::kReciprocal);
}
Status import_Exp(NodeContext& ctx) {
  return import_plain(ctx, OpType::kExp);
}
Status import_Log(NodeContext& ctx) {
  return import_plain(ctx, OpType::kLog);
}
Status import_Floor(NodeContext& ctx) {
  return import_plain(ctx, OpType::kFloor);
}
Status import_Ceil(NodeContext& ctx) {
  return import_plain(ctx, OpType::kCeil);
}
Status import_Erf(NodeContext& ctx) {
  return import_plain(ctx, OpType::kErf);
}

}  // namespace int8rt::onnx_import
