// Network: named tensors and the layers that connect them, built by the ONNX importer or by hand.
//
//   auto net = builder.create_network();
//   Tensor* x = net->add_input("input", DataType::kFloat, Dims{1, 1, 28, 28}).value();
//   Tensor* w = net->add_constant("conv1.weight", weights).value();
//   Layer* conv = net->add_layer(OpType::kConv, "conv1", {x, w}, ConvAttrs{}, {"conv1"}).value();
//   net->mark_output(conv->output(0));
//
// Layers can only consume tensors that already exist, so a Network is acyclic and its layers are in
// topological order by construction.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "int8rt/attrs.h"
#include "int8rt/status.h"
#include "int8rt/types.h"

namespace int8rt {

enum class OpType : uint16_t {
#define INT8RT_OP(name, attrs) k##name,
#include "int8rt/ops.inc"
#undef INT8RT_OP
};

inline constexpr int kNumOpTypes = 0
#define INT8RT_OP(name, attrs) +1
#include "int8rt/ops.inc"
#undef INT8RT_OP
    ;

std::string_view to_string(OpType type);  // the ONNX op type: "Conv", "Relu", ...
std::optional<OpType> op_type_from_string(std::string_view name);

class Layer;
class Network;
namespace ir {
class GraphEditor;
}

class Tensor {
 public:
  const std::string& name() const { return name_; }
  DataType dtype() const { return dtype_; }
  const Dims& dims() const { return dims_; }
  // Symbolic names of dynamic axes ("" for a fixed or unnamed axis); empty when none is named.
  const std::vector<std::string>& dim_names() const { return dim_names_; }

  void set_dtype(DataType type) { dtype_ = type; }
  void set_dims(Dims dims) { dims_ = std::move(dims); }

  bool is_network_input() const { return is_input_; }
  bool is_network_output() const { return is_output_; }
  bool is_constant() const { return !constant_.empty(); }
  // The value of a constant tensor (an ONNX initializer or a folded result); empty otherwise.
  const Weights& constant_value() const { return constant_; }
  // The layer that computes this tensor; nullptr for inputs and constants.
  Layer* producer() const { return producer_; }

  // Symmetric INT8 range of the tensor's values: amax = max(|min|, |max|). Both must be finite and
  // min <= max. A range set here overrides calibration.
  Status set_dynamic_range(float min, float max);
  bool dynamic_range_is_set() const { return range_.has_value(); }
  float dynamic_range_min() const { return range_ ? range_->first : 0.0f; }
  float dynamic_range_max() const { return range_ ? range_->second : 0.0f; }
  float dynamic_range_amax() const;
  void reset_dynamic_range() { range_.reset(); }

 private:
  friend class Network;
  friend class ir::GraphEditor;

  std::string name_;
  DataType dtype_ = DataType::kFloat;
  Dims dims_;
  std::vector<std::string> dim_names_;
  Weights constant_;
  Layer* producer_ = nullptr;
  bool is_input_ = false;
  bool is_output_ = false;
  std::optional<std::pair<float, float>> range_;
};

class Layer {
 public:
  OpType type() const { return type_; }
  const std::string& name() const { return name_; }

  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  // nullptr for an optional input that is absent.
  Tensor* input(int index) const { return inputs_.at(static_cast<size_t>(index)); }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  Tensor* output(int index) const { return outputs_.at(static_cast<size_t>(index)); }

  const Attrs& attrs() const { return attrs_; }
  Attrs& mutable_attrs() { return attrs_; }
  template <typename A>
  const A& attrs_as() const {
    return std::get<A>(attrs_);
  }

  // Per-layer precision request (honoured by INT8 builds; see BuilderConfig).
  void set_precision(DataType type) { precision_ = type; }
  bool precision_is_set() const { return precision_.has_value(); }
  DataType precision() const { return precision_.value_or(DataType::kFloat); }
  void reset_precision() { precision_.reset(); }

 private:
  friend class Network;
  friend class ir::GraphEditor;

  OpType type_ = OpType::kIdentity;
  std::string name_;
  Attrs attrs_;
  std::vector<Tensor*> inputs_;
  std::vector<Tensor*> outputs_;
  std::optional<DataType> precision_;
};

class Network {
 public:
  Network();
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  // A deep copy (constant data is shared, it is immutable).
  std::unique_ptr<Network> clone() const;

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  // A network input. `dims` may hold Dims::kDynamic extents, to be resolved at build time;
  // `dim_names` optionally names them (one entry per axis, "" where unnamed).
  Result<Tensor*> add_input(std::string name, DataType type, Dims dims,
                            std::vector<std::string> dim_names = {});
  // A constant tensor (weights, biases, shape values).
  Result<Tensor*> add_constant(std::string name, Weights value);
  // A layer computing new tensors named `output_names` from `inputs` (nullptr entries stand for
  // absent optional inputs). Output dtypes and shapes are inferred at build time.
  Result<Layer*> add_layer(OpType type, std::string name, std::vector<Tensor*> inputs, Attrs attrs,
                           std::vector<std::string> output_names);

  Status mark_output(Tensor* tensor);
  Status unmark_output(Tensor* tensor);

  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  Tensor* input(int index) const { return inputs_.at(static_cast<size_t>(index)); }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  Tensor* output(int index) const { return outputs_.at(static_cast<size_t>(index)); }
  int num_layers() const { return static_cast<int>(layers_.size()); }
  Layer* layer(int index) const { return layers_.at(static_cast<size_t>(index)).get(); }
  int num_tensors() const { return static_cast<int>(tensors_.size()); }
  Tensor* tensor(int index) const { return tensors_.at(static_cast<size_t>(index)).get(); }

  // The tensor or layer of that name, or nullptr.
  Tensor* find_tensor(std::string_view name) const;
  Layer* find_layer(std::string_view name) const;

 private:
  friend class ir::GraphEditor;

  Result<Tensor*> new_tensor(std::string name);

  std::string name_;
  std::vector<std::unique_ptr<Tensor>> tensors_;
  std::vector<std::unique_ptr<Layer>> layers_;  // topological order
  std::vector<Tensor*> inputs_;
  std::vector<Tensor*> outputs_;
  std::map<std::string, Tensor*, std::less<>> tensor_by_name_;
};

}  // namespace int8rt
