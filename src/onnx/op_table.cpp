#include <string_view>

#include "onnx/op_importers.h"

namespace int8rt::onnx_import {

namespace {

// The ops that a model of opset 1 cannot use: the first opset defining them. Upsample-1 was
// experimental and is not imported: Upsample is imported from its opset-7 version on.
struct History {
  std::string_view op_type;
  int since;
  int imported_from;
};
constexpr History kHistory[] = {
    {"Expand", 8, 8},   {"Where", 9, 9},   {"Erf", 9, 9},         {"ConstantOfShape", 9, 9},
    {"Resize", 10, 10}, {"Range", 11, 11}, {"HardSwish", 14, 14}, {"Upsample", 1, 7},
};

constexpr History history(std::string_view op_type) {
  for (const History& entry : kHistory) {
    if (entry.op_type == op_type) return entry;
  }
  return {op_type, 1, 1};
}

constexpr OpImporter kImporters[] = {
#define INT8RT_OP(name, attrs) \
  {#name, history(#name).since, history(#name).imported_from, import_##name},
#define INT8RT_INTERNAL_OP(name, attrs)  // the builder's own ops are not ONNX ops
#include "int8rt/ops.inc"
#undef INT8RT_INTERNAL_OP
#undef INT8RT_OP
    {"Constant", 1, 1, import_Constant},
    {"Dropout", 1, 1, import_Dropout},
    {"Upsample", history("Upsample").since, history("Upsample").imported_from, import_Upsample},
};

}  // namespace

const OpImporter* find_op_importer(std::string_view op_type) {
  for (const OpImporter& importer : kImporters) {
    if (importer.op_type == op_type) return &importer;
  }
  return nullptr;
}

AutoPad read_auto_pad(NodeContext& ctx) {
  std::string value = ctx.attr_string("auto_pad", "NOTSET");
  if (value == "NOTSET") return AutoPad::kNotSet;
  if (value == "SAME_UPPER") return AutoPad::kSameUpper;
  if (value == "SAME_LOWER") return AutoPad::kSameLower;
  if (value == "VALID") return AutoPad::kValid;
  ctx.record(parse_error(ctx.describe(), ": auto_pad \"", value,
                         "\" is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID"));
  return AutoPad::kNotSet;
}

int known_rank(const Tensor* tensor) {
  if (tensor->is_network_input() || tensor->is_constant()) return tensor->dims().rank();
  return -1;
}

Tensor* append_unit_axes(NodeContext& ctx, Tensor* tensor, int64_t count, std::string_view role) {
  if (tensor == nullptr || count <= 0) return tensor;
  std::vector<int64_t> extents = tensor->dims().extents();
  std::vector<int64_t> new_axes;
  for (int64_t i = 0; i < count; ++i) {
    new_axes.push_back(static_cast<int64_t>(extents.size()));
    extents.push_back(1);
  }
  if (tensor->is_constant()) {
    return ctx.add_constant_input(
        role, Weights(tensor->dtype(), Dims(std::move(extents)), tensor->constant_value().data()));
  }
  Tensor* axes = ctx.add_constant_input(detail::concat(role, "_axes"), int64_vector(new_axes));
  return ctx.add_internal_layer(detail::concat(role, "_unsqueeze"), OpType::kUnsqueeze,
                                {tensor, axes}, NoAttrs{});
}

Weights int64_vector(const std::vector<int64_t>& values) {
  return Weights::from_vector(DataType::kInt64, Dims{static_cast<int64_t>(values.size())}, values);
}

Weights float_vector(const std::vector<float>& values) {
  return Weights::from_vector(DataType::kFloat, Dims{static_cast<int64_t>(values.size())}, values);
}

Weights float_scalar(float value) {
  return Weights(DataType::kFloat, Dims{}, &value);
}

}  // namespace int8rt::onnx_import
