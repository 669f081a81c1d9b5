// The state an op importer works with: the graph being imported and the node at hand.
//
// Op importers (import_<family>.cpp) read a node's inputs and attributes through NodeContext and
// add int8rt layers for it. Attribute and input errors are recorded in the context (the first one
// wins) so that importers read like the op's specification; the graph importer reports the
// recorded error after the importer returns.
#pragma once

#include <onnx/onnx_pb.h>

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "int8rt/logger.h"
#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt::onnx_import {

// A node output int8rt does not compute (MaxPool's Indices, BatchNormalization's training
// statistics, Dropout's mask): using it is an error that gives the reason.
struct DeclinedOutput {
  std::string node;    // `MaxPool "pool1"`
  std::string reason;  // "the Indices output is not supported"
};

// Graph-wide state of one import into a (fresh) network.
class GraphState {
 public:
  GraphState(Network& network, Logger& logger, int opset, std::set<std::string> model_names)
      : network_(network), logger_(logger), opset_(opset), names_(std::move(model_names)) {}

  Network& network() { return network_; }
  Logger& logger() { return logger_; }
  int opset() const { return opset_; }

  // A tensor name starting with `base` that neither the model nor the network uses.
  std::string unique_tensor_name(const std::string& base);

  void decline(const std::string& tensor, DeclinedOutput why) {
    declined_[tensor] = std::move(why);
  }
  const DeclinedOutput* declined(std::string_view tensor) const {
    auto it = declined_.find(tensor);
    return it == declined_.end() ? nullptr : &it->second;
  }

 private:
  Network& network_;
  Logger& logger_;
  int opset_;
  std::set<std::string> names_;  // every tensor name the model declares
  std::map<std::string, DeclinedOutput, std::less<>> declined_;
};

class NodeContext {
 public:
  // `name` is the node's name, or the one generated for it when the model gives none.
  NodeContext(GraphState& graph, const onnx::NodeProto& node, std::string name);

  const std::string& name() const { return name_; }
  const std::string& op_type() const { return node_.op_type(); }
  const onnx::NodeProto& node() const { return node_; }
  int opset() const { return graph_.opset(); }
  Logger& logger() { return graph_.logger(); }
  // `Conv "conv1"`: how every message about the node starts.
  std::string describe() const;

  // --- Errors -------------------------------------------------------------------------------
  // Records `status` unless an error is already recorded.
  void record(Status status);
  // record(), then the recorded error: `return ctx.fail(unsupported(...));`
  Status fail(Status status) {
    record(std::move(status));
    return status_;
  }
  const Status& status() const { return status_; }

  // --- Inputs -------------------------------------------------------------------------------
  // Input slots as written in the node (absent optional inputs are missing or named "").
  int num_inputs() const { return node_.input_size(); }
  bool has_input(int index) const;
  // The tensor of input `index`; nullptr when absent (or when its name does not resolve, which
  // records an error).
  Tensor* input(int index);
  // Like input(), but records an error naming `what` when the input is absent.
  Tensor* required_input(int index, std::string_view what);
  // Every input slot in order (nullptr for absent ones).
  std::vector<Tensor*> inputs();
  // Inputs [first, first + count): `count` may exceed the node's inputs (nullptr slots).
  std::vector<Tensor*> inputs(int first, int count);

  // --- Attributes ---------------------------------------------------------------------------
  // A missing attribute gives the default; one of another type records an error and gives the
  // default. Every attribute read is marked as used; unread ones are logged as ignored.
  bool has_attr(std::string_view name) const;
  int64_t attr_int(std::string_view name, int64_t default_value);
  float attr_float(std::string_view name, float default_value);
  std::string attr_string(std::string_view name, std::string default_value);
  std::vector<int64_t> attr_ints(std::string_view name);
  std::vector<float> attr_floats(std::string_view name);
  const onnx::TensorProto* attr_tensor(std::string_view name);
  // Record an error when the attribute is missing.
  int64_t required_attr_int(std::string_view name);
  std::vector<int64_t> required_attr_ints(std::string_view name);
  std::vector<float> required_attr_floats(std::string_view name);
  // Marks attributes that carry no meaning for inference (momentum, seed, ...) as used.
  void ignore_attrs(std::initializer_list<std::string_view> names);
  // Attributes of the node that no importer read.
  std::vector<std::string> unread_attrs() const;

  // --- Results ------------------------------------------------------------------------------
  // A constant tensor for a parameter that older opsets pass as an attribute, named after the
  // node and `role` ("slice1.starts").
  Tensor* add_constant_input(std::string_view role, Weights value);
  // A layer of int8rt's own that an upgrade inserts before the node's layer (an Unsqueeze that
  // aligns an old-style broadcast), named after the node and `role`; returns its output.
  Tensor* add_internal_layer(std::string_view role, OpType type, std::vector<Tensor*> inputs,
                             Attrs attrs);
  // Adds a layer that computes the node's first `num_outputs` outputs (-1: all of them). Node
  // outputs past those must have been declined. Trailing absent inputs are dropped. Returns
  // nullptr when an error is recorded.
  Layer* add_layer(OpType type, std::vector<Tensor*> inputs, Attrs attrs, int num_outputs = -1);
  // Node outputs from `first` on are not computed: naming one anywhere fails with `reason`.
  void decline_outputs(int first, std::string_view reason);
  // Output 0 of the node is the constant `value` (Constant).
  void set_constant_output(Weights value);

 private:
  const onnx::AttributeProto* find_attr(std::string_view name, int expected_type);

  GraphState& graph_;
  const onnx::NodeProto& node_;
  std::string name_;
  std::set<std::string, std::less<>> read_attrs_;
  int declined_from_ = -1;
  Status status_;
};

}  // namespace int8rt::onnx_import
