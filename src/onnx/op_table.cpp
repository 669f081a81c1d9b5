#include <algorithm>
#include <array>

#include "onnx/op_importers.h"

namespace int8rt::onnx_import {

namespace {

// The ops whose first definition is later than opset 1; all others exist in every opset.
constexpr std::pair<std::string_view, int> kSinceOpset[] = {
    {"Expand", 8},  {"Where", 9},  {"Erf", 9},        {"ConstantOfShape", 9},
    {"Resize", 10}, {"Range", 11}, {"HardSwish", 14}, {"Upsample", 7},
};

constexpr int since_opset(std::string_view op_type) {
  for (const auto& [name, opset] : kSinceOpset) {
    if (name == op_type) return opset;
  }
  return 1;
}

constexpr OpImporter kImporters[] = {
#define INT8RT_OP(name, attrs) {#name, since_opset(#name), import_##name},
#include "int8rt/ops.inc"
#undef INT8RT_OP
    {"Constant", 1, import_Constant},
    {"Dropout", 1, import_Dropout},
    {"Upsample", since_opset("Upsample"), import_Upsample},
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
