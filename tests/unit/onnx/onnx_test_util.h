// Shared by the ONNX importer tests: parse an OnnxModel into a network, capture log lines.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "int8rt/onnx_parser.h"
#include "testing/capturing_logger.h"
#include "testing/onnx_builder.h"

namespace int8rt::testing {

// EXPECT_TRUE(contains(message, "part")) prints both strings when it fails.
inline ::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos)
    return ::testing::AssertionSuccess() << "\"" << text << "\" contains \"" << part << "\"";
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

inline Status parse_model(const OnnxModel& model, Network& network, Logger* logger = nullptr) {
  static CapturingLogger quiet;
  OnnxParser parser(network, logger ? *logger : quiet);
  std::string bytes = model.serialize();
  return parser.parse(bytes.data(), bytes.size(), "test.onnx");
}

// A model with a float input "x" of `x_dims` and a node "n" under test, imported into `net`.
struct OneNodeImport {
  // mark_all_outputs: every output of node() becomes a model output (else only the first).
  OneNodeImport(int64_t opset, const std::vector<OnnxDim>& x_dims, bool mark_all_outputs)
      : model(opset), mark_all_outputs_(mark_all_outputs) {
    model.input("x", onnx::TensorProto::FLOAT, x_dims);
  }

  OnnxNode node(const std::string& op, std::vector<std::string> inputs = {"x"},
                std::vector<std::string> outputs = {"y"}) {
    for (size_t i = 0; i < (mark_all_outputs_ ? outputs.size() : 1); ++i)
      model.output(outputs[i]);
    return model.node(op, inputs, outputs, "n");
  }
  // The imported layer "n" (null, with a test failure, when the import fails).
  const Layer* import() {
    Status status = parse_model(model, net, &logger);
    EXPECT_TRUE(status.is_ok()) << status.to_string();
    return status.is_ok() ? net.find_layer("n") : nullptr;
  }
  Status import_status() { return parse_model(model, net, &logger); }

  OnnxModel model;
  Network net;
  CapturingLogger logger;

 private:
  bool mark_all_outputs_;
};

// The values of a constant tensor as int64 / float (empty when the tensor is not a constant).
inline std::vector<int64_t> constant_ints(const Tensor* tensor) {
  if (tensor == nullptr || !tensor->is_constant()) return {};
  return tensor->constant_value().to_int64();
}
inline std::vector<double> constant_floats(const Tensor* tensor) {
  if (tensor == nullptr || !tensor->is_constant()) return {};
  return tensor->constant_value().to_double();
}

}  // namespace int8rt::testing
