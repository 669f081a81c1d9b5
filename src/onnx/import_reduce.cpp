// ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceProd.
//
// Up to opset 17 the axes of ReduceMean/Max/Min/Prod are an attribute (they become an input in
// opset 18); ReduceSum takes them as an input, with noop_with_empty_axes, from opset 13. The
// canonical form has them as an int64 [k] input: an axes attribute becomes a constant input, and
// without one (or with an empty one) the input stays absent: reduce over every axis.
#include "onnx/op_importers.h"

namespace int8rt::onnx_import {

static Status import_reduce(NodeContext& ctx, OpType type, int axes_input_opset) {
  ReduceAttrs attrs;
  attrs.keepdims = ctx.attr_int("keepdims", 1) != 0;
  Tensor* data = ctx.required_input(0, "data");
  Tensor* axes = nullptr;
  if (ctx.opset() >= axes_input_opset) {
    attrs.noop_with_empty_axes = ctx.attr_int("noop_with_empty_axes", 0) != 0;
    axes = ctx.input(1);
  } else if (std::vector<int64_t> list = ctx.attr_ints("axes"); !list.empty()) {
    axes = ctx.add_constant_input("axes", int64_vector(list));
  }
  ctx.add_layer(type, {data, axes}, attrs);
  return ctx.status();
}

constexpr int kNever = 18;  // the first opset past the supported ones

Status import_ReduceMean(NodeContext& ctx) {
  return import_reduce(ctx, OpType::kReduceMean, kNever);
}
Status import_ReduceMax(NodeContext& ctx) {
  return import_reduce(ctx, OpType::kReduceMax, kNever);
}
Status import_ReduceMin(NodeContext& ctx) {
  return import_reduce(ctx, OpType::kReduceMin, kNever);
}
Status import_ReduceProd(NodeContext& ctx) {
  return import_reduce(ctx, OpType::kReduceProd, kNever);
}
Status import_ReduceSum(NodeContext& ctx) {
  return import_reduce(ctx, OpType::kReduceSum, 13);
}

}  // namespace int8rt::onnx_import
