#include <cinttypes>
#include <cstdio>
#include <optional>
#include <unordered_set>

#include "core/hash.h"
#include "ir/graph_editor.h"
#include "serialize/attrs_io.h"
#include "serialize/fields.h"
#include "serialize/plan.h"
#include "serialize/plan_records.h"

namespace int8rt::serialize {

namespace {

// Smallest encodings, for bounding counts before anything is allocated: a tensor record is at
// least name (4) + kind + dtype + rank (4) + range flag; a layer op (4) + name (4) + input count
// (4) + output count (4) + precision (2) + attrs size (4).
constexpr size_t kMinTensorRecord = 11;
constexpr size_t kMinLayerRecord = 22;

std::string hex(uint64_t value) {
  char text[19];
  std::snprintf(text, sizeof text, "0x%016" PRIx64, value);
  return text;
}

Status truncated(size_t size, std::string_view what) {
  return parse_error("truncated plan file (", size, " bytes): it ends inside the header's ", what);
}

// A header field; `size` is the whole file's, for messages.
template <typename T>
Status header_value(ByteReader& in, T& out, size_t size, std::string_view what) {
  if (in.remaining() < sizeof(T)) return truncated(size, what);
  return in.value(out, what);
}

Status header_string(ByteReader& in, std::string& out, size_t size, std::string_view what) {
  uint32_t length = 0;
  INT8RT_RETURN_IF_ERROR(header_value(in, length, size, what));
  if (length > kMaxHeaderString) {
    return parse_error("corrupted plan file: the header's ", what, " is ", length,
                       " bytes long (at most ", kMaxHeaderString, ")");
  }
  if (in.remaining() < length) return truncated(size, what);
  std::string_view raw;
  INT8RT_RETURN_IF_ERROR(in.bytes(length, raw, what));
  out.assign(raw);
  return Status::ok();
}

struct TensorRecord {
  std::string name;
  TensorKind kind = TensorKind::kComputed;
  DataType dtype = DataType::kFloat;
  Dims dims;
  std::optional<std::pair<float, float>> range;
  std::vector<std::string> dim_names;
  Weights constant;
};

Status read_tensor(ByteReader& in, uint32_t index, TensorRecord& t) {
  const std::string what = detail::concat("tensor ", index);
  INT8RT_RETURN_IF_ERROR(in.string(t.name, kMaxNameBytes, what + " name"));
  const std::string named = detail::concat(what, " (\"", t.name, "\")");
  INT8RT_RETURN_IF_ERROR(read_enum(in, t.kind, TensorKind::kComputed, named + " kind"));
  INT8RT_RETURN_IF_ERROR(read_dtype(in, t.dtype, named + " dtype"));
  INT8RT_RETURN_IF_ERROR(read_dims(in, t.dims, /*allow_dynamic=*/false, named + " shape"));
  bool has_range = false;
  INT8RT_RETURN_IF_ERROR(read_bool(in, has_range, named + " range flag"));
  if (has_range) {
    float min = 0.0f, max = 0.0f;
    INT8RT_RETURN_IF_ERROR(in.value(min, named + " range"));
    INT8RT_RETURN_IF_ERROR(in.value(max, named + " range"));
    t.range.emplace(min, max);
  }
  if (t.kind == TensorKind::kInput) {
    uint32_t count = 0;
    INT8RT_RETURN_IF_ERROR(in.count(count, 4, named + " dim names"));
    if (count != 0 && count != static_cast<uint32_t>(t.dims.rank())) {
      return in.error(named + " dim names",
                      detail::concat(count, " names for rank ", t.dims.rank()));
    }
    t.dim_names.resize(count);
    for (std::string& name : t.dim_names)
      INT8RT_RETURN_IF_ERROR(in.string(name, kMaxNameBytes, named + " dim names"));
  } else if (t.kind == TensorKind::kConstant) {
    const size_t at = in.offset();
    INT8RT_RETURN_IF_ERROR(read_weights(in, t.constant, named + " data"));
    if (t.constant.dtype() != t.dtype || t.constant.dims() != t.dims) {
      return ByteReader::error_at(at, named + " data",
                                  detail::concat("the data is ", to_string(t.constant.dtype()), " ",
                                                 t.constant.dims().to_string(), ", the tensor ",
                                                 to_string(t.dtype), " ", t.dims.to_string()));
    }
  }
  return Status::ok();
}

Status wrap(const Status& status, std::string_view where) {
  return parse_error("malformed plan: ", where, ": ", status.message());
}

Status apply_range(Tensor& tensor, const TensorRecord& record) {
  tensor.set_dtype(record.dtype);
  tensor.set_dims(record.dims);
  if (!record.range) return Status::ok();
  Status status = tensor.set_dynamic_range(record.range->first, record.range->second);
  return status.is_ok() ? status : wrap(status, "tensor \"" + record.name + "\" range");
}

// Reads a tensor index (int32; -1 = absent when `allow_absent`) below `count`.
Status read_index(ByteReader& in, size_t count, bool allow_absent, int32_t& index,
                  std::string_view what) {
  INT8RT_RETURN_IF_ERROR(in.value(index, what));
  if ((index == -1 && allow_absent) || (index >= 0 && static_cast<size_t>(index) < count)) {
    return Status::ok();
  }
  return ByteReader::error_at(
      in.offset() - sizeof index, what,
      detail::concat("tensor index ", index, " is not in [0, ", count, ")"));
}

class NetworkReader {
 public:
  NetworkReader(ByteReader& in, Network& net) : in_(in), net_(net), editor_(net) {}

  Status read() {
    std::string name;
    INT8RT_RETURN_IF_ERROR(in_.string(name, kMaxNameBytes, "network name"));
    net_.set_name(std::move(name));
    uint32_t count = 0;
    INT8RT_RETURN_IF_ERROR(in_.count(count, kMinTensorRecord, "tensor count"));
    records_.resize(count);
    tensors_.assign(count, nullptr);
    for (uint32_t i = 0; i < count; ++i) {
      INT8RT_RETURN_IF_ERROR(read_tensor(in_, i, records_[i]));
      record_names_.insert(records_[i].name);
    }
    INT8RT_RETURN_IF_ERROR(read_inputs());
    for (uint32_t i = 0; i < count; ++i) {
      const TensorRecord& r = records_[i];
      if (r.kind != TensorKind::kConstant) continue;
      auto tensor = net_.add_constant(r.name, r.constant);
      if (!tensor.is_ok()) return wrap(tensor.status(), detail::concat("tensor ", i));
      tensors_[i] = *tensor;
      INT8RT_RETURN_IF_ERROR(apply_range(**tensor, r));
    }
    INT8RT_RETURN_IF_ERROR(in_.count(count, kMinLayerRecord, "layer count"));
    for (uint32_t i = 0; i < count; ++i)
      INT8RT_RETURN_IF_ERROR(read_layer(i));
    for (size_t i = 0; i < records_.size(); ++i) {
      if (tensors_[i] == nullptr) {
        return parse_error("malformed plan: tensor ", i, " (\"", records_[i].name,
                           "\") is computed by no layer");
      }
    }
    INT8RT_RETURN_IF_ERROR(in_.count(count, 4, "output count"));
    for (uint32_t i = 0; i < count; ++i) {
      int32_t index = 0;
      INT8RT_RETURN_IF_ERROR(read_index(in_, records_.size(), false, index, "network output"));
      INT8RT_RETURN_IF_ERROR(net_.mark_output(tensors_[static_cast<size_t>(index)]));
    }
    if (!in_.at_end()) {
      return in_.error("end of payload", detail::concat(in_.remaining(), " unread bytes"));
    }
    return Status::ok();
  }

 private:
  Status read_inputs() {
    uint32_t count = 0;
    INT8RT_RETURN_IF_ERROR(in_.count(count, 4, "input count"));
    for (uint32_t i = 0; i < count; ++i) {
      int32_t index = 0;
      INT8RT_RETURN_IF_ERROR(read_index(in_, records_.size(), false, index, "network input"));
      const TensorRecord& r = records_[static_cast<size_t>(index)];
      if (r.kind != TensorKind::kInput || tensors_[static_cast<size_t>(index)] != nullptr) {
        return in_.error("network input",
                         "tensor \"" + r.name + "\" is not an input record, or is listed twice");
      }
      auto tensor = net_.add_input(r.name, r.dtype, r.dims, r.dim_names);
      if (!tensor.is_ok()) return wrap(tensor.status(), detail::concat("input ", i));
      tensors_[static_cast<size_t>(index)] = *tensor;
      INT8RT_RETURN_IF_ERROR(apply_range(**tensor, r));
    }
    for (size_t i = 0; i < records_.size(); ++i) {
      if (records_[i].kind == TensorKind::kInput && tensors_[i] == nullptr) {
        return in_.error("network inputs",
                         "input tensor \"" + records_[i].name + "\" is not in the input list");
      }
    }
    return Status::ok();
  }

  Status read_layer(uint32_t index) {
    const std::string what = detail::concat("layer ", index);
    std::string op_name, name;
    INT8RT_RETURN_IF_ERROR(in_.string(op_name, kMaxNameBytes, what + " op"));
    INT8RT_RETURN_IF_ERROR(in_.string(name, kMaxNameBytes, what + " name"));
    const std::string named = detail::concat(what, " (", op_name, " \"", name, "\")");
    std::optional<OpType> type = op_type_from_string(op_name);
    if (!type) {
      return parse_error("malformed plan: ", named, ": op \"", op_name, "\" is unknown to int8rt ",
                         kLibraryVersion);
    }
    uint32_t count = 0;
    INT8RT_RETURN_IF_ERROR(in_.count(count, 4, named + " inputs"));
    std::vector<Tensor*> inputs;
    for (uint32_t j = 0; j < count; ++j) {
      int32_t id = 0;
      INT8RT_RETURN_IF_ERROR(read_index(in_, records_.size(), true, id, named + " input"));
      Tensor* t = id < 0 ? nullptr : tensors_[static_cast<size_t>(id)];
      if (id >= 0 && t == nullptr) {
        return parse_error("malformed plan: ", named, " reads tensor \"",
                           records_[static_cast<size_t>(id)].name,
                           "\" before any layer computes it");
      }
      inputs.push_back(t);
    }
    INT8RT_RETURN_IF_ERROR(in_.count(count, 4, named + " outputs"));
    std::vector<int32_t> outputs(count);
    std::vector<std::string> output_names;
    for (int32_t& id : outputs) {
      INT8RT_RETURN_IF_ERROR(read_index(in_, records_.size(), true, id, named + " output"));
      if (id < 0) {
        output_names.push_back(placeholder_name(name));
        continue;
      }
      const TensorRecord& r = records_[static_cast<size_t>(id)];
      if (r.kind != TensorKind::kComputed || tensors_[static_cast<size_t>(id)] != nullptr) {
        return parse_error("malformed plan: ", named, " writes tensor \"", r.name,
                           "\", which is an input, a constant or another layer's output");
      }
      output_names.push_back(r.name);
    }
    bool has_precision = false;
    DataType precision = DataType::kFloat;
    INT8RT_RETURN_IF_ERROR(read_bool(in_, has_precision, named + " precision"));
    INT8RT_RETURN_IF_ERROR(read_dtype(in_, precision, named + " precision"));
    uint32_t attrs_size = 0;
    std::string_view attrs_bytes;
    INT8RT_RETURN_IF_ERROR(in_.value(attrs_size, named + " attributes"));
    const size_t attrs_offset = in_.offset();
    INT8RT_RETURN_IF_ERROR(in_.bytes(attrs_size, attrs_bytes, named + " attributes"));
    ByteReader attrs_in(attrs_bytes, attrs_offset);
    Attrs attrs;
    INT8RT_RETURN_IF_ERROR(read_attrs(attrs_in, *type, attrs, named + " attributes"));
    if (!attrs_in.at_end()) {
      return attrs_in.error(named + " attributes",
                            detail::concat(attrs_in.remaining(), " bytes left unread"));
    }

    auto layer = net_.add_layer(*type, name, std::move(inputs), std::move(attrs), output_names);
    if (!layer.is_ok()) return wrap(layer.status(), named);
    if (has_precision) (*layer)->set_precision(precision);
    for (size_t j = 0; j < outputs.size(); ++j) {
      Tensor* t = (*layer)->output(static_cast<int>(j));
      if (outputs[j] < 0) {
        // An absent output: the slot is emptied by detaching the placeholder tensor.
        editor_.make_constant(t, Weights::zeros(DataType::kFloat, Dims{}));
        continue;
      }
      tensors_[static_cast<size_t>(outputs[j])] = t;
      INT8RT_RETURN_IF_ERROR(apply_range(*t, records_[static_cast<size_t>(outputs[j])]));
    }
    return Status::ok();
  }

  // A tensor name used by no record and no tensor so far.
  std::string placeholder_name(const std::string& layer) {
    std::string name = layer + ".absent";
    while (record_names_.count(name) != 0 || net_.find_tensor(name) != nullptr)
      name += "_";
    record_names_.insert(name);
    return name;
  }

  ByteReader& in_;
  Network& net_;
  ir::GraphEditor editor_;
  std::vector<TensorRecord> records_;
  std::vector<Tensor*> tensors_;  // per record, once created
  std::unordered_set<std::string> record_names_;
};

}  // namespace

Result<PlanHeader> read_plan_header(std::string_view bytes) {
  const size_t size = bytes.size();
  if (size < kMagic.size() || bytes.substr(0, kMagic.size()) != kMagic) {
    if (size < kMagic.size() && kMagic.substr(0, size) == bytes) {
      return parse_error("truncated plan file (", size, " bytes): it ends inside the magic \"",
                         kMagic, "\"");
    }
    return parse_error("not an int8rt plan file: it does not start with \"", kMagic, "\"");
  }
  PlanHeader header;
  ByteReader in(bytes.substr(kMagic.size()), kMagic.size());
  INT8RT_RETURN_IF_ERROR(header_value(in, header.format_version, size, "format version"));
  if (header.format_version > kFormatVersion) {
    return unsupported("plan made by a newer int8rt: format ", header.format_version,
                       ", this int8rt (", kLibraryVersion, ") reads up to ", kFormatVersion);
  }
  if (header.format_version == 0) {
    return parse_error("corrupted plan file: format version 0 does not exist");
  }
  INT8RT_RETURN_IF_ERROR(header_string(in, header.library_version, size, "int8rt version"));
  INT8RT_RETURN_IF_ERROR(header_string(in, header.backend, size, "backend name"));
  if (header.format_version >= 2) {
    INT8RT_RETURN_IF_ERROR(header_string(in, header.target, size, "target"));
    INT8RT_RETURN_IF_ERROR(header_value(in, header.flags, size, "flags"));
  }
  INT8RT_RETURN_IF_ERROR(header_value(in, header.payload_size, size, "payload size"));
  const size_t checksum_offset = in.offset();
  INT8RT_RETURN_IF_ERROR(header_value(in, header.checksum, size, "checksum"));
  header.payload_offset = in.offset();
  if (header.payload_size > in.remaining()) {
    return parse_error("truncated plan file (", size, " bytes): the payload should be ",
                       header.payload_size, " bytes, ", in.remaining(), " follow the header");
  }
  if (header.payload_size < in.remaining()) {
    return parse_error("corrupted plan file: ", in.remaining() - header.payload_size,
                       " unexpected bytes after the ", header.payload_size, "-byte payload");
  }
  Fnv1a checksum;
  checksum.add(bytes.data(), checksum_offset);
  checksum.add(bytes.data() + header.payload_offset, header.payload_size);
  if (checksum.value() != header.checksum) {
    return parse_error("corrupted plan file: checksum mismatch (stored ", hex(header.checksum),
                       ", computed ", hex(checksum.value()), ")");
  }
  return header;
}

Result<Plan> read_plan(std::string_view bytes) {
  Plan plan;
  INT8RT_ASSIGN_OR_RETURN(plan.header, read_plan_header(bytes));
  plan.network = std::make_unique<Network>();
  ByteReader in(bytes.substr(plan.header.payload_offset), plan.header.payload_offset);
  NetworkReader reader(in, *plan.network);
  INT8RT_RETURN_IF_ERROR(reader.read());
  return plan;
}

}  // namespace int8rt::serialize
