#include "onnx/node_context.h"

#include <algorithm>

#include "core/log.h"
#include "onnx/op_importers.h"

namespace int8rt::onnx_import {

std::string GraphState::unique_tensor_name(const std::string& base) {
  std::string name = base;
  for (int suffix = 1; names_.count(name) != 0 || network_.find_tensor(name) != nullptr; ++suffix) {
    name = base + "_" + std::to_string(suffix);
  }
  names_.insert(name);
  return name;
}

NodeContext::NodeContext(GraphState& graph, const onnx::NodeProto& node, std::string name)
    : graph_(graph), node_(node), name_(std::move(name)) {
  for (int i = 0; i < node_.attribute_size(); ++i) {
    for (int j = 0; j < i; ++j) {
      if (node_.attribute(i).name() == node_.attribute(j).name()) {
        record(parse_error(describe(), ": attribute \"", node_.attribute(i).name(),
                           "\" is given twice"));
      }
    }
  }
}

std::string NodeContext::describe() const {
  return detail::concat(node_.op_type(), " \"", name_, "\"");
}

void NodeContext::record(Status status) {
  if (status_.is_ok()) status_ = std::move(status);
}

// --- Inputs ---------------------------------------------------------------------------------

bool NodeContext::has_input(int index) const {
  return index >= 0 && index < node_.input_size() && !node_.input(index).empty();
}

Tensor* NodeContext::input(int index) {
  if (!has_input(index)) return nullptr;
  const std::string& tensor_name = node_.input(index);
  if (Tensor* tensor = graph_.network().find_tensor(tensor_name)) return tensor;
  if (const DeclinedOutput* declined = graph_.declined(tensor_name)) {
    record(unsupported(describe(), ": input \"", tensor_name, "\" is an output of ", declined->node,
                       " that int8rt does not compute: ", declined->reason));
  } else {
    // The graph importer checks that every input has a producer before importing any node.
    record(internal_error(describe(), ": input \"", tensor_name, "\" was not imported"));
  }
  return nullptr;
}

Tensor* NodeContext::required_input(int index, std::string_view what) {
  if (!has_input(index)) {
    record(parse_error(describe(), ": missing required input ", index, " (", what, ")"));
    return nullptr;
  }
  return input(index);
}

std::vector<Tensor*> NodeContext::inputs() {
  return inputs(0, node_.input_size());
}

std::vector<Tensor*> NodeContext::inputs(int first, int count) {
  std::vector<Tensor*> result;
  for (int i = first; i < first + count; ++i)
    result.push_back(input(i));
  return result;
}

// --- Attributes -----------------------------------------------------------------------------

namespace {

// The type of an attribute; IR version 1 files leave `type` unset, so infer it from the field
// that holds a value.
int attribute_type(const onnx::AttributeProto& attr) {
  if (attr.type() != onnx::AttributeProto::UNDEFINED) return attr.type();
  if (attr.has_f()) return onnx::AttributeProto::FLOAT;
  if (attr.has_i()) return onnx::AttributeProto::INT;
  if (attr.has_s()) return onnx::AttributeProto::STRING;
  if (attr.has_t()) return onnx::AttributeProto::TENSOR;
  if (attr.has_g()) return onnx::AttributeProto::GRAPH;
  if (attr.floats_size() > 0) return onnx::AttributeProto::FLOATS;
  if (attr.ints_size() > 0) return onnx::AttributeProto::INTS;
  if (attr.strings_size() > 0) return onnx::AttributeProto::STRINGS;
  return onnx::AttributeProto::UNDEFINED;
}

std::string attribute_type_name(int type) {
  if (onnx::AttributeProto_AttributeType_IsValid(type)) {
    return onnx::AttributeProto_AttributeType_Name(
        static_cast<onnx::AttributeProto_AttributeType>(type));
  }
  return "type " + std::to_string(type);
}

bool is_list_type(int type) {
  return type == onnx::AttributeProto::FLOATS || type == onnx::AttributeProto::INTS ||
         type == onnx::AttributeProto::STRINGS;
}

}  // namespace

const onnx::AttributeProto* NodeContext::find_attr(std::string_view name, int expected_type) {
  read_attrs_.insert(std::string(name));
  for (const onnx::AttributeProto& attr : node_.attribute()) {
    if (attr.name() != name) continue;
    if (!attr.ref_attr_name().empty()) {
      record(unsupported(describe(), ": attribute \"", name, "\" refers to a function attribute"));
      return nullptr;
    }
    int type = attribute_type(attr);
    // An untyped attribute with no value is an empty list.
    if (type == onnx::AttributeProto::UNDEFINED && is_list_type(expected_type)) return &attr;
    if (type != expected_type) {
      record(parse_error(describe(), ": attribute \"", name, "\" is ", attribute_type_name(type),
                         ", expected ", attribute_type_name(expected_type)));
      return nullptr;
    }
    return &attr;
  }
  return nullptr;
}

bool NodeContext::has_attr(std::string_view name) const {
  return std::any_of(node_.attribute().begin(), node_.attribute().end(),
                     [&](const onnx::AttributeProto& attr) { return attr.name() == name; });
}

int64_t NodeContext::attr_int(std::string_view name, int64_t default_value) {
  const onnx::AttributeProto* attr = find_attr(name, onnx::AttributeProto::INT);
  return attr ? attr->i() : default_value;
}

float NodeContext::attr_float(std::string_view name, float default_value) {
  const onnx::AttributeProto* attr = find_attr(name, onnx::AttributeProto::FLOAT);
  return attr ? attr->f() : default_value;
}

std::string NodeContext::attr_string(std::string_view name, std::string default_value) {
  const onnx::AttributeProto* attr = find_attr(name, onnx::AttributeProto::STRING);
  return attr ? attr->s() : default_value;
}

std::vector<int64_t> NodeContext::attr_ints(std::string_view name) {
  const onnx::AttributeProto* attr = find_attr(name, onnx::AttributeProto::INTS);
  if (!attr) return {};
  return {attr->ints().begin(), attr->ints().end()};
}

std::vector<float> NodeContext::attr_floats(std::string_view name) {
  const onnx::AttributeProto* attr = find_attr(name, onnx::AttributeProto::FLOATS);
  if (!attr) return {};
  return {attr->floats().begin(), attr->floats().end()};
}

const onnx::TensorProto* NodeContext::attr_tensor(std::string_view name) {
  const onnx::AttributeProto* attr = find_attr(name, onnx::AttributeProto::TENSOR);
  return attr ? &attr->t() : nullptr;
}

int64_t NodeContext::required_attr_int(std::string_view name) {
  if (!has_attr(name)) {
    record(parse_error(describe(), ": missing required attribute \"", name, "\""));
  }
  return attr_int(name, 0);
}

std::vector<int64_t> NodeContext::required_attr_ints(std::string_view name) {
  if (!has_attr(name)) {
    record(parse_error(describe(), ": missing required attribute \"", name, "\""));
  }
  return attr_ints(name);
}

std::vector<float> NodeContext::required_attr_floats(std::string_view name) {
  if (!has_attr(name)) {
    record(parse_error(describe(), ": missing required attribute \"", name, "\""));
  }
  return attr_floats(name);
}

void NodeContext::ignore_attrs(std::initializer_list<std::string_view> names) {
  for (std::string_view name : names)
    read_attrs_.insert(std::string(name));
}

std::vector<std::string> NodeContext::unread_attrs() const {
  std::vector<std::string> unread;
  for (const onnx::AttributeProto& attr : node_.attribute()) {
    if (read_attrs_.count(attr.name()) == 0) unread.push_back(attr.name());
  }
  return unread;
}

// --- Results --------------------------------------------------------------------------------

Tensor* NodeContext::add_constant_input(std::string_view role, Weights value) {
  if (!status_.is_ok()) return nullptr;
  std::string tensor_name = graph_.unique_tensor_name(detail::concat(name_, ".", role));
  Result<Tensor*> tensor = graph_.network().add_constant(tensor_name, std::move(value));
  if (!tensor.is_ok()) {
    record(internal_error(describe(), ": ", tensor.status().message()));
    return nullptr;
  }
  return *tensor;
}

Tensor* NodeContext::add_internal_layer(std::string_view role, OpType type,
                                        std::vector<Tensor*> inputs, Attrs attrs) {
  if (!status_.is_ok()) return nullptr;
  std::string layer_name = detail::concat(name_, ".", role);
  std::string output = graph_.unique_tensor_name(layer_name);
  Result<Layer*> layer = graph_.network().add_layer(type, std::move(layer_name), std::move(inputs),
                                                    std::move(attrs), {output});
  if (!layer.is_ok()) {
    record(internal_error(describe(), ": ", layer.status().message()));
    return nullptr;
  }
  return (*layer)->output(0);
}

Layer* NodeContext::add_layer(OpType type, std::vector<Tensor*> inputs, Attrs attrs,
                              int num_outputs) {
  if (!status_.is_ok()) return nullptr;
  const int node_outputs = node_.output_size();
  if (num_outputs < 0) num_outputs = node_outputs;
  if (node_outputs < num_outputs || num_outputs == 0) {
    record(parse_error(describe(), ": has ", node_outputs, " outputs, expected ",
                       std::max(num_outputs, 1)));
    return nullptr;
  }
  if (num_outputs < node_outputs && (declined_from_ < 0 || declined_from_ > num_outputs)) {
    record(internal_error(describe(), ": outputs from ", num_outputs,
                          " on are neither imported "
                          "nor declined"));
    return nullptr;
  }
  while (!inputs.empty() && inputs.back() == nullptr)
    inputs.pop_back();
  std::vector<std::string> output_names;
  for (int i = 0; i < num_outputs; ++i) {
    const std::string& output = node_.output(i);
    // An unnamed output of a computed slot still needs a tensor in the network.
    output_names.push_back(
        output.empty() ? graph_.unique_tensor_name(detail::concat(name_, ".output", i)) : output);
  }
  Result<Layer*> layer =
      graph_.network().add_layer(type, name_, std::move(inputs), std::move(attrs), output_names);
  if (!layer.is_ok()) {
    record(internal_error(describe(), ": ", layer.status().message()));
    return nullptr;
  }
  return *layer;
}

void NodeContext::decline_outputs(int first, std::string_view reason) {
  declined_from_ = first;
  for (int i = first; i < node_.output_size(); ++i) {
    if (node_.output(i).empty()) continue;
    graph_.decline(node_.output(i), DeclinedOutput{describe(), std::string(reason)});
  }
}

void NodeContext::set_constant_output(Weights value) {
  if (!status_.is_ok()) return;
  if (node_.output_size() != 1 || node_.output(0).empty()) {
    record(parse_error(describe(), ": has ", node_.output_size(), " outputs, expected 1"));
    return;
  }
  Result<Tensor*> tensor = graph_.network().add_constant(node_.output(0), std::move(value));
  if (!tensor.is_ok()) record(internal_error(describe(), ": ", tensor.status().message()));
}

Status import_plain(NodeContext& ctx, OpType type) {
  ctx.add_layer(type, ctx.inputs(), NoAttrs{});
  return ctx.status();
}

}  // namespace int8rt::onnx_import
