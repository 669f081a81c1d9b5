#include "builder/lower.h"

#include <unordered_map>

#include "builder/memory_plan.h"
#include "core/log.h"
#include "ir/quantization.h"

namespace int8rt::detail {

namespace {

// INT8 when the layer reads or writes quantized data (an INT8 kernel, or a Quantize/Dequantize
// reformat); the precision Engine::layers() reports.
DataType step_precision(const Layer& layer) {
  for (int j = 0; j < layer.num_inputs(); ++j) {
    if (ir::is_quantized(layer.input(j)) && !layer.input(j)->is_constant()) return DataType::kInt8;
  }
  for (int j = 0; j < layer.num_outputs(); ++j) {
    if (ir::is_quantized(layer.output(j))) return DataType::kInt8;
  }
  return DataType::kFloat;
}

std::string describe_place(TensorLocation location, const Layout& layout) {
  return std::string(to_string(location)) + " " + layout.to_string();
}

// Layout and memory-space propagation (docs/architecture.md, "Memory layouts" and "Backends and
// memory spaces"). Each network tensor has one or more engine tensors holding its value, one per
// (memory space, layout) it is needed in; the first is the one its producer writes. Kernels are
// created in execution order knowing where their inputs are produced, declare the layouts they
// read, and a reorder or transfer step is added only where those differ.
class Lowering {
 public:
  Lowering(EngineImpl& engine, const Backend& target, Logger& logger)
      : engine_(engine), target_(target), logger_(logger) {}

  // A network input, in the target's memory space, plain.
  void add_input(const Tensor* t) {
    const int id = new_tensor(t, target_.memory_space(), Layout());
    versions_[t] = {{target_.memory_space(), Layout(), id}};
  }
  // A constant: its value is on the host, plain.
  void add_constant(const Tensor* t) {
    engine_.tensors.push_back({t->name(), t->dtype(), t->dims(), t->constant_value(), nullptr,
                               Layout(), TensorLocation::kHost});
    versions_[t] = {
        {TensorLocation::kHost, Layout(), static_cast<int>(engine_.tensors.size()) - 1}};
  }

  // Registers `t` as written by a step in `location`/`layout`; returns its engine tensor id.
  int add_produced(const Tensor* t, TensorLocation location, const Layout& layout) {
    const int id = new_tensor(t, location, layout);
    versions_[t] = {{location, layout, id}};
    return id;
  }

  bool is_known(const Tensor* t) const { return versions_.count(t) != 0; }

  // The layout `t` is available in within `location` (the first such version), or plain when it
  // is only in another memory space (it will arrive there plain).
  Layout layout_in(const Tensor* t, TensorLocation location) const {
    for (const Version& v : versions_.at(t)) {
      if (v.location == location) return v.layout;
    }
    return Layout();
  }

  // The engine tensor holding `t` in `location`/`layout`, adding reorder and transfer steps when
  // there is none yet. `reader` names the layer that needs it (for the build log).
  Result<int> in(const Tensor* t, TensorLocation location, const Layout& layout,
                 std::string_view reader) {
    for (const Version& v : versions_.at(t)) {
      if (v.location == location && v.layout == layout) return v.id;
    }
    const Version source = versions_.at(t).front();
    if (engine_.tensors[static_cast<size_t>(source.id)].is_constant()) {
      if (!layout.is_plain()) {
        return internal_error("constant \"", t->name(), "\" is needed in layout ",
                              layout.to_string(), "; constants are only available plain");
      }
      return upload_constant(t, location);
    }
    // Another layout in the same memory space: one reorder there.
    for (const Version& v : versions_.at(t)) {
      if (v.location == location) return reorder(t, v, layout);
    }
    // Another memory space: plain there, copied, then the layout wanted.
    INT8RT_ASSIGN_OR_RETURN(const int plain_id, in(t, source.location, Layout(), reader));
    INT8RT_ASSIGN_OR_RETURN(KernelPtr kernel, target_.create_transfer(t->dtype(), t->dims(),
                                                                      source.location, location));
    const int id = new_tensor(t, location, Layout());
    EngineStep step;
    step.layer_name = "transfer \"" + t->name() + "\" " + std::string(to_string(source.location)) +
                      " -> " + std::string(to_string(location));
    step.is_reorder = true;
    step.precision = t->dtype() == DataType::kInt8 ? DataType::kInt8 : DataType::kFloat;
    step.kernel = std::move(kernel);
    step.backend = &target_;
    step.inputs = {plain_id};
    step.outputs = {id};
    log_warning(logger_, step.layer_name, " for \"", reader, "\" (",
                t->dims().volume() * static_cast<int64_t>(element_size(t->dtype())),
                " bytes per run)");
    engine_.steps.push_back(std::move(step));
    versions_.at(t).push_back({location, Layout(), id});
    ++transfers_;
    if (layout.is_plain()) return id;
    return reorder(t, versions_.at(t).back(), layout);
  }

  int reorders() const { return reorders_; }
  int transfers() const { return transfers_; }

 private:
  struct Version {
    TensorLocation location;
    Layout layout;
    int id;
  };

  // The backend that converts between `from` and `to` (the one whose layout is not plain).
  Result<const Backend*> reorder_owner(const Layout& from, const Layout& to) const {
    const LayoutDesc* desc = to.is_plain() ? from.desc() : to.desc();
    const Backend* owner = desc ? find_backend(desc->backend()) : nullptr;
    if (owner == nullptr) {
      return internal_error("no backend reorders ", from.to_string(), " -> ", to.to_string());
    }
    return owner;
  }

  Result<int> reorder(const Tensor* t, const Version& from, const Layout& layout) {
    // Two layouts of two backends meet through plain.
    if (!from.layout.is_plain() && !layout.is_plain() &&
        from.layout.desc()->backend() != layout.desc()->backend()) {
      INT8RT_ASSIGN_OR_RETURN(const int plain_id, in(t, from.location, Layout(), t->name()));
      for (const Version& v : versions_.at(t)) {
        if (v.id == plain_id) return reorder(t, v, layout);
      }
    }
    INT8RT_ASSIGN_OR_RETURN(const Backend* owner, reorder_owner(from.layout, layout));
    INT8RT_ASSIGN_OR_RETURN(KernelPtr kernel,
                            owner->create_reorder(t->dtype(), t->dims(), from.layout, layout));
    if (kernel == nullptr) {
      return internal_error("backend \"", owner->name(), "\" can't reorder \"", t->name(), "\" ",
                            from.layout.to_string(), " -> ", layout.to_string());
    }
    const int id = new_tensor(t, from.location, layout);
    EngineStep step;
    step.layer_name =
        "reorder \"" + t->name() + "\" " + from.layout.to_string() + " -> " + layout.to_string();
    step.is_reorder = true;
    step.precision = t->dtype() == DataType::kInt8 ? DataType::kInt8 : DataType::kFloat;
    step.kernel = std::move(kernel);
    step.backend = owner;
    step.inputs = {from.id};
    step.outputs = {id};
    log_verbose(logger_, step.layer_name, ": ", step.kernel->name());
    engine_.steps.push_back(std::move(step));
    versions_.at(t).push_back({from.location, layout, id});
    ++reorders_;
    return id;
  }

  // The constant `t` in `location` (plain): copied to the device once, when the engine is made.
  Result<int> upload_constant(const Tensor* t, TensorLocation location) {
    const EngineTensor& host = engine_.tensors[static_cast<size_t>(versions_.at(t).front().id)];
    const size_t bytes = host.constant.byte_size();
    INT8RT_ASSIGN_OR_RETURN(Buffer buffer,
                            target_.allocate(bytes, "constant \"" + t->name() + "\""));
    INT8RT_RETURN_IF_ERROR(target_.copy(buffer.get(), location, host.constant.data(),
                                        TensorLocation::kHost, bytes, nullptr));
    EngineTensor tensor{t->name(), t->dtype(), t->dims(), {}, nullptr, Layout(), location};
    tensor.device_constant =
        std::shared_ptr<std::byte>(buffer.release(), std::move(buffer.get_deleter()));
    engine_.tensors.push_back(std::move(tensor));
    const int id = static_cast<int>(engine_.tensors.size()) - 1;
    versions_.at(t).push_back({location, Layout(), id});
    return id;
  }

  int new_tensor(const Tensor* t, TensorLocation location, const Layout& layout) {
    // "<tensor>[@<memory space>][@<layout>]": the suffixes mark copies outside the target's
    // memory space and layouts other than plain.
    EngineTensor tensor{t->name(), t->dtype(), t->dims(), {}, nullptr, layout, location};
    if (location != target_.memory_space()) tensor.name += "@" + std::string(to_string(location));
    if (!layout.is_plain()) tensor.name += "@" + layout.to_string();
    engine_.tensors.push_back(std::move(tensor));
    return static_cast<int>(engine_.tensors.size()) - 1;
  }

  EngineImpl& engine_;
  const Backend& target_;
  Logger& logger_;
  std::unordered_map<const Tensor*, std::vector<Version>> versions_;
  int reorders_ = 0;
  int transfers_ = 0;
};

struct Chosen {
  KernelPtr kernel;
  const Backend* backend = nullptr;
};

// The target's kernel for `layer`, else the first fallback's that has one.
Result<Chosen> choose_kernel(const Layer& layer, const Backend& target, const Lowering& lowering,
                             const LoweringOptions& options) {
  for (const Backend* backend = &target; backend != nullptr;
       backend = backend->fallback().empty() ? nullptr : find_backend(backend->fallback())) {
    std::vector<Layout> layouts;
    for (int j = 0; j < layer.num_inputs(); ++j) {
      const Tensor* input = layer.input(j);
      layouts.push_back(input ? lowering.layout_in(input, backend->memory_space()) : Layout());
    }
    INT8RT_ASSIGN_OR_RETURN(KernelPtr kernel,
                            backend->create_kernel({layer, layouts, options.allow_fp16}));
    if (kernel) return Chosen{std::move(kernel), backend};
  }
  return unsupported("layer \"", layer.name(), "\" (", to_string(layer.type()),
                     "): no kernel on backend \"", target.name(), "\" or its fallbacks");
}

}  // namespace

Result<std::shared_ptr<EngineImpl>> lower(const Network& network, const Backend& target,
                                          const LoweringOptions& options, Logger& logger) {
  auto engine = std::make_shared<EngineImpl>();
  engine->backend = &target;
  engine->options = options;
  engine->network = network.clone();
  Lowering lowering(*engine, target, logger);
  for (int i = 0; i < network.num_tensors(); ++i) {
    const Tensor* t = network.tensor(i);
    if (t->is_constant()) {
      lowering.add_constant(t);
    } else if (t->is_network_input()) {
      lowering.add_input(t);
    }
  }
  for (int i = 0; i < network.num_layers(); ++i) {
    const Layer& layer = *network.layer(i);
    for (int j = 0; j < layer.num_inputs(); ++j) {
      const Tensor* input = layer.input(j);
      if (input != nullptr && !lowering.is_known(input)) {
        return internal_error("layer \"", layer.name(), "\" reads tensor \"", input->name(),
                              "\" before any layer computes it");
      }
    }
    INT8RT_ASSIGN_OR_RETURN(Chosen chosen, choose_kernel(layer, target, lowering, options));
    const TensorLocation location = chosen.backend->memory_space();
    if (location != target.memory_space()) {
      log_warning(logger, "layer \"", layer.name(), "\" (", to_string(layer.type()), ") runs on ",
                  chosen.backend->name(), " (", to_string(location), "): backend \"", target.name(),
                  "\" has no kernel for it");
    }
    EngineStep step;
    step.layer_name = layer.name();
    step.op = layer.type();
    step.precision = step_precision(layer);
    step.kernel = std::move(chosen.kernel);
    step.backend = chosen.backend;
    for (int j = 0; j < layer.num_inputs(); ++j) {
      const Tensor* input = layer.input(j);
      int id = -1;
      if (input != nullptr && !(input->is_constant() && step.kernel->captures_input(j))) {
        INT8RT_ASSIGN_OR_RETURN(
            id, lowering.in(input, location, step.kernel->input_layout(j), layer.name()));
      }
      step.inputs.push_back(id);
    }
    for (int j = 0; j < layer.num_outputs(); ++j) {
      step.outputs.push_back(layer.output(j) ? lowering.add_produced(layer.output(j), location,
                                                                     step.kernel->output_layout(j))
                                             : -1);
    }
    log_verbose(logger, "layer \"", layer.name(), "\" (", to_string(layer.type()),
                "): ", step.kernel->name(), ", ", to_string(step.precision), ", output ",
                layer.output(0) ? layer.output(0)->dims().to_string() : "-", " ",
                describe_place(location, step.kernel->output_layout(0)));
    engine->steps.push_back(std::move(step));
  }
  for (int i = 0; i < network.num_inputs(); ++i) {
    const Tensor* t = network.input(i);
    INT8RT_ASSIGN_OR_RETURN(int id, lowering.in(t, target.memory_space(), Layout(), "input"));
    engine->input_ids.push_back(id);
    engine->inputs.push_back({t->name(), t->dtype(), t->dims()});
  }
  for (int i = 0; i < network.num_outputs(); ++i) {
    const Tensor* t = network.output(i);
    if (!lowering.is_known(t)) {
      return internal_error("network output \"", t->name(), "\" is computed by no layer");
    }
    INT8RT_ASSIGN_OR_RETURN(int id, lowering.in(t, target.memory_space(), Layout(), "output"));
    engine->output_ids.push_back(id);
    engine->outputs.push_back({t->name(), t->dtype(), t->dims()});
  }
  if (lowering.reorders() > 0) {
    log_info(logger, "inserted ", lowering.reorders(), " layout reorders");
  }
  if (lowering.transfers() > 0) {
    log_warning(logger, "inserted ", lowering.transfers(), " transfers between ",
                to_string(target.memory_space()), " and host memory");
  }
  for (const EngineStep& step : engine->steps) {
    bool seen = false;
    for (const Backend* b : engine->step_backends)
      seen |= b == step.backend;
    if (!seen) engine->step_backends.push_back(step.backend);
  }
  plan_memory(*engine);
  for (size_t l = 0; l < kNumLocations; ++l) {
    if (engine->arena_bytes[l] == 0 && engine->scratch_bytes[l] == 0) continue;
    log_verbose(logger, to_string(static_cast<TensorLocation>(l)),
                " activation arena: ", engine->arena_bytes[l], " bytes, scratch ",
                engine->scratch_bytes[l], " bytes");
  }
  return engine;
}

}  // namespace int8rt::detail
