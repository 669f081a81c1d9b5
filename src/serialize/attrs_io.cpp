#include "serialize/attrs_io.h"

#include "serialize/fields.h"

namespace int8rt::serialize {

namespace {

// One overload per attribute struct, for writing and for reading: a struct missing here fails to
// compile in the std::visit calls below. A float is written bit for bit (ByteWriter::value).

void write_activation(ByteWriter& out, const FusedActivation& a) {
  write_enum(out, a.kind);
  out.value(a.alpha);
  out.value(a.beta);
}

Status read_activation(ByteReader& in, FusedActivation& a, std::string_view what) {
  INT8RT_RETURN_IF_ERROR(read_enum(in, a.kind, ActivationKind::kSigmoid, what));
  INT8RT_RETURN_IF_ERROR(in.value(a.alpha, what));
  return in.value(a.beta, what);
}

struct Writer {
  ByteWriter& out;

  void operator()(const NoAttrs&) const {}
  void operator()(const ConvAttrs& a) const {
    write_ints(out, a.kernel_shape);
    write_ints(out, a.strides);
    write_ints(out, a.pads);
    write_ints(out, a.dilations);
    out.value(a.group);
    write_enum(out, a.auto_pad);
    write_activation(out, a.activation);
  }
  void operator()(const ConvTransposeAttrs& a) const {
    write_ints(out, a.kernel_shape);
    write_ints(out, a.strides);
    write_ints(out, a.pads);
    write_ints(out, a.dilations);
    out.value(a.group);
    write_enum(out, a.auto_pad);
    write_ints(out, a.output_padding);
    write_ints(out, a.output_shape);
  }
  void operator()(const GemmAttrs& a) const {
    out.value(a.alpha);
    out.value(a.beta);
    write_bool(out, a.trans_a);
    write_bool(out, a.trans_b);
    write_activation(out, a.activation);
  }
  void operator()(const LeakyReluAttrs& a) const { out.value(a.alpha); }
  void operator()(const HardSigmoidAttrs& a) const {
    out.value(a.alpha);
    out.value(a.beta);
  }
  void operator()(const EluAttrs& a) const { out.value(a.alpha); }
  void operator()(const SoftmaxAttrs& a) const {
    out.value(a.axis);
    write_bool(out, a.coerce_to_2d);
  }
  void operator()(const BatchNormAttrs& a) const { out.value(a.epsilon); }
  void operator()(const PoolAttrs& a) const {
    write_ints(out, a.kernel_shape);
    write_ints(out, a.strides);
    write_ints(out, a.pads);
    write_ints(out, a.dilations);
    write_enum(out, a.auto_pad);
    write_bool(out, a.ceil_mode);
    write_bool(out, a.count_include_pad);
  }
  void operator()(const ReduceAttrs& a) const {
    write_bool(out, a.keepdims);
    write_bool(out, a.noop_with_empty_axes);
  }
  void operator()(const ConcatAttrs& a) const { out.value(a.axis); }
  void operator()(const SplitAttrs& a) const { out.value(a.axis); }
  void operator()(const GatherAttrs& a) const { out.value(a.axis); }
  void operator()(const FlattenAttrs& a) const { out.value(a.axis); }
  void operator()(const ReshapeAttrs& a) const { write_bool(out, a.allowzero); }
  void operator()(const TransposeAttrs& a) const { write_ints(out, a.perm); }
  void operator()(const PadAttrs& a) const { write_enum(out, a.mode); }
  void operator()(const ResizeAttrs& a) const {
    write_enum(out, a.mode);
    write_enum(out, a.coordinate_transformation_mode);
    write_enum(out, a.nearest_mode);
    out.value(a.cubic_coeff_a);
    write_bool(out, a.exclude_outside);
    out.value(a.extrapolation_value);
  }
  void operator()(const ShapeAttrs& a) const {
    out.value(a.start);
    out.value(a.end);
  }
  void operator()(const CastAttrs& a) const { write_dtype(out, a.to); }
  void operator()(const ConstantOfShapeAttrs& a) const {
    write_bool(out, !a.value.empty());
    if (!a.value.empty()) write_weights(out, a.value);
  }
};

struct Reader {
  ByteReader& in;
  std::string_view what;

  Status operator()(NoAttrs&) const { return Status::ok(); }
  Status operator()(ConvAttrs& a) const {
    INT8RT_RETURN_IF_ERROR(read_ints(in, a.kernel_shape, what));
    INT8RT_RETURN_IF_ERROR(read_ints(in, a.strides, what));
    INT8RT_RETURN_IF_ERROR(read_ints(in, a.pads, what));
    INT8RT_RETURN_IF_ERROR(read_ints(in, a.dilations, what));
    INT8RT_RETURN_IF_ERROR(in.value(a.group, what));
    INT8RT_RETURN_IF_ERROR(read_enum(in, a.auto_pad, AutoPad::kValid, what));
    return read_activation(in, a.activation, what);
  }
  Status operator()(ConvTransposeAttrs& a) const {
    INT8RT_RETURN_IF_ERROR(read_ints(in, a.kernel_shape, what));
    INT8RT_RETURN_IF_ERROR(read_ints(in, a.strides, what));
    INT8RT_RETURN_IF_ERROR(read_ints(in, a.pads, what));
    INT8RT_RETURN_IF_ERROR(read_ints(in, a.dilations, what));
    INT8RT_RETURN_IF_ERROR(in.value(a.group, what));
    INT8RT_RETURN_IF_ERROR(read_enum(in, a.auto_pad, AutoPad::kValid, what));
    INT8RT_RETURN_IF_ERROR(read_ints(in, a.output_padding, what));
    return read_ints(in, a.output_shape, what);
  }
  Status operator()(GemmAttrs& a) const {
    INT8RT_RETURN_IF_ERROR(in.value(a.alpha, what));
    INT8RT_RETURN_IF_ERROR(in.value(a.beta, what));
    INT8RT_RETURN_IF_ERROR(read_bool(in, a.trans_a, what));
    INT8RT_RETURN_IF_ERROR(read_bool(in, a.trans_b, what));
    return read_activation(in, a.activation, what);
  }
  Status operator()(LeakyReluAttrs& a) const { return in.value(a.alpha, what); }
  Status operator()(HardSigmoidAttrs& a) const {
    INT8RT_RETURN_IF_ERROR(in.value(a.alpha, what));
    return in.value(a.beta, what);
  }
  Status operator()(EluAttrs& a) const { return in.value(a.alpha, what); }
  Status operator()(SoftmaxAttrs& a) const {
    INT8RT_RETURN_IF_ERROR(in.value(a.axis, what));
    return read_bool(in, a.coerce_to_2d, what);
  }
  Status operator()(BatchNormAttrs& a) const { return in.value(a.epsilon, what); }
  Status operator()(PoolAttrs& a) const {
    INT8RT_RETURN_IF_ERROR(read_ints(in, a.kernel_shape, what));
    INT8RT_RETURN_IF_ERROR(read_ints(in, a.strides, what));
    INT8RT_RETURN_IF_ERROR(read_ints(in, a.pads, what));
    INT8RT_RETURN_IF_ERROR(read_ints(in, a.dilations, what));
    INT8RT_RETURN_IF_ERROR(read_enum(in, a.auto_pad, AutoPad::kValid, what));
    INT8RT_RETURN_IF_ERROR(read_bool(in, a.ceil_mode, what));
    return read_bool(in, a.count_include_pad, what);
  }
  Status operator()(ReduceAttrs& a) const {
    INT8RT_RETURN_IF_ERROR(read_bool(in, a.keepdims, what));
    return read_bool(in, a.noop_with_empty_axes, what);
  }
  Status operator()(ConcatAttrs& a) const { return in.value(a.axis, what); }
  Status operator()(SplitAttrs& a) const { return in.value(a.axis, what); }
  Status operator()(GatherAttrs& a) const { return in.value(a.axis, what); }
  Status operator()(FlattenAttrs& a) const { return in.value(a.axis, what); }
  Status operator()(ReshapeAttrs& a) const { return read_bool(in, a.allowzero, what); }
  Status operator()(TransposeAttrs& a) const { return read_ints(in, a.perm, what); }
  Status operator()(PadAttrs& a) const { return read_enum(in, a.mode, PadMode::kEdge, what); }
  Status operator()(ResizeAttrs& a) const {
    INT8RT_RETURN_IF_ERROR(read_enum(in, a.mode, ResizeMode::kCubic, what));
    INT8RT_RETURN_IF_ERROR(read_enum(in, a.coordinate_transformation_mode,
                                     ResizeCoordinateMode::kTfCropAndResize, what));
    INT8RT_RETURN_IF_ERROR(read_enum(in, a.nearest_mode, ResizeNearestMode::kCeil, what));
    INT8RT_RETURN_IF_ERROR(in.value(a.cubic_coeff_a, what));
    INT8RT_RETURN_IF_ERROR(read_bool(in, a.exclude_outside, what));
    return in.value(a.extrapolation_value, what);
  }
  Status operator()(ShapeAttrs& a) const {
    INT8RT_RETURN_IF_ERROR(in.value(a.start, what));
    return in.value(a.end, what);
  }
  Status operator()(CastAttrs& a) const { return read_dtype(in, a.to, what); }
  Status operator()(ConstantOfShapeAttrs& a) const {
    bool present = false;
    INT8RT_RETURN_IF_ERROR(read_bool(in, present, what));
    if (!present) return Status::ok();
    return read_weights(in, a.value, what);
  }
};

// The attribute struct ops.inc gives `type`, default-constructed.
Attrs default_attrs(OpType type) {
  switch (type) {
#define INT8RT_OP(name, attrs_type) \
  case OpType::k##name:             \
    return attrs_type{};
#include "int8rt/ops.inc"
#undef INT8RT_OP
  }
  return NoAttrs{};
}

}  // namespace

void write_attrs(ByteWriter& out, const Attrs& attrs) {
  std::visit(Writer{out}, attrs);
}

Status read_attrs(ByteReader& in, OpType type, Attrs& attrs, std::string_view what) {
  attrs = default_attrs(type);
  return std::visit(Reader{in, what}, attrs);
}

}  // namespace int8rt::serialize
