#include "testing/onnx_builder.h"

#include <atomic>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

namespace int8rt::testing {

OnnxNode& OnnxNode::attr_int(const std::string& name, int64_t value) {
  onnx::AttributeProto* attr = node_->add_attribute();
  attr->set_name(name);
  attr->set_type(onnx::AttributeProto::INT);
  attr->set_i(value);
  return *this;
}

OnnxNode& OnnxNode::attr_float(const std::string& name, float value) {
  onnx::AttributeProto* attr = node_->add_attribute();
  attr->set_name(name);
  attr->set_type(onnx::AttributeProto::FLOAT);
  attr->set_f(value);
  return *this;
}

OnnxNode& OnnxNode::attr_string(const std::string& name, const std::string& value) {
  onnx::AttributeProto* attr = node_->add_attribute();
  attr->set_name(name);
  attr->set_type(onnx::AttributeProto::STRING);
  attr->set_s(value);
  return *this;
}

OnnxNode& OnnxNode::attr_ints(const std::string& name, const std::vector<int64_t>& values) {
  onnx::AttributeProto* attr = node_->add_attribute();
  attr->set_name(name);
  attr->set_type(onnx::AttributeProto::INTS);
  for (int64_t value : values)
    attr->add_ints(value);
  return *this;
}

OnnxNode& OnnxNode::attr_floats(const std::string& name, const std::vector<float>& values) {
  onnx::AttributeProto* attr = node_->add_attribute();
  attr->set_name(name);
  attr->set_type(onnx::AttributeProto::FLOATS);
  for (float value : values)
    attr->add_floats(value);
  return *this;
}

OnnxNode& OnnxNode::attr_tensor(const std::string& name, const onnx::TensorProto& value) {
  onnx::AttributeProto* attr = node_->add_attribute();
  attr->set_name(name);
  attr->set_type(onnx::AttributeProto::TENSOR);
  *attr->mutable_t() = value;
  return *this;
}

OnnxNode& OnnxNode::domain(const std::string& value) {
  node_->set_domain(value);
  return *this;
}

OnnxModel::OnnxModel(int64_t opset) {
  model_.set_ir_version(8);
  model_.set_producer_name("int8rt-tests");
  onnx::OperatorSetIdProto* import = model_.add_opset_import();
  import->set_domain("");
  import->set_version(opset);
  model_.mutable_graph()->set_name("test_graph");
}

OnnxModel& OnnxModel::input(const std::string& name, int32_t elem_type,
                            const std::vector<OnnxDim>& dims) {
  onnx::ValueInfoProto* info = graph().add_input();
  info->set_name(name);
  onnx::TypeProto::Tensor* tensor = info->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(elem_type);
  onnx::TensorShapeProto* shape = tensor->mutable_shape();
  for (const OnnxDim& dim : dims) {
    onnx::TensorShapeProto::Dimension* d = shape->add_dim();
    if (const int64_t* value = std::get_if<int64_t>(&dim)) {
      d->set_dim_value(*value);
    } else {
      d->set_dim_param(std::get<std::string>(dim));
    }
  }
  return *this;
}

OnnxModel& OnnxModel::output(const std::string& name, int32_t elem_type) {
  onnx::ValueInfoProto* info = graph().add_output();
  info->set_name(name);
  info->mutable_type()->mutable_tensor_type()->set_elem_type(elem_type);
  return *this;
}

onnx::TensorProto make_float_tensor(const std::string& name, const std::vector<int64_t>& dims,
                                    const std::vector<float>& values, bool raw) {
  onnx::TensorProto tensor;
  tensor.set_name(name);
  tensor.set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t dim : dims)
    tensor.add_dims(dim);
  if (raw) {
    tensor.set_raw_data(
        std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
  } else {
    for (float value : values)
      tensor.add_float_data(value);
  }
  return tensor;
}

onnx::TensorProto make_int64_tensor(const std::string& name, const std::vector<int64_t>& dims,
                                    const std::vector<int64_t>& values, bool raw) {
  onnx::TensorProto tensor;
  tensor.set_name(name);
  tensor.set_data_type(onnx::TensorProto::INT64);
  for (int64_t dim : dims)
    tensor.add_dims(dim);
  if (raw) {
    tensor.set_raw_data(
        std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(int64_t)));
  } else {
    for (int64_t value : values)
      tensor.add_int64_data(value);
  }
  return tensor;
}

onnx::TensorProto& OnnxModel::initializer(const std::string& name, const std::vector<int64_t>& dims,
                                          const std::vector<float>& values, bool raw) {
  onnx::TensorProto* tensor = graph().add_initializer();
  *tensor = make_float_tensor(name, dims, values, raw);
  return *tensor;
}

onnx::TensorProto& OnnxModel::initializer_int64(const std::string& name,
                                                const std::vector<int64_t>& dims,
                                                const std::vector<int64_t>& values, bool raw) {
  onnx::TensorProto* tensor = graph().add_initializer();
  *tensor = make_int64_tensor(name, dims, values, raw);
  return *tensor;
}

OnnxNode OnnxModel::node(const std::string& op_type, const std::vector<std::string>& inputs,
                         const std::vector<std::string>& outputs, const std::string& name) {
  onnx::NodeProto* node = graph().add_node();
  node->set_op_type(op_type);
  node->set_name(name);
  for (const std::string& input : inputs)
    node->add_input(input);
  for (const std::string& output : outputs)
    node->add_output(output);
  return OnnxNode(node);
}

std::string OnnxModel::serialize() const {
  std::string bytes;
  model_.SerializeToString(&bytes);
  return bytes;
}

std::string write_temp_file(const std::string& stem, const std::string& bytes) {
  static std::atomic<int> counter{0};
  std::filesystem::path path =
      std::filesystem::path(::testing::TempDir()) /
      (stem + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".onnx");
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path.string();
}

}  // namespace int8rt::testing
