// Building one-layer networks for the shape inference tests of the compute ops.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "int8rt/network.h"
#include "ir/shape_inference.h"

namespace int8rt::compute_testing {

class OneLayer {
 public:
  Tensor* input(Dims dims, DataType type = DataType::kFloat) {
    return net_.add_input("x" + std::to_string(net_.num_tensors()), type, std::move(dims)).value();
  }
  // A float constant of that shape (zeros unless values are given).
  Tensor* constant(Dims dims, std::vector<float> values = {}) {
    if (values.empty()) values.assign(static_cast<size_t>(dims.volume()), 0.0f);
    return add(Weights::from_vector(DataType::kFloat, std::move(dims), values));
  }
  Tensor* ints(std::vector<int64_t> values) {
    const auto n = static_cast<int64_t>(values.size());
    return add(Weights::from_vector(DataType::kInt64, Dims{n}, values));
  }
  Tensor* floats(std::vector<float> values) {
    const auto n = static_cast<int64_t>(values.size());
    return add(Weights::from_vector(DataType::kFloat, Dims{n}, values));
  }
  Layer* layer(OpType type, std::vector<Tensor*> inputs, Attrs attrs, int outputs = 1) {
    std::vector<std::string> names;
    for (int i = 0; i < outputs; ++i)
      names.push_back("y" + std::to_string(i));
    layer_ = net_.add_layer(type, "op", std::move(inputs), std::move(attrs), names).value();
    return layer_;
  }
  Status infer() { return ir::infer_layer(*layer_); }
  Dims out(int index = 0) const { return layer_->output(index)->dims(); }
  DataType out_type(int index = 0) const { return layer_->output(index)->dtype(); }
  Network& net() { return net_; }

 private:
  Tensor* add(Weights w) {
    return net_.add_constant("c" + std::to_string(net_.num_tensors()), std::move(w)).value();
  }
  Network net_;
  Layer* layer_ = nullptr;
};

// Expects `status` to fail with `code` and a message containing every one of `parts`.
inline void expect_error(const Status& status, StatusCode code,
                         std::initializer_list<std::string> parts) {
  ASSERT_FALSE(status.is_ok()) << "expected an error containing \"" << *parts.begin() << "\"";
  EXPECT_EQ(status.code(), code) << status.to_string();
  for (const std::string& part : parts) {
    EXPECT_NE(status.message().find(part), std::string::npos)
        << "message \"" << status.message() << "\" lacks \"" << part << "\"";
  }
}

}  // namespace int8rt::compute_testing
