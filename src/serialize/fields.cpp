#include "serialize/fields.h"

#include <limits>

namespace int8rt::serialize {

void write_dtype(ByteWriter& out, DataType type) {
  write_enum(out, type);
}

Status read_dtype(ByteReader& in, DataType& type, std::string_view what) {
  return read_enum(in, type, DataType::kBool, what);
}

void write_dims(ByteWriter& out, const Dims& dims) {
  write_ints(out, dims.extents());
}

Status read_dims(ByteReader& in, Dims& dims, bool allow_dynamic, std::string_view what) {
  const size_t at = in.offset();
  std::vector<int64_t> extents;
  INT8RT_RETURN_IF_ERROR(read_ints(in, extents, what));
  if (extents.size() > static_cast<size_t>(kMaxRank)) {
    return ByteReader::error_at(at, what,
                                detail::concat("rank ", extents.size(), " exceeds ", kMaxRank));
  }
  for (int64_t extent : extents) {
    if (extent < 0 && !(allow_dynamic && extent == Dims::kDynamic)) {
      return ByteReader::error_at(at, what, detail::concat("extent ", extent, " is negative"));
    }
  }
  dims = Dims(std::move(extents));
  return Status::ok();
}

void write_ints(ByteWriter& out, const std::vector<int64_t>& values) {
  out.value(static_cast<uint32_t>(values.size()));
  for (int64_t v : values)
    out.value(v);
}

Status read_ints(ByteReader& in, std::vector<int64_t>& values, std::string_view what) {
  uint32_t count = 0;
  INT8RT_RETURN_IF_ERROR(in.count(count, sizeof(int64_t), what));
  values.resize(count);
  for (int64_t& v : values)
    INT8RT_RETURN_IF_ERROR(in.value(v, what));
  return Status::ok();
}

void write_bool(ByteWriter& out, bool value) {
  out.value(static_cast<uint8_t>(value ? 1 : 0));
}

Status read_bool(ByteReader& in, bool& value, std::string_view what) {
  uint8_t raw = 0;
  INT8RT_RETURN_IF_ERROR(in.value(raw, what));
  if (raw > 1) {
    return ByteReader::error_at(in.offset() - 1, what,
                                detail::concat("boolean is ", int{raw}, ", expected 0 or 1"));
  }
  value = raw == 1;
  return Status::ok();
}

void write_weights(ByteWriter& out, const Weights& weights) {
  write_dtype(out, weights.dtype());
  write_dims(out, weights.dims());
  out.value(static_cast<uint64_t>(weights.byte_size()));
  out.bytes(weights.data(), weights.byte_size());
}

Status read_weights(ByteReader& in, Weights& weights, std::string_view what) {
  DataType type = DataType::kFloat;
  Dims dims;
  INT8RT_RETURN_IF_ERROR(read_dtype(in, type, what));
  INT8RT_RETURN_IF_ERROR(read_dims(in, dims, /*allow_dynamic=*/false, what));
  // The volume is bounded by the bytes present before anything is allocated.
  const size_t at = in.offset();
  uint64_t size = 0;
  INT8RT_RETURN_IF_ERROR(in.value(size, what));
  auto volume = dims.checked_volume();
  if (!volume.is_ok()) return in.error(what, volume.status().message());
  const uint64_t expected = static_cast<uint64_t>(*volume) * element_size(type);
  if (size != expected) {
    return ByteReader::error_at(at, what,
                                detail::concat("holds ", size, " bytes, shape ", dims.to_string(),
                                               " of ", to_string(type), " needs ", expected));
  }
  std::string_view raw;
  INT8RT_RETURN_IF_ERROR(in.bytes(static_cast<size_t>(size), raw, what));
  weights = Weights(type, std::move(dims), raw.data());
  return Status::ok();
}

}  // namespace int8rt::serialize
