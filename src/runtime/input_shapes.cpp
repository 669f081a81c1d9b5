#include "runtime/input_shapes.h"

#include "builder/lower.h"
#include "core/log.h"
#include "ir/shape_inference.h"

namespace int8rt::detail {

namespace {

std::string describe(const EngineImpl& engine, const std::vector<Dims>& shapes) {
  std::string text;
  for (size_t i = 0; i < shapes.size(); ++i) {
    if (i > 0) text += ", ";
    text += "\"" + engine.inputs[i].name + "\" " + shapes[i].to_string();
  }
  return text;
}

// Infers `layer`'s output shapes again; `inferred` receives the dtypes inference gave its outputs,
// which then get their built dtypes back. The precision pass made the tensors of INT8 layers int8
// after shape inference, which may accept float data only for some ops. Extents do not depend on
// the dtype, so such a layer is inferred with its int8 activations seen as float.
Status reinfer_layer(Layer& layer, std::vector<DataType>& inferred) {
  std::vector<DataType> built;
  for (int j = 0; j < layer.num_outputs(); ++j)
    built.push_back(layer.output(j) ? layer.output(j)->dtype() : DataType::kFloat);
  Status status = ir::infer_layer(layer);
  if (!status.is_ok()) {
    std::vector<Tensor*> int8_inputs;
    for (int j = 0; j < layer.num_inputs(); ++j) {
      Tensor* t = layer.input(j);
      if (t && !t->is_constant() && t->dtype() == DataType::kInt8) int8_inputs.push_back(t);
    }
    if (int8_inputs.empty()) return status;
    for (Tensor* t : int8_inputs)
      t->set_dtype(DataType::kFloat);
    Status as_float = ir::infer_layer(layer);
    for (Tensor* t : int8_inputs)
      t->set_dtype(DataType::kInt8);
    if (!as_float.is_ok()) return status;
  }
  inferred.clear();
  for (int j = 0; j < layer.num_outputs(); ++j) {
    Tensor* t = layer.output(j);
    inferred.push_back(t ? t->dtype() : DataType::kFloat);
    if (t) t->set_dtype(built[static_cast<size_t>(j)]);
  }
  return Status::ok();
}

Status infer_shapes(Network& net) {
  std::vector<DataType> inferred;
  for (int i = 0; i < net.num_layers(); ++i)
    INT8RT_RETURN_IF_ERROR(reinfer_layer(*net.layer(i), inferred));
  return Status::ok();
}

bool float_or_int8(DataType type) {
  return type == DataType::kFloat || type == DataType::kInt8;
}

}  // namespace

Status check_input_shape(const EngineImpl& engine, int index, const Dims& dims) {
  const IoTensor& input = engine.inputs.at(static_cast<size_t>(index));
  const Dims& built = input.dims;
  if (dims.rank() != built.rank()) {
    return invalid_argument("input \"", input.name, "\": shape ", dims.to_string(), " has rank ",
                            dims.rank(), ", the engine's ", built.to_string(), " has rank ",
                            built.rank());
  }
  for (int axis = 1; axis < dims.rank(); ++axis) {
    if (dims[axis] != built[axis]) {
      return invalid_argument("input \"", input.name, "\": shape ", dims.to_string(), " has ",
                              dims[axis], " on axis ", axis, ", the engine was built with ",
                              built[axis], " (", built.to_string(),
                              "; only axis 0, the batch, may change)");
    }
  }
  if (dims.rank() > 0 && (dims[0] < 1 || dims[0] > built[0])) {
    return invalid_argument("input \"", input.name, "\": batch ", dims[0], " is not in [1, ",
                            built[0], "] (the engine was built for ", built.to_string(), ")");
  }
  return Status::ok();
}

Result<std::shared_ptr<const EngineImpl>> lower_for_input_shapes(
    const std::shared_ptr<const EngineImpl>& engine, const std::vector<Dims>& shapes) {
  if (shapes.size() != engine->inputs.size()) {
    return internal_error("lower_for_input_shapes: ", shapes.size(), " shapes for ",
                          engine->inputs.size(), " inputs");
  }
  std::vector<std::vector<int64_t>> key;
  bool as_built = true;
  for (size_t i = 0; i < shapes.size(); ++i) {
    key.push_back(shapes[i].extents());
    as_built = as_built && shapes[i] == engine->inputs[i].dims;
  }
  if (as_built) return engine;

  // One lowering per shape set and engine; contexts asking at the same time wait for it.
  std::lock_guard<std::mutex> lock(engine->variants.mutex);
  auto found = engine->variants.lowered.find(key);
  if (found != engine->variants.lowered.end()) return found->second;
  if (engine->network == nullptr) {
    return internal_error("the engine keeps no graph to lower for input shapes ",
                          describe(*engine, shapes));
  }
  std::unique_ptr<Network> net = engine->network->clone();
  for (size_t i = 0; i < shapes.size(); ++i)
    net->input(static_cast<int>(i))->set_dims(shapes[i]);
  Status inferred = infer_shapes(*net);
  if (!inferred.is_ok()) {
    return invalid_argument("the engine can't run at input shapes ", describe(*engine, shapes),
                            ": ", inferred.message(),
                            " (the graph fixed this shape when it was built; build an engine for "
                            "these shapes instead)");
  }
  // Lowering for other shapes repeats what the build logged already.
  auto lowered = lower(*net, *engine->backend, engine->options, silent_logger());
  if (!lowered.is_ok()) {
    return lowered.status().with_context("lowering for input shapes " + describe(*engine, shapes));
  }
  std::shared_ptr<const EngineImpl> variant = std::move(lowered).value();
  engine->variants.lowered.emplace(std::move(key), variant);
  return variant;
}

Status check_graph_shapes(const Network& network) {
  std::unique_ptr<Network> net = network.clone();
  std::vector<DataType> inferred;
  for (int i = 0; i < net->num_layers(); ++i) {
    Layer& layer = *net->layer(i);
    std::vector<Dims> stored;
    for (int j = 0; j < layer.num_outputs(); ++j)
      stored.push_back(layer.output(j) ? layer.output(j)->dims() : Dims{});
    INT8RT_RETURN_IF_ERROR(reinfer_layer(layer, inferred));
    for (int j = 0; j < layer.num_outputs(); ++j) {
      const Tensor* t = layer.output(j);
      if (t == nullptr) continue;
      const auto k = static_cast<size_t>(j);
      if (t->dims() != stored[k]) {
        return parse_error(to_string(layer.type()), " \"", layer.name(), "\": output \"", t->name(),
                           "\" is stored as ", stored[k].to_string(), ", the layer computes ",
                           t->dims().to_string());
      }
      // INT8 layers compute int8 or float outputs (precision pass); nothing else may differ.
      if (t->dtype() != inferred[k] && !(float_or_int8(t->dtype()) && float_or_int8(inferred[k]))) {
        return parse_error(to_string(layer.type()), " \"", layer.name(), "\": output \"", t->name(),
                           "\" is stored as ", to_string(t->dtype()), ", the layer computes ",
                           to_string(inferred[k]));
      }
    }
  }
  return Status::ok();
}

}  // namespace int8rt::detail
