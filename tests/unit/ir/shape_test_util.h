// Building layers for the shape inference tests of the layout, shape, activation and elementwise
// ops.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "int8rt/network.h"
#include "ir/shape_inference.h"

namespace int8rt::testing {

// A 1-D int64 constant.
inline Tensor* ints(Network& net, const std::string& name, std::vector<int64_t> values) {
  Dims dims{static_cast<int64_t>(values.size())};
  return net.add_constant(name, Weights::from_vector(DataType::kInt64, dims, values)).value();
}

inline Tensor* input(Network& net, const std::string& name, Dims dims,
                     DataType type = DataType::kFloat) {
  return net.add_input(name, type, std::move(dims)).value();
}

// Adds a layer named "l" (outputs "y", or "y0", "y1", ... when there are several) and infers it.
inline Result<Layer*> infer(Network& net, OpType type, std::vector<Tensor*> inputs,
                            Attrs attrs = NoAttrs{}, int num_outputs = 1) {
  std::vector<std::string> names;
  if (num_outputs == 1) {
    names.push_back("y");
  } else {
    for (int i = 0; i < num_outputs; ++i)
      names.push_back("y" + std::to_string(i));
  }
  INT8RT_ASSIGN_OR_RETURN(Layer * layer,
                          net.add_layer(type, "l", std::move(inputs), std::move(attrs), names));
  INT8RT_RETURN_IF_ERROR(ir::infer_layer(*layer));
  return layer;
}

inline void expect_error(const Status& status, const std::string& fragment) {
  ASSERT_FALSE(status.is_ok()) << "expected an error containing: " << fragment;
  EXPECT_NE(status.message().find(fragment), std::string::npos) << status.message();
}

}  // namespace int8rt::testing
