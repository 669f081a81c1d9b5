// Shape ops: Flatten, Reshape, Transpose, Squeeze, Unsqueeze, Expand, Shape.
#include "onnx/op_importers.h"

namespace int8rt::onnx_import {

Status import_Flatten(NodeContext& ctx) {
  ctx.add_layer(OpType::kFlatten, ctx.inputs(), FlattenAttrs{ctx.attr_int("axis", 1)});
  return ctx.status();
}

// Reshape-1 takes the shape as an attribute, Reshape-5/13 as an input; allowzero exists from
// opset 14.
Status import_Reshape(NodeContext& ctx) {
  ReshapeAttrs attrs;
  if (ctx.opset() >= 14) attrs.allowzero = ctx.attr_int("allowzero", 0) != 0;
  if (ctx.opset() >= 5) {
    ctx.add_layer(OpType::kReshape, ctx.inputs(), attrs);
    return ctx.status();
  }
  Tensor* data = ctx.required_input(0, "data");
  Tensor* shape = ctx.add_constant_input("shape", int64_vector(ctx.required_attr_ints("shape")));
  ctx.add_layer(OpType::kReshape, {data, shape}, attrs);
  return ctx.status();
}

Status import_Transpose(NodeContext& ctx) {
  ctx.add_layer(OpType::kTranspose, ctx.inputs(), TransposeAttrs{ctx.attr_ints("perm")});
  return ctx.status();
}

// Squeeze-1/11 and Unsqueeze-1/11 take the axes as an attribute (optional for Squeeze: absent or
// empty squeezes every 1-extent axis; required for Unsqueeze); opset 13 takes them as an input.
Status import_Squeeze(NodeContext& ctx) {
  if (ctx.opset() >= 13) return import_plain(ctx, OpType::kSqueeze);
  Tensor* data = ctx.required_input(0, "data");
  Tensor* axes = nullptr;
  if (std::vector<int64_t> list = ctx.attr_ints("axes"); !list.empty()) {
    axes = ctx.add_constant_input("axes", int64_vector(list));
  }
  ctx.add_layer(OpType::kSqueeze, {data, axes}, NoAttrs{});
  return ctx.status();
}

Status import_Unsqueeze(NodeContext& ctx) {
  if (ctx.opset() >= 13) return import_plain(ctx, OpType::kUnsqueeze);
  Tensor* data = ctx.required_input(0, "data");
  Tensor* axes = ctx.add_constant_input("axes", int64_vector(ctx.required_attr_ints("axes")));
  ctx.add_layer(OpType::kUnsqueeze, {data, axes}, NoAttrs{});
  return ctx.status();
}

Status import_Expand(NodeContext& ctx) {
  return import_plain(ctx, OpType::kExpand);
}

// Shape-15 adds start/end (a slice of the shape); before, the whole shape.
Status import_Shape(NodeContext& ctx) {
  ShapeAttrs attrs;
  if (ctx.opset() >= 15) {
    attrs.start = ctx.attr_int("start", 0);
    attrs.end = ctx.attr_int("end", attrs.end);
  }
  ctx.add_layer(OpType::kShape, ctx.inputs(), attrs);
  return ctx.status();
}

}  // namespace int8rt::onnx_import
