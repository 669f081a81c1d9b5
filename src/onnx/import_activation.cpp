// Activations and softmax.
#include <limits>

#include "onnx/op_importers.h"

namespace int8rt::onnx_import {

Status import_Relu(NodeContext& ctx) {
  return import_plain(ctx, OpType::kRelu);
}
Status import_Sigmoid(NodeContext& ctx) {
  return import_plain(ctx, OpType::kSigmoid);
}
Status import_Tanh(NodeContext& ctx) {
  return import_plain(ctx, OpType::kTanh);
}
Status import_HardSwish(NodeContext& ctx) {
  return import_plain(ctx, OpType::kHardSwish);
}
Status import_Softplus(NodeContext& ctx) {
  return import_plain(ctx, OpType::kSoftplus);
}

// PRelu-1/6: a slope of one value is shared; a 1-D slope of C values is per channel (axis 1).
// PRelu-7 broadcasts the slope numpy-style instead, so a [C] slope becomes [C, 1, ..., 1]; that
// needs the rank of X at import.
Status import_PRelu(NodeContext& ctx) {
  if (ctx.opset() >= 7) return import_plain(ctx, OpType::kPRelu);
  Tensor* x = ctx.required_input(0, "X");
  Tensor* slope = ctx.required_input(1, "slope");
  if (x == nullptr || slope == nullptr) return ctx.status();
  const int rank_x = known_rank(x);
  const int rank_slope = known_rank(slope);
  const bool per_channel = rank_slope == 1 && slope->dims()[0] != 1;
  if (per_channel || rank_slope < 0) {
    if (rank_x < 0 || rank_slope < 0) {
      return ctx.fail(unsupported(ctx.describe(),
                                  ": a per-channel slope needs the ranks of X and "
                                  "slope at import, but \"",
                                  (rank_x < 0 ? x : slope)->name(),
                                  "\" is computed by the network"));
    }
    slope = append_unit_axes(ctx, slope, rank_x - 2, "slope");
  }
  ctx.add_layer(OpType::kPRelu, {x, slope}, NoAttrs{});
  return ctx.status();
}

Status import_LeakyRelu(NodeContext& ctx) {
  ctx.add_layer(OpType::kLeakyRelu, ctx.inputs(), LeakyReluAttrs{ctx.attr_float("alpha", 0.01f)});
  return ctx.status();
}

Status import_HardSigmoid(NodeContext& ctx) {
  HardSigmoidAttrs attrs;
  attrs.alpha = ctx.attr_float("alpha", 0.2f);
  attrs.beta = ctx.attr_float("beta", 0.5f);
  ctx.add_layer(OpType::kHardSigmoid, ctx.inputs(), attrs);
  return ctx.status();
}

Status import_Elu(NodeContext& ctx) {
  ctx.add_layer(OpType::kElu, ctx.inputs(), EluAttrs{ctx.attr_float("alpha", 1.0f)});
  return ctx.status();
}

// Clip-6 takes min/max as float attributes (defaults: the float range, i.e. no bound); Clip-11
// takes them as optional scalar inputs. An attribute that is present becomes a float scalar
// constant input; an absent one stays an absent input.
Status import_Clip(NodeContext& ctx) {
  if (ctx.opset() >= 11) return import_plain(ctx, OpType::kClip);
  Tensor* x = ctx.required_input(0, "input");
  Tensor* min = nullptr;
  Tensor* max = nullptr;
  if (ctx.has_attr("min")) {
    min = ctx.add_constant_input("min", float_scalar(ctx.attr_float("min", 0.0f)));
  }
  if (ctx.has_attr("max")) {
    max = ctx.add_constant_input("max", float_scalar(ctx.attr_float("max", 0.0f)));
  }
  ctx.add_layer(OpType::kClip, {x, min, max}, NoAttrs{});
  return ctx.status();
}

// Softmax-1/11 (and LogSoftmax) coerce the input to 2D at `axis` (default 1) and normalize each
// row; Softmax-13 normalizes along `axis` (default -1) alone.
static Status import_softmax(NodeContext& ctx, OpType type) {
  SoftmaxAttrs attrs;
  if (ctx.opset() >= 13) {
    attrs.axis = ctx.attr_int("axis", -1);
    attrs.coerce_to_2d = false;
  } else {
    attrs.axis = ctx.attr_int("axis", 1);
    attrs.coerce_to_2d = true;
  }
  ctx.add_layer(type, ctx.inputs(), attrs);
  return ctx.status();
}

Status import_Softmax(NodeContext& ctx) {
  return import_softmax(ctx, OpType::kSoftmax);
}
Status import_LogSoftmax(NodeContext& ctx) {
  return import_softmax(ctx, OpType::kLogSoftmax);
}

}  // namespace int8rt::onnx_import
