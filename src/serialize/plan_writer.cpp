#include <unordered_map>

#include "core/hash.h"
#include "serialize/attrs_io.h"
#include "serialize/fields.h"
#include "serialize/plan.h"
#include "serialize/plan_records.h"

namespace int8rt::serialize {

namespace {

// The attribute struct ops.inc gives `type`, as its index in the Attrs variant.
size_t attrs_index(OpType type) {
  switch (type) {
#define INT8RT_OP(name, attrs_type) \
  case OpType::k##name:             \
    return Attrs(attrs_type{}).index();
#include "int8rt/ops.inc"
#undef INT8RT_OP
  }
  return 0;
}

void write_tensor(ByteWriter& out, const Tensor& t, TensorKind kind) {
  out.string(t.name());
  write_enum(out, kind);
  write_dtype(out, t.dtype());
  write_dims(out, t.dims());
  write_bool(out, t.dynamic_range_is_set());
  if (t.dynamic_range_is_set()) {
    out.value(t.dynamic_range_min());
    out.value(t.dynamic_range_max());
  }
  if (kind == TensorKind::kInput) {
    out.value(static_cast<uint32_t>(t.dim_names().size()));
    for (const std::string& name : t.dim_names())
      out.string(name);
  } else if (kind == TensorKind::kConstant) {
    write_weights(out, t.constant_value());
  }
}

}  // namespace

Result<std::string> write_plan(const Network& network, std::string_view backend,
                               std::string_view target, uint32_t flags) {
  // Tensors: the inputs, the constants (in network order), then each layer's outputs in layer
  // order: the order a reader creates them in, so that a loaded engine serializes to the same
  // bytes. A tensor that is none of those (no producer) is read by no layer of a valid graph.
  ByteWriter payload;
  payload.string(network.name());
  std::unordered_map<const Tensor*, uint32_t> index;
  std::vector<std::pair<const Tensor*, TensorKind>> tensors;
  auto add = [&](const Tensor* t, TensorKind kind) {
    if (t == nullptr || index.count(t) != 0) return;
    index[t] = static_cast<uint32_t>(tensors.size());
    tensors.emplace_back(t, kind);
  };
  for (int i = 0; i < network.num_inputs(); ++i)
    add(network.input(i), TensorKind::kInput);
  for (int i = 0; i < network.num_tensors(); ++i) {
    const Tensor* t = network.tensor(i);
    if (t->is_constant() && !t->is_network_input()) add(t, TensorKind::kConstant);
  }
  for (int i = 0; i < network.num_layers(); ++i) {
    const Layer& layer = *network.layer(i);
    for (int j = 0; j < layer.num_outputs(); ++j) {
      const Tensor* t = layer.output(j);
      if (t != nullptr && index.count(t) != 0) {
        return internal_error(to_string(layer.type()), " \"", layer.name(), "\": output \"",
                              t->name(), "\" is also an input, a constant or another output");
      }
      add(t, TensorKind::kComputed);
    }
  }
  payload.value(static_cast<uint32_t>(tensors.size()));
  for (const auto& [t, kind] : tensors)
    write_tensor(payload, *t, kind);

  payload.value(static_cast<uint32_t>(network.num_inputs()));
  for (int i = 0; i < network.num_inputs(); ++i)
    payload.value(index.at(network.input(i)));

  payload.value(static_cast<uint32_t>(network.num_layers()));
  for (int i = 0; i < network.num_layers(); ++i) {
    const Layer& layer = *network.layer(i);
    if (layer.attrs().index() != attrs_index(layer.type())) {
      return internal_error(to_string(layer.type()), " \"", layer.name(),
                            "\": its attributes are not the struct ops.inc gives the op");
    }
    payload.string(to_string(layer.type()));
    payload.string(layer.name());
    payload.value(static_cast<uint32_t>(layer.num_inputs()));
    for (int j = 0; j < layer.num_inputs(); ++j) {
      const Tensor* t = layer.input(j);
      auto it = t ? index.find(t) : index.end();
      if (t != nullptr && it == index.end()) {
        return internal_error(to_string(layer.type()), " \"", layer.name(), "\": input \"",
                              t->name(), "\" is neither an input, a constant nor computed");
      }
      payload.value(t ? static_cast<int32_t>(it->second) : int32_t{-1});
    }
    payload.value(static_cast<uint32_t>(layer.num_outputs()));
    for (int j = 0; j < layer.num_outputs(); ++j) {
      const Tensor* t = layer.output(j);
      payload.value(t ? static_cast<int32_t>(index.at(t)) : int32_t{-1});
    }
    write_bool(payload, layer.precision_is_set());
    write_dtype(payload, layer.precision());
    ByteWriter attrs;
    write_attrs(attrs, layer.attrs());
    payload.value(static_cast<uint32_t>(attrs.size()));
    payload.bytes(attrs.buffer().data(), attrs.size());
  }

  payload.value(static_cast<uint32_t>(network.num_outputs()));
  for (int i = 0; i < network.num_outputs(); ++i) {
    auto it = index.find(network.output(i));
    if (it == index.end()) {
      return internal_error("network output \"", network.output(i)->name(),
                            "\" is neither an input, a constant nor computed");
    }
    payload.value(it->second);
  }

  ByteWriter file;
  file.bytes(kMagic.data(), kMagic.size());
  file.value(kFormatVersion);
  file.string(kLibraryVersion);
  file.string(backend);
  file.string(target);
  file.value(flags);
  file.value(static_cast<uint64_t>(payload.size()));
  Fnv1a checksum;
  checksum.add(file.buffer().data(), file.size());
  checksum.add(payload.buffer().data(), payload.size());
  file.value(checksum.value());
  file.bytes(payload.buffer().data(), payload.size());
  return std::move(file.buffer());
}

}  // namespace int8rt::serialize
