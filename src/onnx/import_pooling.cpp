// MaxPool (opsets 1, 8, 10, 11, 12), AveragePool (1, 7, 10, 11), GlobalAveragePool, GlobalMaxPool.
// ceil_mode and MaxPool's dilations exist from opset 10; AveragePool has no dilations before
// opset 19. An attribute an opset does not define is left unread (and logged as ignored).
#include "onnx/op_importers.h"

namespace int8rt::onnx_import {

static PoolAttrs read_pool_attrs(NodeContext& ctx) {
  PoolAttrs attrs;
  attrs.kernel_shape = ctx.required_attr_ints("kernel_shape");
  attrs.strides = ctx.attr_ints("strides");
  attrs.pads = ctx.attr_ints("pads");
  attrs.auto_pad = read_auto_pad(ctx);
  if (ctx.opset() >= 10) attrs.ceil_mode = ctx.attr_int("ceil_mode", 0) != 0;
  return attrs;
}

// Outputs Y and the optional Indices (flat positions of the maxima), which int8rt does not
// compute; storage_order only shapes the Indices.
Status import_MaxPool(NodeContext& ctx) {
  PoolAttrs attrs = read_pool_attrs(ctx);
  if (ctx.opset() >= 10) attrs.dilations = ctx.attr_ints("dilations");
  ctx.ignore_attrs({"storage_order"});
  ctx.decline_outputs(1, "the Indices output of MaxPool is not supported");
  ctx.add_layer(OpType::kMaxPool, ctx.inputs(), std::move(attrs), 1);
  return ctx.status();
}

Status import_AveragePool(NodeContext& ctx) {
  PoolAttrs attrs = read_pool_attrs(ctx);
  // AveragePool-1 has no count_include_pad: it never counts padding.
  if (ctx.opset() >= 7) attrs.count_include_pad = ctx.attr_int("count_include_pad", 0) != 0;
  ctx.add_layer(OpType::kAveragePool, ctx.inputs(), std::move(attrs));
  return ctx.status();
}

Status import_GlobalAveragePool(NodeContext& ctx) {
  return import_plain(ctx, OpType::kGlobalAveragePool);
}

Status import_GlobalMaxPool(NodeContext& ctx) {
  return import_plain(ctx, OpType::kGlobalMaxPool);
}

}  // namespace int8rt::onnx_import
