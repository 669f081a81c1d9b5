// Little-endian binary writing and bounds-checked reading for plan files (docs/engine-format.md).
//
// Integers and floats are stored as their little-endian bytes (floats bit for bit, so a value
// reads back identical, NaN payloads included); strings as a uint32 byte count, then the bytes.
// The reader never reads past its end and reports where it stopped: every error names the field
// and its byte offset in the file.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "int8rt/status.h"

namespace int8rt::serialize {

static_assert(std::endian::native == std::endian::little,
              "plan files are little-endian; a big-endian host needs byte swaps here");

class ByteWriter {
 public:
  template <typename T>
  void value(T v) {
    static_assert(std::is_arithmetic_v<T> || std::is_enum_v<T>);
    bytes(&v, sizeof v);
  }
  void string(std::string_view text) {
    value(static_cast<uint32_t>(text.size()));
    bytes(text.data(), text.size());
  }
  void bytes(const void* data, size_t size) { out_.append(static_cast<const char*>(data), size); }
  size_t size() const { return out_.size(); }
  std::string& buffer() { return out_; }

 private:
  std::string out_;
};

class ByteReader {
 public:
  // `base` is the offset of bytes[0] in the file, for messages.
  explicit ByteReader(std::string_view bytes, size_t base = 0) : bytes_(bytes), base_(base) {}

  size_t offset() const { return base_ + pos_; }  // in the file
  size_t remaining() const { return bytes_.size() - pos_; }
  bool at_end() const { return pos_ == bytes_.size(); }

  template <typename T>
  Status value(T& out, std::string_view what) {
    static_assert(std::is_arithmetic_v<T>);
    std::string_view raw;
    INT8RT_RETURN_IF_ERROR(bytes(sizeof(T), raw, what));
    std::memcpy(&out, raw.data(), sizeof(T));
    return Status::ok();
  }

  // A string of at most `max_size` bytes.
  Status string(std::string& out, size_t max_size, std::string_view what);

  // `size` bytes, viewed in place.
  Status bytes(size_t size, std::string_view& out, std::string_view what);

  // A uint32 count of items, each taking at least `min_item_bytes` in the file: refused when the
  // rest of the data can't hold that many, so that no reader allocates for a forged count.
  Status count(uint32_t& out, size_t min_item_bytes, std::string_view what);

  // "malformed plan: <what> at byte <offset>: <detail>", at the current offset or at `offset`.
  Status error(std::string_view what, std::string_view detail) const;
  static Status error_at(size_t offset, std::string_view what, std::string_view detail);

 private:
  std::string_view bytes_;
  size_t base_ = 0;
  size_t pos_ = 0;
};

}  // namespace int8rt::serialize
