// Identity, Dropout (an Identity at inference) and Cast.
#include "onnx/op_importers.h"
#include "onnx/tensor_proto.h"

namespace int8rt::onnx_import {

Status import_Identity(NodeContext& ctx) {
  return import_plain(ctx, OpType::kIdentity);
}

// Dropout-1/6/7/10: attribute ratio (and is_test before 7); Dropout-12/13: inputs data, ratio?,
// training_mode?. At inference it passes its input through. The mask output is declined; a
// training_mode input must be a constant false.
Status import_Dropout(NodeContext& ctx) {
  ctx.ignore_attrs({"ratio", "seed", "is_test"});
  if (ctx.opset() >= 12 && ctx.has_input(2)) {
    Tensor* training_mode = ctx.input(2);
    bool off = training_mode != nullptr && training_mode->is_constant() &&
               training_mode->constant_value().count() == 1 &&
               training_mode->constant_value().to_int64()[0] == 0;
    if (training_mode != nullptr && !off) {
      return ctx.fail(unsupported(ctx.describe(), ": training_mode (\"", training_mode->name(),
                                  "\") must be a constant false (inference only)"));
    }
  }
  ctx.decline_outputs(1, "the mask output of Dropout is not supported");
  ctx.add_layer(OpType::kIdentity, {ctx.required_input(0, "data")}, NoAttrs{}, 1);
  return ctx.status();
}

// Cast-6/9/13: `to` is a TensorProto data type code; Cast-1: its name ("FLOAT").
Status import_Cast(NodeContext& ctx) {
  int64_t to = 0;
  if (ctx.opset() >= 6) {
    to = ctx.required_attr_int("to");
  } else {
    if (!ctx.has_attr("to")) {
      return ctx.fail(parse_error(ctx.describe(), ": missing required attribute \"to\""));
    }
    std::string name = ctx.attr_string("to", "");
    onnx::TensorProto_DataType code;
    if (!onnx::TensorProto_DataType_Parse(name, &code)) {
      return ctx.fail(parse_error(ctx.describe(), ": \"", name, "\" is not a data type"));
    }
    to = code;
  }
  std::optional<DataType> type = to_data_type(static_cast<int32_t>(to));
  if (ctx.status().is_ok() && !type) {
    return ctx.fail(unsupported(ctx.describe(), ": cast to ",
                                onnx_dtype_name(static_cast<int32_t>(to)),
                                " is not supported (supported: ", supported_dtype_names(), ")"));
  }
  ctx.add_layer(OpType::kCast, ctx.inputs(), CastAttrs{type.value_or(DataType::kFloat)});
  return ctx.status();
}

}  // namespace int8rt::onnx_import
