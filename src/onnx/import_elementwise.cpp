// Elementwise ops without attributes. From opset 7 on, the binary ones broadcast numpy-style and
// have no broadcast/axis attributes (those were opset 1-6); the unary ones lost consumed_inputs
// in opset 6.
#include "onnx/op_importers.h"

namespace int8rt::onnx_import {

// Binary (Add ... Equal), variadic (Max, Min) and ternary (Where).
Status import_Add(NodeContext& ctx) {
  return import_plain(ctx, OpType::kAdd);
}
Status import_Sub(NodeContext& ctx) {
  return import_plain(ctx, OpType::kSub);
}
Status import_Mul(NodeContext& ctx) {
  return import_plain(ctx, OpType::kMul);
}
Status import_Div(NodeContext& ctx) {
  return import_plain(ctx, OpType::kDiv);
}
Status import_Pow(NodeContext& ctx) {
  return import_plain(ctx, OpType::kPow);
}
Status import_Max(NodeContext& ctx) {
  return import_plain(ctx, OpType::kMax);
}
Status import_Min(NodeContext& ctx) {
  return import_plain(ctx, OpType::kMin);
}
Status import_Equal(NodeContext& ctx) {
  return import_plain(ctx, OpType::kEqual);
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
