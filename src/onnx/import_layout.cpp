// Data movement: Concat, Split, Slice, Gather, Pad.
#include "onnx/op_importers.h"

namespace int8rt::onnx_import {

// Concat-1's axis is optional (default 1); required from Concat-4.
Status import_Concat(NodeContext& ctx) {
  int64_t axis = ctx.opset() < 4 ? ctx.attr_int("axis", 1) : ctx.required_attr_int("axis");
  ctx.add_layer(OpType::kConcat, ctx.inputs(), ConcatAttrs{axis});
  return ctx.status();
}

Status import_Gather(NodeContext& ctx) {
  ctx.add_layer(OpType::kGather, ctx.inputs(), GatherAttrs{ctx.attr_int("axis", 0)});
  return ctx.status();
}

// Split-2/11 take the part sizes as an optional attribute (absent: equal parts, one per output);
// Split-13 as an optional input; Split-1 as either. One layer output per node output.
Status import_Split(NodeContext& ctx) {
  SplitAttrs attrs{ctx.attr_int("axis", 0)};
  if (ctx.opset() >= 13) {
    ctx.add_layer(OpType::kSplit, ctx.inputs(), attrs);
    return ctx.status();
  }
  Tensor* input = ctx.required_input(0, "input");
  Tensor* split = ctx.opset() < 2 ? ctx.input(1) : nullptr;
  if (std::vector<int64_t> sizes = ctx.attr_ints("split"); !sizes.empty() && split == nullptr) {
    split = ctx.add_constant_input("split", int64_vector(sizes));
  }
  ctx.add_layer(OpType::kSplit, {input, split}, attrs);
  return ctx.status();
}

// Slice-1 takes starts, ends and the optional axes as attributes; Slice-10 on takes them, and
// steps, as inputs.
Status import_Slice(NodeContext& ctx) {
  if (ctx.opset() >= 10) return import_plain(ctx, OpType::kSlice);
  Tensor* data = ctx.required_input(0, "data");
  Tensor* starts = ctx.add_constant_input("starts", int64_vector(ctx.required_attr_ints("starts")));
  Tensor* ends = ctx.add_constant_input("ends", int64_vector(ctx.required_attr_ints("ends")));
  Tensor* axes = nullptr;
  if (ctx.has_attr("axes")) {
    axes = ctx.add_constant_input("axes", int64_vector(ctx.attr_ints("axes")));
  }
  ctx.add_layer(OpType::kSlice, {data, starts, ends, axes}, NoAttrs{});
  return ctx.status();
}

// Pad-2 takes pads (2 per axis: all begins, then all ends) and the fill value as attributes
// (Pad-1 calls pads "paddings"); Pad-11 on takes them as inputs (pads int64 [2 * rank],
// constant_value a scalar).
Status import_Pad(NodeContext& ctx) {
  PadAttrs attrs;
  std::string mode = ctx.attr_string("mode", "constant");
  if (mode == "constant") {
    attrs.mode = PadMode::kConstant;
  } else if (mode == "reflect") {
    attrs.mode = PadMode::kReflect;
  } else if (mode == "edge") {
    attrs.mode = PadMode::kEdge;
  } else {
    return ctx.fail(unsupported(ctx.describe(), ": mode \"", mode,
                                "\" is not supported (constant, reflect, edge are)"));
  }
  if (ctx.opset() >= 11) {
    ctx.add_layer(OpType::kPad, ctx.inputs(), attrs);
    return ctx.status();
  }
  Tensor* data = ctx.required_input(0, "data");
  Tensor* pads = ctx.add_constant_input(
      "pads", int64_vector(ctx.required_attr_ints(ctx.opset() < 2 ? "paddings" : "pads")));
  Tensor* value = nullptr;
  if (ctx.has_attr("value")) {
    value = ctx.add_constant_input("value", float_scalar(ctx.attr_float("value", 0.0f)));
  }
  ctx.add_layer(OpType::kPad, {data, pads, value}, attrs);
  return ctx.status();
}

}  // namespace int8rt::onnx_import
