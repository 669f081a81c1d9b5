// attrs.h: the typed attribute structs of the ops (keyword constructors, read-write fields).
// Spatial vectors are lists of ints; an empty list means the ONNX default.
#include "int8rt/attrs.h"

#include <string>
#include <vector>

#include "bindings.h"

namespace int8rt::python {

namespace {

// Binds struct A with a keyword constructor over `fields` (every field optional, defaults as in
// C++) and read-write attributes.
template <typename A, typename... Fields>
void bind_attrs(py::module_& m, const char* name, std::pair<const char*, Fields A::*>... fields) {
  py::class_<A> cls(m, name);
  cls.def(py::init([=](const py::kwargs& kwargs) {
    A attrs;
    for (const auto& [key, value] : kwargs) {
      const std::string k = py::str(key);
      bool known = false;
      (
          [&] {
            if (k == fields.first) {
              attrs.*(fields.second) = value.template cast<Fields>();
              known = true;
            }
          }(),
          ...);
      if (!known) {
        throw py::type_error(std::string(name) + " has no field '" + k + "'");
      }
    }
    return attrs;
  }));
  (cls.def_readwrite(fields.first, fields.second), ...);
  std::vector<const char*> names{fields.first...};
  cls.def("__repr__", [name, names](const py::object& self) {
    std::string text = std::string(name) + "(";
    for (size_t i = 0; i < names.size(); ++i) {
      text += (i ? ", " : "") + std::string(names[i]) + "=" +
              std::string(py::repr(self.attr(names[i])));
    }
    return text + ")";
  });
}

template <typename A, typename F>
std::pair<const char*, F A::*> field(const char* name, F A::*member) {
  return {name, member};
}

}  // namespace

void init_attrs(py::module_& m) {
  py::enum_<AutoPad>(m, "AutoPad")
      .value("NOTSET", AutoPad::kNotSet)
      .value("SAME_UPPER", AutoPad::kSameUpper)
      .value("SAME_LOWER", AutoPad::kSameLower)
      .value("VALID", AutoPad::kValid);
  py::enum_<ActivationKind>(m, "ActivationKind")
      .value("NONE", ActivationKind::kNone)
      .value("RELU", ActivationKind::kRelu)
      .value("CLIP", ActivationKind::kClip)
      .value("LEAKY_RELU", ActivationKind::kLeakyRelu)
      .value("HARD_SWISH", ActivationKind::kHardSwish)
      .value("SIGMOID", ActivationKind::kSigmoid);
  py::enum_<PadMode>(m, "PadMode")
      .value("CONSTANT", PadMode::kConstant)
      .value("REFLECT", PadMode::kReflect)
      .value("EDGE", PadMode::kEdge);
  py::enum_<ResizeMode>(m, "ResizeMode")
      .value("NEAREST", ResizeMode::kNearest)
      .value("LINEAR", ResizeMode::kLinear)
      .value("CUBIC", ResizeMode::kCubic);
  py::enum_<ResizeCoordinateMode>(m, "ResizeCoordinateMode")
      .value("HALF_PIXEL", ResizeCoordinateMode::kHalfPixel)
      .value("HALF_PIXEL_SYMMETRIC", ResizeCoordinateMode::kHalfPixelSymmetric)
      .value("PYTORCH_HALF_PIXEL", ResizeCoordinateMode::kPytorchHalfPixel)
      .value("ALIGN_CORNERS", ResizeCoordinateMode::kAlignCorners)
      .value("ASYMMETRIC", ResizeCoordinateMode::kAsymmetric)
      .value("TF_CROP_AND_RESIZE", ResizeCoordinateMode::kTfCropAndResize);
  py::enum_<ResizeNearestMode>(m, "ResizeNearestMode")
      .value("ROUND_PREFER_FLOOR", ResizeNearestMode::kRoundPreferFloor)
      .value("ROUND_PREFER_CEIL", ResizeNearestMode::kRoundPreferCeil)
      .value("FLOOR", ResizeNearestMode::kFloor)
      .value("CEIL", ResizeNearestMode::kCeil);

  py::class_<NoAttrs>(m, "NoAttrs").def(py::init<>()).def("__repr__", [](const NoAttrs&) {
    return "NoAttrs()";
  });
  bind_attrs<FusedActivation>(m, "FusedActivation", field("kind", &FusedActivation::kind),
                              field("alpha", &FusedActivation::alpha),
                              field("beta", &FusedActivation::beta));
  bind_attrs<ConvAttrs>(m, "ConvAttrs", field("kernel_shape", &ConvAttrs::kernel_shape),
                        field("strides", &ConvAttrs::strides), field("pads", &ConvAttrs::pads),
                        field("dilations", &ConvAttrs::dilations),
                        field("group", &ConvAttrs::group), field("auto_pad", &ConvAttrs::auto_pad),
                        field("activation", &ConvAttrs::activation));
  bind_attrs<ConvTransposeAttrs>(
      m, "ConvTransposeAttrs", field("kernel_shape", &ConvTransposeAttrs::kernel_shape),
      field("strides", &ConvTransposeAttrs::strides), field("pads", &ConvTransposeAttrs::pads),
      field("dilations", &ConvTransposeAttrs::dilations),
      field("group", &ConvTransposeAttrs::group), field("auto_pad", &ConvTransposeAttrs::auto_pad),
      field("output_padding", &ConvTransposeAttrs::output_padding),
      field("output_shape", &ConvTransposeAttrs::output_shape));
  bind_attrs<GemmAttrs>(m, "GemmAttrs", field("alpha", &GemmAttrs::alpha),
                        field("beta", &GemmAttrs::beta), field("trans_a", &GemmAttrs::trans_a),
                        field("trans_b", &GemmAttrs::trans_b),
                        field("activation", &GemmAttrs::activation));
  bind_attrs<LeakyReluAttrs>(m, "LeakyReluAttrs", field("alpha", &LeakyReluAttrs::alpha));
  bind_attrs<HardSigmoidAttrs>(m, "HardSigmoidAttrs", field("alpha", &HardSigmoidAttrs::alpha),
                               field("beta", &HardSigmoidAttrs::beta));
  bind_attrs<EluAttrs>(m, "EluAttrs", field("alpha", &EluAttrs::alpha));
  bind_attrs<SoftmaxAttrs>(m, "SoftmaxAttrs", field("axis", &SoftmaxAttrs::axis),
                           field("coerce_to_2d", &SoftmaxAttrs::coerce_to_2d));
  bind_attrs<BatchNormAttrs>(m, "BatchNormAttrs", field("epsilon", &BatchNormAttrs::epsilon));
  bind_attrs<PoolAttrs>(m, "PoolAttrs", field("kernel_shape", &PoolAttrs::kernel_shape),
                        field("strides", &PoolAttrs::strides), field("pads", &PoolAttrs::pads),
                        field("dilations", &PoolAttrs::dilations),
                        field("auto_pad", &PoolAttrs::auto_pad),
                        field("ceil_mode", &PoolAttrs::ceil_mode),
                        field("count_include_pad", &PoolAttrs::count_include_pad));
  bind_attrs<ReduceAttrs>(m, "ReduceAttrs", field("keepdims", &ReduceAttrs::keepdims),
                          field("noop_with_empty_axes", &ReduceAttrs::noop_with_empty_axes));
  bind_attrs<ConcatAttrs>(m, "ConcatAttrs", field("axis", &ConcatAttrs::axis));
  bind_attrs<SplitAttrs>(m, "SplitAttrs", field("axis", &SplitAttrs::axis));
  bind_attrs<GatherAttrs>(m, "GatherAttrs", field("axis", &GatherAttrs::axis));
  bind_attrs<FlattenAttrs>(m, "FlattenAttrs", field("axis", &FlattenAttrs::axis));
  bind_attrs<ReshapeAttrs>(m, "ReshapeAttrs", field("allowzero", &ReshapeAttrs::allowzero));
  bind_attrs<TransposeAttrs>(m, "TransposeAttrs", field("perm", &TransposeAttrs::perm));
  bind_attrs<PadAttrs>(m, "PadAttrs", field("mode", &PadAttrs::mode));
  bind_attrs<ResizeAttrs>(
      m, "ResizeAttrs", field("mode", &ResizeAttrs::mode),
      field("coordinate_transformation_mode", &ResizeAttrs::coordinate_transformation_mode),
      field("nearest_mode", &ResizeAttrs::nearest_mode),
      field("cubic_coeff_a", &ResizeAttrs::cubic_coeff_a),
      field("exclude_outside", &ResizeAttrs::exclude_outside),
      field("extrapolation_value", &ResizeAttrs::extrapolation_value));
  bind_attrs<ShapeAttrs>(m, "ShapeAttrs", field("start", &ShapeAttrs::start),
                         field("end", &ShapeAttrs::end));
  bind_attrs<CastAttrs>(m, "CastAttrs", field("to", &CastAttrs::to));
  // ConstantOfShapeAttrs.value is a one-element numpy array.
  py::class_<ConstantOfShapeAttrs>(m, "ConstantOfShapeAttrs")
      .def(py::init([](const py::object& value) {
             ConstantOfShapeAttrs attrs;
             if (!value.is_none()) {
               attrs.value = weights_from_array(py::array::ensure(value), "ConstantOfShape value");
             }
             return attrs;
           }),
           py::arg("value") = py::none())
      .def_property(
          "value",
          [](const ConstantOfShapeAttrs& a) -> py::object {
            if (a.value.empty()) return py::none();
            return weights_to_array(a.value);
          },
          [](ConstantOfShapeAttrs& a, const py::array& value) {
            a.value = weights_from_array(value, "ConstantOfShape value");
          });
}

}  // namespace int8rt::python
