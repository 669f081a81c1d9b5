#include "int8rt/attrs.h"

namespace int8rt {

std::string_view to_string(AutoPad value) {
  switch (value) {
    case AutoPad::kNotSet:
      return "NOTSET";
    case AutoPad::kSameUpper:
      return "SAME_UPPER";
    case AutoPad::kSameLower:
      return "SAME_LOWER";
    case AutoPad::kValid:
      return "VALID";
  }
  return "?";
}

std::string_view to_string(ActivationKind value) {
  switch (value) {
    case ActivationKind::kNone:
      return "none";
    case ActivationKind::kRelu:
      return "relu";
    case ActivationKind::kClip:
      return "clip";
    case ActivationKind::kLeakyRelu:
      return "leaky_relu";
    case ActivationKind::kHardSwish:
      return "hard_swish";
    case ActivationKind::kSigmoid:
      return "sigmoid";
  }
  return "?";
}

std::string_view to_string(PadMode value) {
  switch (value) {
    case PadMode::kConstant:
      return "constant";
    case PadMode::kReflect:
      return "reflect";
    case PadMode::kEdge:
      return "edge";
  }
  return "?";
}

std::string_view to_string(ResizeMode value) {
  switch (value) {
    case ResizeMode::kNearest:
      return "nearest";
    case ResizeMode::kLinear:
      return "linear";
    case ResizeMode::kCubic:
      return "cubic";
  }
  return "?";
}

std::string_view to_string(ResizeCoordinateMode value) {
  switch (value) {
    case ResizeCoordinateMode::kHalfPixel:
      return "half_pixel";
    case ResizeCoordinateMode::kHalfPixelSymmetric:
      return "half_pixel_symmetric";
    case ResizeCoordinateMode::kPytorchHalfPixel:
      return "pytorch_half_pixel";
    case ResizeCoordinateMode::kAlignCorners:
      return "align_corners";
    case ResizeCoordinateMode::kAsymmetric:
      return "asymmetric";
    case ResizeCoordinateMode::kTfCropAndResize:
      return "tf_crop_and_resize";
  }
  return "?";
}

std::string_view to_string(ResizeNearestMode value) {
  switch (value) {
    case ResizeNearestMode::kRoundPreferFloor:
      return "round_prefer_floor";
    case ResizeNearestMode::kRoundPreferCeil:
      return "round_prefer_ceil";
    case ResizeNearestMode::kFloor:
      return "floor";
    case ResizeNearestMode::kCeil:
      return "ceil";
  }
  return "?";
}

}  // namespace int8rt
