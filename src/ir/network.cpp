#include "int8rt/network.h"

#include <cmath>
#include <unordered_map>

#include "ir/quantization.h"

namespace int8rt {

namespace {
constexpr std::string_view kOpNames[] = {
#define INT8RT_OP(name, attrs) #name,
#include "int8rt/ops.inc"
#undef INT8RT_OP
};
}  // namespace

std::string_view to_string(OpType type) {
  return kOpNames[static_cast<size_t>(type)];
}

std::optional<OpType> op_type_from_string(std::string_view name) {
  for (size_t i = 0; i < std::size(kOpNames); ++i) {
    if (kOpNames[i] == name) return static_cast<OpType>(i);
  }
  return std::nullopt;
}

Status Tensor::set_dynamic_range(float min, float max) {
  if (!std::isfinite(min) || !std::isfinite(max)) {
    return invalid_argument("tensor \"", name_, "\": dynamic range [", min, ", ", max,
                            "] must be finite");
  }
  if (min > max) {
    return invalid_argument("tensor \"", name_, "\": dynamic range min ", min,
                            " is greater than max ", max);
  }
  const float amax = std::max(std::fabs(min), std::fabs(max));
  if (const std::string reason = ir::invalid_amax_reason(amax); !reason.empty()) {
    return invalid_argument("tensor \"", name_, "\": dynamic range [", min, ", ", max, "]: amax ",
                            amax, " ", reason);
  }
  range_ = std::make_pair(min, max);
  return Status::ok();
}

float Tensor::dynamic_range_amax() const {
  if (!range_) return 0.0f;
  return std::max(std::fabs(range_->first), std::fabs(range_->second));
}

Network::Network() = default;
Network::~Network() = default;

Result<Tensor*> Network::new_tensor(std::string name) {
  if (name.empty()) return invalid_argument("a tensor name must not be empty");
  if (tensor_by_name_.count(name) != 0) {
    return invalid_argument("tensor \"", name, "\" already exists in the network");
  }
  auto tensor = std::make_unique<Tensor>();
  tensor->name_ = std::move(name);
  Tensor* raw = tensor.get();
  tensor_by_name_.emplace(raw->name_, raw);
  tensors_.push_back(std::move(tensor));
  return raw;
}

Result<Tensor*> Network::add_input(std::string name, DataType type, Dims dims,
                                   std::vector<std::string> dim_names) {
  if (!dim_names.empty() && static_cast<int>(dim_names.size()) != dims.rank()) {
    return invalid_argument("input \"", name, "\": ", dim_names.size(), " dim names for rank ",
                            dims.rank());
  }
  Dims fixed = dims;  // dynamic axes count as 1 for the size check
  for (int64_t& extent : fixed.extents())
    extent = extent == Dims::kDynamic ? 1 : extent;
  for (int64_t extent : dims.extents()) {
    if (extent < 0 && extent != Dims::kDynamic) {
      return invalid_argument("input \"", name, "\": extent ", extent, " in shape ",
                              dims.to_string(), " is negative");
    }
  }
  if (auto volume = fixed.checked_volume(); !volume.is_ok()) {
    return invalid_argument("input \"", name, "\": ", volume.status().message());
  }
  INT8RT_ASSIGN_OR_RETURN(Tensor * tensor, new_tensor(std::move(name)));
  tensor->dtype_ = type;
  tensor->dims_ = std::move(dims);
  tensor->dim_names_ = std::move(dim_names);
  tensor->is_input_ = true;
  inputs_.push_back(tensor);
  return tensor;
}

Result<Tensor*> Network::add_constant(std::string name, Weights value) {
  if (value.empty()) return invalid_argument("constant \"", name, "\" has no data");
  INT8RT_ASSIGN_OR_RETURN(Tensor * tensor, new_tensor(std::move(name)));
  tensor->dtype_ = value.dtype();
  tensor->dims_ = value.dims();
  tensor->constant_ = std::move(value);
  return tensor;
}

Result<Layer*> Network::add_layer(OpType type, std::string name, std::vector<Tensor*> inputs,
                                  Attrs attrs, std::vector<std::string> output_names) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    Tensor* input = inputs[i];
    if (input == nullptr) continue;
    auto it = tensor_by_name_.find(input->name());
    if (it == tensor_by_name_.end() || it->second != input) {
      return invalid_argument(to_string(type), " \"", name, "\": input ", i, " (\"", input->name(),
                              "\") is not a tensor of this network");
    }
  }
  if (output_names.empty()) {
    return invalid_argument(to_string(type), " \"", name, "\": a layer needs at least one output");
  }
  for (size_t i = 0; i < output_names.size(); ++i) {
    if (tensor_by_name_.count(output_names[i]) != 0) {
      return invalid_argument(to_string(type), " \"", name, "\": output \"", output_names[i],
                              "\" already exists in the network");
    }
    for (size_t j = 0; j < i; ++j) {
      if (output_names[j] == output_names[i]) {
        return invalid_argument(to_string(type), " \"", name, "\": output \"", output_names[i],
                                "\" is named twice");
      }
    }
  }
  auto layer = std::make_unique<Layer>();
  layer->type_ = type;
  layer->name_ = std::move(name);
  layer->attrs_ = std::move(attrs);
  layer->inputs_ = std::move(inputs);
  for (std::string& output_name : output_names) {
    Tensor* output = new_tensor(std::move(output_name)).value();
    output->producer_ = layer.get();
    layer->outputs_.push_back(output);
  }
  layers_.push_back(std::move(layer));
  return layers_.back().get();
}

Status Network::mark_output(Tensor* tensor) {
  if (tensor == nullptr || find_tensor(tensor->name()) != tensor) {
    return invalid_argument("mark_output: not a tensor of this network");
  }
  if (tensor->is_output_) return Status::ok();
  tensor->is_output_ = true;
  outputs_.push_back(tensor);
  return Status::ok();
}

Status Network::unmark_output(Tensor* tensor) {
  for (auto it = outputs_.begin(); it != outputs_.end(); ++it) {
    if (*it == tensor) {
      outputs_.erase(it);
      tensor->is_output_ = false;
      return Status::ok();
    }
  }
  return invalid_argument("unmark_output: \"", tensor ? tensor->name() : "", "\" is not an output");
}

Tensor* Network::find_tensor(std::string_view name) const {
  auto it = tensor_by_name_.find(name);
  return it == tensor_by_name_.end() ? nullptr : it->second;
}

Layer* Network::find_layer(std::string_view name) const {
  for (const auto& layer : layers_) {
    if (layer->name() == name) return layer.get();
  }
  return nullptr;
}

std::unique_ptr<Network> Network::clone() const {
  auto copy = std::make_unique<Network>();
  copy->name_ = name_;
  std::unordered_map<const Tensor*, Tensor*> map;
  for (const auto& tensor : tensors_) {
    auto twin = std::make_unique<Tensor>(*tensor);
    twin->producer_ = nullptr;
    map[tensor.get()] = twin.get();
    copy->tensor_by_name_.emplace(twin->name_, twin.get());
    copy->tensors_.push_back(std::move(twin));
  }
  for (const auto& layer : layers_) {
    auto twin = std::make_unique<Layer>(*layer);
    for (Tensor*& input : twin->inputs_)
      input = input ? map.at(input) : nullptr;
    for (Tensor*& output : twin->outputs_) {
      output = map.at(output);
      output->producer_ = twin.get();
    }
    copy->layers_.push_back(std::move(twin));
  }
  for (Tensor* input : inputs_)
    copy->inputs_.push_back(map.at(input));
  for (Tensor* output : outputs_)
    copy->outputs_.push_back(map.at(output));
  return copy;
}

}  // namespace int8rt
