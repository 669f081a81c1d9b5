// Plan-file encodings of the values the payload is made of: dtypes, shapes, integer lists,
// constant data (docs/engine-format.md, "Value encodings"). Every read_* checks what it reads
// (enum values in range, extents not negative, byte counts that match the shape) and names the
// field at fault.
#pragma once

#include <string_view>
#include <vector>

#include "int8rt/types.h"
#include "serialize/byte_stream.h"

namespace int8rt::serialize {

inline constexpr int kMaxRank = 64;
inline constexpr size_t kMaxNameBytes = size_t{1} << 20;

void write_dtype(ByteWriter& out, DataType type);
Status read_dtype(ByteReader& in, DataType& type, std::string_view what);

// uint32 rank, then one int64 per axis. Extents are >= 0, or Dims::kDynamic when `allow_dynamic`.
void write_dims(ByteWriter& out, const Dims& dims);
Status read_dims(ByteReader& in, Dims& dims, bool allow_dynamic, std::string_view what);

// uint32 count, then int64 values.
void write_ints(ByteWriter& out, const std::vector<int64_t>& values);
Status read_ints(ByteReader& in, std::vector<int64_t>& values, std::string_view what);

// uint8 0/1.
void write_bool(ByteWriter& out, bool value);
Status read_bool(ByteReader& in, bool& value, std::string_view what);

// A uint8 enum value, checked to be at most `max`.
template <typename E>
void write_enum(ByteWriter& out, E value) {
  out.value(static_cast<uint8_t>(value));
}
template <typename E>
Status read_enum(ByteReader& in, E& value, E max, std::string_view what) {
  uint8_t raw = 0;
  INT8RT_RETURN_IF_ERROR(in.value(raw, what));
  if (raw > static_cast<uint8_t>(max)) {
    return ByteReader::error_at(in.offset() - 1, what,
                                detail::concat("value ", int{raw}, " is out of range (at most ",
                                               int{static_cast<uint8_t>(max)}, ")"));
  }
  value = static_cast<E>(raw);
  return Status::ok();
}

// dtype, dims (static), uint64 byte count, the bytes (dense, row-major, little-endian).
void write_weights(ByteWriter& out, const Weights& weights);
Status read_weights(ByteReader& in, Weights& weights, std::string_view what);

}  // namespace int8rt::serialize
