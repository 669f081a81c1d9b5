// Evaluating one layer over constant inputs with its shape inference and reference kernel, for the
// tests of the reference kernels.
#pragma once

#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "backends/reference/reference.h"
#include "int8rt/network.h"
#include "ir/shape_inference.h"

namespace int8rt::testing {

template <typename T>
Weights tensor(DataType type, Dims dims, const std::vector<T>& values) {
  return Weights::from_vector(type, std::move(dims), values);
}

// A 1-D int64 tensor.
inline Weights ints(const std::vector<int64_t>& values) {
  return tensor(DataType::kInt64, Dims{static_cast<int64_t>(values.size())}, values);
}

// 0, 1, 2, ... as floats in the given shape.
inline Weights iota(Dims dims) {
  std::vector<float> values(static_cast<size_t>(dims.volume()));
  std::iota(values.begin(), values.end(), 0.0f);
  return tensor(DataType::kFloat, std::move(dims), values);
}

template <typename T>
std::vector<T> values_of(const Weights& w) {
  if (w.empty()) return {};
  return std::vector<T>(w.data_as<T>(), w.data_as<T>() + w.count());
}

// One `type` layer (named "layer") over constant inputs "in0", "in1", ... (empty Weights: an
// absent optional input) with outputs "out" (several: "out0", "out1", ...): shapes inferred, run
// by its reference kernel.
inline Result<std::vector<Weights>> evaluate_layer(OpType type, Attrs attrs,
                                                   const std::vector<Weights>& inputs,
                                                   int num_outputs = 1) {
  Network net;
  std::vector<Tensor*> tensors;
  for (size_t i = 0; i < inputs.size(); ++i) {
    tensors.push_back(inputs[i].empty()
                          ? nullptr
                          : net.add_constant("in" + std::to_string(i), inputs[i]).value());
  }
  std::vector<std::string> names;
  if (num_outputs == 1) {
    names.push_back("out");
  } else {
    for (int i = 0; i < num_outputs; ++i)
      names.push_back("out" + std::to_string(i));
  }
  Layer* layer = net.add_layer(type, "layer", tensors, std::move(attrs), names).value();
  INT8RT_RETURN_IF_ERROR(ir::infer_layer(*layer));
  return reference::evaluate(*layer, inputs);
}

// Output 0 of evaluate_layer.
inline Result<Weights> evaluate_layer_output(OpType type, Attrs attrs,
                                             const std::vector<Weights>& inputs) {
  INT8RT_ASSIGN_OR_RETURN(std::vector<Weights> outputs,
                          evaluate_layer(type, std::move(attrs), inputs));
  return outputs.at(0);
}

}  // namespace int8rt::testing
