// Typed attributes of every op (see ops.inc for which op carries which struct).
//
// Defaults are ONNX's. Spatial vectors (kernel_shape, strides, dilations) have one entry per
// spatial axis; `pads` has 2 entries per spatial axis: all begins, then all ends (ONNX order). An
// empty vector means "the ONNX default" (all ones for strides/dilations, zeros for pads, the
// weight's spatial extents for kernel_shape); shape inference fills them in for the builder's copy.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>
#include <variant>
#include <vector>

#include "int8rt/types.h"

namespace int8rt {

struct NoAttrs {};

enum class AutoPad : uint8_t { kNotSet, kSameUpper, kSameLower, kValid };

// An activation fused into a Conv or Gemm by the builder's fusion passes (the importer never sets
// one). Applied to the layer's result, after the bias and after a fused residual add.
enum class ActivationKind : uint8_t {
  kNone,
  kRelu,
  kClip,       // clamp(x, alpha, beta); ReLU6 is Clip(0, 6)
  kLeakyRelu,  // x < 0 ? alpha * x : x
  kHardSwish,  // x * clamp(x / 6 + 0.5, 0, 1)
  kSigmoid,
};

struct FusedActivation {
  ActivationKind kind = ActivationKind::kNone;
  float alpha = 0.0f;
  float beta = 0.0f;
};

// Conv inputs: X, W, B? and, after fusion, a residual R? (same shape as the output) that is added
// to the convolution before the activation: y = act(conv(X, W) + B + R).
struct ConvAttrs {
  std::vector<int64_t> kernel_shape;
  std::vector<int64_t> strides;
  std::vector<int64_t> pads;
  std::vector<int64_t> dilations;
  int64_t group = 1;
  AutoPad auto_pad = AutoPad::kNotSet;
  FusedActivation activation;
};

struct ConvTransposeAttrs {
  std::vector<int64_t> kernel_shape;
  std::vector<int64_t> strides;
  std::vector<int64_t> pads;
  std::vector<int64_t> dilations;
  int64_t group = 1;
  AutoPad auto_pad = AutoPad::kNotSet;
  std::vector<int64_t> output_padding;
  std::vector<int64_t> output_shape;  // spatial extents only; when set, pads are derived from it
};

struct GemmAttrs {
  float alpha = 1.0f;
  float beta = 1.0f;
  bool trans_a = false;
  bool trans_b = false;
  FusedActivation activation;
};

struct LeakyReluAttrs {
  float alpha = 0.01f;
};

struct HardSigmoidAttrs {
  float alpha = 0.2f;
  float beta = 0.5f;
};

struct EluAttrs {
  float alpha = 1.0f;
};

struct SoftmaxAttrs {
  int64_t axis = -1;
  // Opsets < 13 coerce the input to 2D at `axis` ([prod(d[:axis]), prod(d[axis:])]) and normalize
  // over the whole second dimension; opset 13 normalizes along `axis` alone.
  bool coerce_to_2d = false;
};

struct BatchNormAttrs {
  float epsilon = 1e-5f;
};

struct PoolAttrs {
  std::vector<int64_t> kernel_shape;
  std::vector<int64_t> strides;
  std::vector<int64_t> pads;
  std::vector<int64_t> dilations;
  AutoPad auto_pad = AutoPad::kNotSet;
  bool ceil_mode = false;
  bool count_include_pad = false;  // AveragePool only
};

struct ReduceAttrs {
  bool keepdims = true;
  bool noop_with_empty_axes = false;
};

struct ConcatAttrs {
  int64_t axis = 0;
};

struct SplitAttrs {
  int64_t axis = 0;
};

struct GatherAttrs {
  int64_t axis = 0;
};

struct FlattenAttrs {
  int64_t axis = 1;
};

struct ReshapeAttrs {
  bool allowzero = false;
};

struct TransposeAttrs {
  std::vector<int64_t> perm;  // empty: reverse the axes
};

enum class PadMode : uint8_t { kConstant, kReflect, kEdge };

struct PadAttrs {
  PadMode mode = PadMode::kConstant;
};

enum class ResizeMode : uint8_t { kNearest, kLinear, kCubic };
enum class ResizeCoordinateMode : uint8_t {
  kHalfPixel,
  kHalfPixelSymmetric,
  kPytorchHalfPixel,
  kAlignCorners,
  kAsymmetric,
  kTfCropAndResize,
};
enum class ResizeNearestMode : uint8_t { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil };

struct ResizeAttrs {
  ResizeMode mode = ResizeMode::kNearest;
  ResizeCoordinateMode coordinate_transformation_mode = ResizeCoordinateMode::kHalfPixel;
  ResizeNearestMode nearest_mode = ResizeNearestMode::kRoundPreferFloor;
  float cubic_coeff_a = -0.75f;
  bool exclude_outside = false;
  float extrapolation_value = 0.0f;
};

struct ShapeAttrs {
  int64_t start = 0;
  int64_t end = std::numeric_limits<int64_t>::max();  // exclusive; clamped to the rank
};

struct CastAttrs {
  DataType to = DataType::kFloat;
};

struct ConstantOfShapeAttrs {
  Weights value;  // one element; empty means float 0
};

// Every distinct attribute struct, once. Attrs holds exactly one of them.
using Attrs =
    std::variant<NoAttrs, ConvAttrs, ConvTransposeAttrs, GemmAttrs, LeakyReluAttrs,
                 HardSigmoidAttrs, EluAttrs, SoftmaxAttrs, BatchNormAttrs, PoolAttrs, ReduceAttrs,
                 ConcatAttrs, SplitAttrs, GatherAttrs, FlattenAttrs, ReshapeAttrs, TransposeAttrs,
                 PadAttrs, ResizeAttrs, ShapeAttrs, CastAttrs, ConstantOfShapeAttrs>;

std::string_view to_string(AutoPad value);
std::string_view to_string(ActivationKind value);
std::string_view to_string(PadMode value);
std::string_view to_string(ResizeMode value);
std::string_view to_string(ResizeCoordinateMode value);
std::string_view to_string(ResizeNearestMode value);

}  // namespace int8rt
