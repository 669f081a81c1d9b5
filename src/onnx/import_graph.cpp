#include "onnx/import_graph.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/log.h"
#include "onnx/node_context.h"
#include "onnx/op_importers.h"
#include "onnx/tensor_proto.h"

namespace int8rt::onnx_import {

namespace {

bool is_default_domain(std::string_view domain) {
  return domain.empty() || domain == "ai.onnx";
}

// The opset of the default domain; 0 when the model imports none (then it may only use ops of
// other domains, which check_ops rejects with a better message).
Result<int> default_opset(const onnx::ModelProto& model) {
  int64_t opset = 0;
  bool imported = false;
  for (const onnx::OperatorSetIdProto& import : model.opset_import()) {
    if (!is_default_domain(import.domain())) continue;
    opset = imported ? std::max(opset, import.version()) : import.version();
    imported = true;
  }
  if (imported && (opset < kMinOpset || opset > kMaxOpset)) {
    return unsupported("opset ", opset, " is not supported (int8rt imports opsets ", kMinOpset,
                       " to ", kMaxOpset, ")");
  }
  return static_cast<int>(opset);
}

// Where a tensor of the graph comes from.
struct Producer {
  enum Kind { kInitializer, kGraphInput, kNode } kind;
  int index;  // into the graph's initializers, inputs or nodes
};

class GraphIndex {
 public:
  GraphIndex(const onnx::GraphProto& graph, Logger& logger) : graph_(graph) { name_nodes(logger); }

  const std::string& node_name(int index) const { return node_names_[static_cast<size_t>(index)]; }
  // `node "conv1" (Conv)`
  std::string describe_node(int index) const {
    return detail::concat("node \"", node_name(index), "\" (", graph_.node(index).op_type(), ")");
  }
  std::string describe(const Producer& producer) const {
    switch (producer.kind) {
      case Producer::kInitializer:
        return detail::concat("initializer \"", graph_.initializer(producer.index).name(), "\"");
      case Producer::kGraphInput:
        return detail::concat("graph input \"", graph_.input(producer.index).name(), "\"");
      case Producer::kNode:
        return describe_node(producer.index);
    }
    return "?";
  }

  // Records who produces every tensor; a name defined twice is an error.
  Status index_producers() {
    for (int i = 0; i < graph_.initializer_size(); ++i) {
      INT8RT_RETURN_IF_ERROR(define(graph_.initializer(i).name(), {Producer::kInitializer, i}));
    }
    for (int i = 0; i < graph_.input_size(); ++i) {
      const std::string& name = graph_.input(i).name();
      // A graph input with an initializer of the same name is that constant (IR < 4 style).
      auto it = producers_.find(name);
      if (it != producers_.end() && it->second.kind == Producer::kInitializer) continue;
      INT8RT_RETURN_IF_ERROR(define(name, {Producer::kGraphInput, i}));
    }
    for (int i = 0; i < graph_.node_size(); ++i) {
      for (const std::string& output : graph_.node(i).output()) {
        if (output.empty()) continue;  // an optional output the model does not use
        INT8RT_RETURN_IF_ERROR(define(output, {Producer::kNode, i}));
      }
    }
    return Status::ok();
  }

  // Every node input must name a tensor of the graph.
  Status check_inputs_resolve() const {
    for (int i = 0; i < graph_.node_size(); ++i) {
      for (const std::string& input : graph_.node(i).input()) {
        if (input.empty() || producers_.count(input) != 0) continue;
        return parse_error(describe_node(i), ": input \"", input,
                           "\" is not produced by any node, initializer or graph input");
      }
    }
    return Status::ok();
  }

  // The node's index in an order where producers come before consumers; the order of the file
  // is kept where it already is one. A cycle is an error naming the nodes on it.
  Result<std::vector<int>> topological_order() const {
    const int count = graph_.node_size();
    enum : uint8_t { kNew, kOnStack, kDone };
    std::vector<uint8_t> state(static_cast<size_t>(count), kNew);
    std::vector<int> order;
    order.reserve(static_cast<size_t>(count));
    // Depth-first over "consumes" edges, iteratively: (node, next input to visit).
    std::vector<std::pair<int, int>> stack;
    for (int root = 0; root < count; ++root) {
      if (state[static_cast<size_t>(root)] != kNew) continue;
      stack.emplace_back(root, 0);
      state[static_cast<size_t>(root)] = kOnStack;
      while (!stack.empty()) {
        const int node = stack.back().first;
        const int next = stack.back().second;
        const onnx::NodeProto& proto = graph_.node(node);
        if (next == proto.input_size()) {
          state[static_cast<size_t>(node)] = kDone;
          order.push_back(node);
          stack.pop_back();
          continue;
        }
        ++stack.back().second;
        auto it = producers_.find(proto.input(next));
        if (it == producers_.end() || it->second.kind != Producer::kNode) continue;
        const int dep = it->second.index;
        if (state[static_cast<size_t>(dep)] == kOnStack) return cycle_error(stack, dep);
        if (state[static_cast<size_t>(dep)] == kNew) {
          state[static_cast<size_t>(dep)] = kOnStack;
          stack.emplace_back(dep, 0);
        }
      }
    }
    return order;
  }

  // Every tensor name of the graph.
  std::set<std::string> tensor_names() const {
    std::set<std::string> names;
    for (const auto& entry : producers_)
      names.insert(entry.first);
    return names;
  }

 private:
  // "<OpType>_<index>" for unnamed nodes; a repeated name gets a suffix.
  void name_nodes(Logger& logger) {
    std::set<std::string> given;
    for (const onnx::NodeProto& node : graph_.node()) {
      if (!node.name().empty()) given.insert(node.name());
    }
    std::set<std::string> used;
    for (int i = 0; i < graph_.node_size(); ++i) {
      const onnx::NodeProto& node = graph_.node(i);
      std::string base = node.name().empty() ? detail::concat(node.op_type(), "_", i) : node.name();
      std::string name = base;
      for (int suffix = 1; used.count(name) != 0 || (node.name().empty() && given.count(name) != 0);
           ++suffix) {
        name = detail::concat(base, "_", suffix);
      }
      if (!node.name().empty() && name != base) {
        log_warning(logger, "node name \"", base, "\" is used by several nodes; node ", i,
                    " is named \"", name, "\"");
      }
      used.insert(name);
      node_names_.push_back(std::move(name));
    }
  }

  Status define(const std::string& name, Producer producer) {
    if (name.empty()) {
      return parse_error(describe(producer), " has an empty name");
    }
    auto [it, inserted] = producers_.emplace(name, producer);
    if (!inserted) {
      return parse_error("tensor \"", name, "\" is defined twice: by ", describe(it->second),
                         " and by ", describe(producer));
    }
    return Status::ok();
  }

  Status cycle_error(const std::vector<std::pair<int, int>>& stack, int dep) const {
    // The stack from `dep` up is a path of consumers to producers that closes at `dep`.
    std::string path;
    bool on_cycle = false;
    for (const auto& [node, next] : stack) {
      on_cycle = on_cycle || node == dep;
      if (!on_cycle) continue;
      path += detail::concat("\"", node_name(node), "\" <- ");
    }
    path += detail::concat("\"", node_name(dep), "\"");
    return parse_error("the graph has a cycle through ", describe_node(dep), " (each node reads ",
                       "the next one's output: ", path, ")");
  }

  const onnx::GraphProto& graph_;
  std::vector<std::string> node_names_;
  std::map<std::string, Producer, std::less<>> producers_;
};

// Every node's op must be one int8rt imports, from the default domain, defined in the opset.
// The error names the first offending node and lists the other unsupported op types.
Status check_ops(const onnx::GraphProto& graph, const GraphIndex& index, int opset) {
  Status first;
  std::string first_op;
  std::vector<std::string> others;
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto& node = graph.node(i);
    Status status;
    if (!is_default_domain(node.domain())) {
      status = unsupported("op \"", node.op_type(), "\" (node \"", index.node_name(i),
                           "\") is from domain \"", node.domain(),
                           "\"; only the default ONNX domain (\"\" or \"ai.onnx\") is supported");
    } else if (opset == 0) {
      status = parse_error("node \"", index.node_name(i), "\" (", node.op_type(),
                           ") is from the default ONNX domain, but the model imports no opset of "
                           "it (opset_import)");
    } else if (const OpImporter* importer = find_op_importer(node.op_type()); !importer) {
      status = unsupported("unsupported op \"", node.op_type(), "\" (node \"", index.node_name(i),
                           "\", opset ", opset, ")");
    } else if (importer->since_opset > opset) {
      status = parse_error("op \"", node.op_type(), "\" (node \"", index.node_name(i),
                           "\") does not exist in opset ", opset, " (it was added in opset ",
                           importer->since_opset, ")");
    } else if (importer->imported_from > opset) {
      status = unsupported("op \"", node.op_type(), "\" (node \"", index.node_name(i),
                           "\"): its opset-", opset, " version is not supported (", node.op_type(),
                           " is imported from opset ", importer->imported_from, ")");
    }
    if (status.is_ok()) continue;
    if (first.is_ok()) {
      first = status;
      first_op = node.op_type();
    } else if (node.op_type() != first_op &&
               std::find(others.begin(), others.end(), node.op_type()) == others.end()) {
      others.push_back(node.op_type());
    }
  }
  if (first.is_ok() || others.empty()) return first;
  std::string list;
  for (const std::string& op : others)
    list += (list.empty() ? "" : ", ") + op;
  return Status(first.code(), first.message() + "; other unsupported ops: " + list);
}

Status add_graph_input(Network& network, const onnx::ValueInfoProto& input) {
  const std::string& name = input.name();
  const onnx::TypeProto& type = input.type();
  if (!type.has_tensor_type()) {
    return unsupported("graph input \"", name,
                       "\" is not a tensor (sequences, maps, optionals "
                       "and sparse tensors are not supported)");
  }
  const onnx::TypeProto::Tensor& tensor = type.tensor_type();
  std::optional<DataType> dtype = to_data_type(tensor.elem_type());
  if (!dtype) {
    return unsupported("graph input \"", name, "\": data type ",
                       onnx_dtype_name(tensor.elem_type()),
                       " is not supported (supported: ", supported_dtype_names(), ")");
  }
  if (!tensor.has_shape()) {
    return unsupported("graph input \"", name, "\" has no shape; int8rt needs at least its rank");
  }
  std::vector<int64_t> extents;
  std::vector<std::string> dim_names;
  bool any_named = false;
  for (const onnx::TensorShapeProto::Dimension& dim : tensor.shape().dim()) {
    if (dim.has_dim_value()) {
      if (dim.dim_value() < 0) {
        return parse_error("graph input \"", name, "\": negative extent ", dim.dim_value());
      }
      extents.push_back(dim.dim_value());
      dim_names.emplace_back();
    } else {
      // A symbolic (dim_param) or unknown extent: resolved at build time.
      extents.push_back(Dims::kDynamic);
      dim_names.push_back(dim.has_dim_param() ? dim.dim_param() : "");
      any_named = any_named || !dim_names.back().empty();
    }
  }
  if (!any_named) dim_names.clear();
  Result<Tensor*> added = network.add_input(name, *dtype, Dims(std::move(extents)), dim_names);
  return added.status();
}

// One line when the model holds FP16 tensors: int8rt reads them as FP32.
void log_fp16_widening(const onnx::GraphProto& graph, Logger& logger) {
  int initializers = 0, inputs = 0, casts = 0;
  for (const onnx::TensorProto& t : graph.initializer())
    initializers += t.data_type() == onnx::TensorProto::FLOAT16;
  for (const onnx::ValueInfoProto& v : graph.input())
    inputs += v.type().has_tensor_type() &&
              v.type().tensor_type().elem_type() == onnx::TensorProto::FLOAT16;
  for (const onnx::NodeProto& node : graph.node()) {
    if (node.op_type() != "Cast") continue;
    for (const onnx::AttributeProto& attr : node.attribute())
      casts += attr.name() == "to" && attr.i() == onnx::TensorProto::FLOAT16;
  }
  if (initializers + inputs + casts == 0) return;
  log_warning(logger, "the model holds FP16 tensors (", initializers, " initializers, ", inputs,
              " inputs, ", casts,
              " casts to FP16): int8rt reads them as FP32 (the values are exact; float layers "
              "compute in FP32, or FP16 with BuilderFlag::kFp16); FP16 inputs take float32 data");
}

}  // namespace

Status import_model(const onnx::ModelProto& model, Network& network, Logger& logger) {
  if (!model.has_graph()) return parse_error("the model has no graph");
  if (model.ir_version() > kMaxIrVersion || model.ir_version() < 0) {
    return unsupported("ONNX IR version ", model.ir_version(),
                       " is not supported (int8rt reads IR ", "versions up to ", kMaxIrVersion,
                       ")");
  }
  INT8RT_ASSIGN_OR_RETURN(int opset, default_opset(model));
  const onnx::GraphProto& graph = model.graph();
  if (graph.sparse_initializer_size() > 0) {
    return unsupported("sparse initializers (\"", graph.sparse_initializer(0).values().name(),
                       "\") are not supported");
  }

  GraphIndex index(graph, logger);
  INT8RT_RETURN_IF_ERROR(index.index_producers());
  INT8RT_RETURN_IF_ERROR(check_ops(graph, index, opset));
  INT8RT_RETURN_IF_ERROR(index.check_inputs_resolve());
  INT8RT_ASSIGN_OR_RETURN(std::vector<int> order, index.topological_order());

  network.set_name(graph.name());
  log_fp16_widening(graph, logger);
  for (const onnx::TensorProto& initializer : graph.initializer()) {
    INT8RT_ASSIGN_OR_RETURN(
        Weights value, weights_from_proto(initializer, detail::concat("initializer \"",
                                                                      initializer.name(), "\"")));
    INT8RT_RETURN_IF_ERROR(network.add_constant(initializer.name(), std::move(value)).status());
  }
  for (const onnx::ValueInfoProto& input : graph.input()) {
    if (network.find_tensor(input.name()) != nullptr) continue;  // an initializer
    INT8RT_RETURN_IF_ERROR(add_graph_input(network, input));
  }

  GraphState state(network, logger, opset, index.tensor_names());
  for (int i : order) {
    const onnx::NodeProto& node = graph.node(i);
    NodeContext ctx(state, node, index.node_name(i));
    // Opsets 1-5: an in-place hint of no consequence for the results.
    if (opset < 6) ctx.ignore_attrs({"consumed_inputs"});
    Status status =
        ctx.status().is_ok() ? find_op_importer(node.op_type())->import(ctx) : Status::ok();
    if (!ctx.status().is_ok()) return ctx.status();
    if (!status.is_ok()) return status;
    for (const std::string& attr : ctx.unread_attrs()) {
      log_warning(logger, ctx.describe(), ": attribute \"", attr, "\" is not defined for ",
                  node.op_type(), " in opset ", opset, "; ignored");
    }
  }

  if (graph.output_size() == 0) return parse_error("the graph has no outputs");
  for (const onnx::ValueInfoProto& output : graph.output()) {
    if (const DeclinedOutput* declined = state.declined(output.name())) {
      return unsupported("graph output \"", output.name(), "\" is an output of ", declined->node,
                         " that int8rt does not compute: ", declined->reason);
    }
    Tensor* tensor = network.find_tensor(output.name());
    if (tensor == nullptr) {
      return parse_error("graph output \"", output.name(),
                         "\" is not produced by any node, initializer or graph input");
    }
    INT8RT_RETURN_IF_ERROR(network.mark_output(tensor));
  }
  log_info(logger, "imported ONNX graph \"", graph.name(), "\" (opset ", opset, ", producer ",
           model.producer_name(), " ", model.producer_version(), "): ", network.num_inputs(),
           " inputs, ", network.num_layers(), " layers, ", network.num_outputs(), " outputs");
  return Status::ok();
}

}  // namespace int8rt::onnx_import
