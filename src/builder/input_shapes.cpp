#include "builder/input_shapes.h"

namespace int8rt::detail {

Status bind_input_shapes(Network& network, const std::map<std::string, Dims, std::less<>>& shapes) {
  for (const auto& [name, dims] : shapes) {
    Tensor* tensor = network.find_tensor(name);
    if (tensor == nullptr || !tensor->is_network_input()) {
      std::string known;
      for (int i = 0; i < network.num_inputs(); ++i) {
        known += (i ? ", " : "") + network.input(i)->name();
      }
      return invalid_argument("a shape was given for \"", name,
                              "\", which is not a network input (inputs: ", known, ")");
    }
  }
  for (int i = 0; i < network.num_inputs(); ++i) {
    Tensor* input = network.input(i);
    const Dims& declared = input->dims();
    auto given = shapes.find(input->name());
    if (given != shapes.end()) {
      const Dims& dims = given->second;
      bool compatible = dims.rank() == declared.rank() && dims.is_static();
      for (int axis = 0; compatible && axis < dims.rank(); ++axis) {
        compatible = declared[axis] == Dims::kDynamic || declared[axis] == dims[axis];
      }
      if (!compatible) {
        return invalid_argument("input \"", input->name(), "\": shape ", dims.to_string(),
                                " does not match the network's ", declared.to_string());
      }
      input->set_dims(dims);
      continue;
    }
    if (!declared.is_static()) {
      std::string axes;
      for (int axis = 0; axis < declared.rank(); ++axis) {
        if (declared[axis] != Dims::kDynamic) continue;
        axes += axes.empty() ? "" : ", ";
        axes += std::to_string(axis);
        const auto& names = input->dim_names();
        if (axis < static_cast<int>(names.size()) && !names[static_cast<size_t>(axis)].empty()) {
          axes += " (\"" + names[static_cast<size_t>(axis)] + "\")";
        }
      }
      return invalid_argument("input \"", input->name(), "\" has dynamic shape ",
                              declared.to_string(), " (axis ", axes,
                              "): give its shape with BuilderConfig::set_input_shape or --shapes ",
                              input->name(), ":<d0>x<d1>x...");
    }
  }
  return Status::ok();
}

std::map<std::string, Dims, std::less<>> with_batch_size(
    const Network& network, const std::map<std::string, Dims, std::less<>>& shapes, int64_t batch) {
  std::map<std::string, Dims, std::less<>> result;
  for (int i = 0; i < network.num_inputs(); ++i) {
    const Tensor* input = network.input(i);
    auto given = shapes.find(input->name());
    Dims dims = given != shapes.end() ? given->second : input->dims();
    if (dims.rank() > 0) dims[0] = batch;
    result[input->name()] = dims;
  }
  return result;
}

}  // namespace int8rt::detail
