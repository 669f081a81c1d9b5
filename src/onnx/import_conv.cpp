// Conv, ConvTranspose, Gemm, MatMul. Their attributes are the same in every opset from 1 to 17
// but Gemm's broadcast (opsets 1-6); Gemm-11 made C optional.
#include "onnx/op_importers.h"

namespace int8rt::onnx_import {

Status import_Conv(NodeContext& ctx) {
  ConvAttrs attrs;
  attrs.kernel_shape = ctx.attr_ints("kernel_shape");
  attrs.strides = ctx.attr_ints("strides");
  attrs.pads = ctx.attr_ints("pads");
  attrs.dilations = ctx.attr_ints("dilations");
  attrs.group = ctx.attr_int("group", 1);
  attrs.auto_pad = read_auto_pad(ctx);
  ctx.add_layer(OpType::kConv, ctx.inputs(), std::move(attrs));
  return ctx.status();
}

Status import_ConvTranspose(NodeContext& ctx) {
  ConvTransposeAttrs attrs;
  attrs.kernel_shape = ctx.attr_ints("kernel_shape");
  attrs.strides = ctx.attr_ints("strides");
  attrs.pads = ctx.attr_ints("pads");
  attrs.dilations = ctx.attr_ints("dilations");
  attrs.group = ctx.attr_int("group", 1);
  attrs.auto_pad = read_auto_pad(ctx);
  attrs.output_padding = ctx.attr_ints("output_padding");
  attrs.output_shape = ctx.attr_ints("output_shape");
  ctx.add_layer(OpType::kConvTranspose, ctx.inputs(), std::move(attrs));
  return ctx.status();
}

Status import_Gemm(NodeContext& ctx) {
  GemmAttrs attrs;
  attrs.alpha = ctx.attr_float("alpha", 1.0f);
  attrs.beta = ctx.attr_float("beta", 1.0f);
  attrs.trans_a = ctx.attr_int("transA", 0) != 0;
  attrs.trans_b = ctx.attr_int("transB", 0) != 0;
  // Gemm-1/6: broadcast=1 lets C broadcast, as it always may from opset 7; broadcast=0 requires C
  // to have the full output shape, which is a special case.
  if (ctx.opset() < 7) ctx.ignore_attrs({"broadcast"});
  ctx.add_layer(OpType::kGemm, ctx.inputs(), std::move(attrs));
  return ctx.status();
}

Status import_MatMul(NodeContext& ctx) {
  return import_plain(ctx, OpType::kMatMul);
}

}  // namespace int8rt::onnx_import
