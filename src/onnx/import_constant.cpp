// Ops that make values rather than transform them: Constant, ConstantOfShape, Range.
#include "onnx/op_importers.h"
#include "onnx/tensor_proto.h"

namespace int8rt::onnx_import {

// Constant-1/9: a `value` tensor; Constant-12/13 also value_float(s) and value_int(s) (int64),
// value_string(s) and sparse_value. Exactly one must be given. The node's output becomes a
// constant tensor of the network, not a layer.
Status import_Constant(NodeContext& ctx) {
  const std::string_view kValueAttrs[] = {"value",         "value_float", "value_floats",
                                          "value_int",     "value_ints",  "value_string",
                                          "value_strings", "sparse_value"};
  std::string_view given;
  int count = 0;
  for (std::string_view name : kValueAttrs) {
    if (ctx.has_attr(name)) {
      given = count == 0 ? name : given;
      ++count;
    }
  }
  if (count != 1) {
    return ctx.fail(
        parse_error(ctx.describe(), ": has ", count, " value attributes, expected exactly one"));
  }
  Weights value;
  if (given == "value") {
    const onnx::TensorProto* tensor = ctx.attr_tensor("value");
    if (tensor == nullptr) return ctx.status();
    Result<Weights> weights = weights_from_proto(*tensor, ctx.describe());
    if (!weights.is_ok()) return ctx.fail(weights.status());
    value = std::move(weights).value();
  } else if (given == "value_float") {
    value = float_scalar(ctx.attr_float("value_float", 0.0f));
  } else if (given == "value_floats") {
    value = float_vector(ctx.attr_floats("value_floats"));
  } else if (given == "value_int") {
    int64_t scalar = ctx.attr_int("value_int", 0);
    value = Weights(DataType::kInt64, Dims{}, &scalar);
  } else if (given == "value_ints") {
    value = int64_vector(ctx.attr_ints("value_ints"));
  } else {
    ctx.ignore_attrs({given});
    return ctx.fail(unsupported(ctx.describe(), ": ", given,
                                " is not supported (no string "
                                "or sparse tensors)"));
  }
  ctx.set_constant_output(std::move(value));
  return ctx.status();
}

// ConstantOfShape-9: `value` is a one-element tensor (default float 0).
Status import_ConstantOfShape(NodeContext& ctx) {
  ConstantOfShapeAttrs attrs;
  if (const onnx::TensorProto* tensor = ctx.attr_tensor("value")) {
    Result<Weights> weights = weights_from_proto(*tensor, ctx.describe() + ": value");
    if (!weights.is_ok()) return ctx.fail(weights.status());
    if (weights->count() != 1) {
      return ctx.fail(
          parse_error(ctx.describe(), ": value has ", weights->count(), " elements, expected 1"));
    }
    attrs.value = std::move(weights).value();
  }
  ctx.add_layer(OpType::kConstantOfShape, ctx.inputs(), std::move(attrs));
  return ctx.status();
}

Status import_Range(NodeContext& ctx) {
  return import_plain(ctx, OpType::kRange);
}

}  // namespace int8rt::onnx_import
