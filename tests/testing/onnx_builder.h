// Writes small ONNX models in tests: a ModelProto built in C++ and serialized.
//
//   OnnxModel model(/*opset=*/13);
//   model.input("x", onnx::TensorProto::FLOAT, {"N", 3, 8, 8});
//   model.initializer("w", {4, 3, 3, 3}, std::vector<float>(108, 0.5f));
//   model.node("Conv", {"x", "w"}, {"y"}, "conv1").attr_ints("pads", {1, 1, 1, 1});
//   model.output("y");
//   std::string bytes = model.serialize();
#pragma once

// The ONNX targets (which define these) link to int8rt privately; tests include the headers
// through this file.
#ifndef ONNX_ML
#define ONNX_ML 1
#endif
#ifndef ONNX_NAMESPACE
#define ONNX_NAMESPACE onnx
#endif
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace int8rt::testing {

// An extent (dim_value) or a symbolic one (dim_param).
using OnnxDim = std::variant<int64_t, std::string>;

// Attribute setters on a node of an OnnxModel.
class OnnxNode {
 public:
  explicit OnnxNode(onnx::NodeProto* node) : node_(node) {}
  onnx::NodeProto& proto() { return *node_; }

  OnnxNode& attr_int(const std::string& name, int64_t value);
  OnnxNode& attr_float(const std::string& name, float value);
  OnnxNode& attr_string(const std::string& name, const std::string& value);
  OnnxNode& attr_ints(const std::string& name, const std::vector<int64_t>& values);
  OnnxNode& attr_floats(const std::string& name, const std::vector<float>& values);
  OnnxNode& attr_tensor(const std::string& name, const onnx::TensorProto& value);
  OnnxNode& domain(const std::string& value);

 private:
  onnx::NodeProto* node_;
};

class OnnxModel {
 public:
  explicit OnnxModel(int64_t opset = 13);

  onnx::ModelProto& proto() { return model_; }
  onnx::GraphProto& graph() { return *model_.mutable_graph(); }

  // A graph input of tensor type; `dims` hold extents and symbolic names.
  OnnxModel& input(const std::string& name, int32_t elem_type, const std::vector<OnnxDim>& dims);
  // A graph output (its type is informational for the importer).
  OnnxModel& output(const std::string& name, int32_t elem_type = onnx::TensorProto::FLOAT);

  // Initializers, stored in the typed fields or, with `raw`, in raw_data.
  onnx::TensorProto& initializer(const std::string& name, const std::vector<int64_t>& dims,
                                 const std::vector<float>& values, bool raw = false);
  onnx::TensorProto& initializer_int64(const std::string& name, const std::vector<int64_t>& dims,
                                       const std::vector<int64_t>& values, bool raw = false);

  // A node; `name` may be empty (the importer then generates one).
  OnnxNode node(const std::string& op_type, const std::vector<std::string>& inputs,
                const std::vector<std::string>& outputs, const std::string& name = "");

  std::string serialize() const;

 private:
  onnx::ModelProto model_;
};

onnx::TensorProto make_float_tensor(const std::string& name, const std::vector<int64_t>& dims,
                                    const std::vector<float>& values, bool raw = false);
onnx::TensorProto make_int64_tensor(const std::string& name, const std::vector<int64_t>& dims,
                                    const std::vector<int64_t>& values, bool raw = false);

// Writes `bytes` to a new file under the test temp directory and returns its path.
std::string write_temp_file(const std::string& stem, const std::string& bytes);

}  // namespace int8rt::testing
