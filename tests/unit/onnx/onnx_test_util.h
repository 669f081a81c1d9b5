// Shared by the ONNX importer tests: parse an OnnxModel into a network, capture log lines.
#pragma once

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "int8rt/onnx_parser.h"
#include "testing/onnx_builder.h"

namespace int8rt::testing {

class CapturingLogger : public Logger {
 public:
  void log(Severity severity, std::string_view message) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (severity <= Severity::kWarning) warnings_.emplace_back(message);
  }
  std::vector<std::string> warnings() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return warnings_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> warnings_;
};

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
