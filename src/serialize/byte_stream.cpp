#include "serialize/byte_stream.h"

namespace int8rt::serialize {

Status ByteReader::error(std::string_view what, std::string_view detail) const {
  return error_at(offset(), what, detail);
}

Status ByteReader::error_at(size_t offset, std::string_view what, std::string_view detail) {
  return parse_error("malformed plan: ", what, " at byte ", offset, ": ", detail);
}

Status ByteReader::bytes(size_t size, std::string_view& out, std::string_view what) {
  if (size > remaining()) {
    return error(what, detail::concat("needs ", size, " bytes, ", remaining(), " left"));
  }
  out = bytes_.substr(pos_, size);
  pos_ += size;
  return Status::ok();
}

Status ByteReader::string(std::string& out, size_t max_size, std::string_view what) {
  uint32_t size = 0;
  INT8RT_RETURN_IF_ERROR(value(size, what));
  if (size > max_size) {
    return error(what, detail::concat("length ", size, " exceeds the limit of ", max_size));
  }
  std::string_view raw;
  INT8RT_RETURN_IF_ERROR(bytes(size, raw, what));
  out.assign(raw);
  return Status::ok();
}

Status ByteReader::count(uint32_t& out, size_t min_item_bytes, std::string_view what) {
  INT8RT_RETURN_IF_ERROR(value(out, what));
  if (min_item_bytes > 0 && out > remaining() / min_item_bytes) {
    return error(what, detail::concat(out, " items of at least ", min_item_bytes,
                                      " bytes can't fit in the ", remaining(), " bytes left"));
  }
  return Status::ok();
}

}  // namespace int8rt::serialize
