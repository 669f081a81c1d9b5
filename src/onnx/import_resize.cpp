// Resize (opsets 10, 11, 13) and Upsample (opsets 7, 9, deprecated in 10), all as Resize with
// inputs X, roi?, scales?, sizes?.
#include "onnx/op_importers.h"

namespace int8rt::onnx_import {

namespace {

ResizeMode read_mode(NodeContext& ctx, bool allow_cubic) {
  std::string mode = ctx.attr_string("mode", "nearest");
  if (mode == "nearest") return ResizeMode::kNearest;
  if (mode == "linear") return ResizeMode::kLinear;
  if (mode == "cubic" && allow_cubic) return ResizeMode::kCubic;
  ctx.record(unsupported(ctx.describe(), ": mode \"", mode, "\" is not supported (nearest, linear",
                         allow_cubic ? ", cubic" : "", " are)"));
  return ResizeMode::kNearest;
}

// Resize-10 and Upsample have no coordinate attributes: an output index maps to the input
// coordinate x_out / scale ("asymmetric"), and nearest takes its floor; output extents are
// floor(extent * scale).
ResizeAttrs legacy_resize_attrs(NodeContext& ctx) {
  ResizeAttrs attrs;
  attrs.mode = read_mode(ctx, /*allow_cubic=*/false);
  attrs.coordinate_transformation_mode = ResizeCoordinateMode::kAsymmetric;
  attrs.nearest_mode = ResizeNearestMode::kFloor;
  return attrs;
}

// Resize-11 requires roi and scales and passes an empty tensor for one it does not use; the
// canonical form leaves such an input absent.
Tensor* non_empty_input(NodeContext& ctx, int index) {
  Tensor* tensor = ctx.input(index);
  if (tensor != nullptr && tensor->is_constant() && tensor->constant_value().count() == 0) {
    return nullptr;
  }
  return tensor;
}

}  // namespace

Status import_Resize(NodeContext& ctx) {
  if (ctx.opset() < 11) {
    // Resize-10: X, scales.
    ResizeAttrs attrs = legacy_resize_attrs(ctx);
    ctx.add_layer(OpType::kResize,
                  {ctx.required_input(0, "X"), nullptr, ctx.required_input(1, "scales")}, attrs);
    return ctx.status();
  }
  ResizeAttrs attrs;
  attrs.mode = read_mode(ctx, /*allow_cubic=*/true);
  std::string coordinates = ctx.attr_string("coordinate_transformation_mode", "half_pixel");
  if (coordinates == "half_pixel") {
    attrs.coordinate_transformation_mode = ResizeCoordinateMode::kHalfPixel;
  } else if (coordinates == "pytorch_half_pixel") {
    attrs.coordinate_transformation_mode = ResizeCoordinateMode::kPytorchHalfPixel;
  } else if (coordinates == "align_corners") {
    attrs.coordinate_transformation_mode = ResizeCoordinateMode::kAlignCorners;
  } else if (coordinates == "asymmetric") {
    attrs.coordinate_transformation_mode = ResizeCoordinateMode::kAsymmetric;
  } else if (coordinates == "tf_crop_and_resize") {
    attrs.coordinate_transformation_mode = ResizeCoordinateMode::kTfCropAndResize;
  } else {
    // Includes Resize-11's tf_half_pixel_for_nearest, dropped from the spec in opset 13.
    return ctx.fail(unsupported(ctx.describe(), ": coordinate_transformation_mode \"", coordinates,
                                "\" is not supported"));
  }
  std::string nearest = ctx.attr_string("nearest_mode", "round_prefer_floor");
  if (nearest == "round_prefer_floor") {
    attrs.nearest_mode = ResizeNearestMode::kRoundPreferFloor;
  } else if (nearest == "round_prefer_ceil") {
    attrs.nearest_mode = ResizeNearestMode::kRoundPreferCeil;
  } else if (nearest == "floor") {
    attrs.nearest_mode = ResizeNearestMode::kFloor;
  } else if (nearest == "ceil") {
    attrs.nearest_mode = ResizeNearestMode::kCeil;
  } else {
    return ctx.fail(parse_error(ctx.describe(), ": nearest_mode \"", nearest,
                                "\" is not one of "
                                "round_prefer_floor, round_prefer_ceil, floor, ceil"));
  }
  attrs.cubic_coeff_a = ctx.attr_float("cubic_coeff_a", -0.75f);
  attrs.exclude_outside = ctx.attr_int("exclude_outside", 0) != 0;
  attrs.extrapolation_value = ctx.attr_float("extrapolation_value", 0.0f);
  ctx.add_layer(
      OpType::kResize,
      {ctx.required_input(0, "X"), non_empty_input(ctx, 1), non_empty_input(ctx, 2), ctx.input(3)},
      attrs);
  return ctx.status();
}

// Upsample-7: scales attribute (one per axis, >= 1); Upsample-9/10: scales input.
Status import_Upsample(NodeContext& ctx) {
  ResizeAttrs attrs = legacy_resize_attrs(ctx);
  Tensor* x = ctx.required_input(0, "X");
  Tensor* scales = nullptr;
  if (ctx.opset() >= 9) {
    scales = ctx.required_input(1, "scales");
  } else {
    scales = ctx.add_constant_input("scales", float_vector(ctx.required_attr_floats("scales")));
  }
  ctx.add_layer(OpType::kResize, {x, nullptr, scales}, attrs);
  return ctx.status();
}

}  // namespace int8rt::onnx_import
