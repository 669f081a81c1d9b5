// NumPy .npy files.
//
// Layout (numpy.lib.format): "\x93NUMPY", major, minor, header length (uint16 LE for version 1.0,
// uint32 LE for 2.0 and 3.0), then the header, an ASCII (3.0: UTF-8) Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and ended by '\n', then the raw array bytes.
#include <algorithm>
#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/file_io.h"
#include "data/npy_layout.h"
#include "data/text_cursor.h"
#include "int8rt/data.h"

namespace int8rt {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

struct Descr {
  DataType dtype;
  bool swap_bytes;
};

// '<f4', '|u1', '>i8', ...: byte order, kind, item size.
std::optional<Descr> parse_descr(std::string_view descr) {
  if (descr.size() < 3) return std::nullopt;
  char order = descr[0];
  std::string_view type = descr.substr(1);
  DataType dtype;
  if (type == "f4") {
    dtype = DataType::kFloat;
  } else if (type == "i8") {
    dtype = DataType::kInt64;
  } else if (type == "i4") {
    dtype = DataType::kInt32;
  } else if (type == "u1") {
    dtype = DataType::kUInt8;
  } else if (type == "i1") {
    dtype = DataType::kInt8;
  } else if (type == "b1") {
    dtype = DataType::kBool;
  } else {
    return std::nullopt;
  }
  constexpr bool kHostLittle = std::endian::native == std::endian::little;
  bool little;
  if (order == '<') {
    little = true;
  } else if (order == '>') {
    little = false;
  } else if (order == '|' || order == '=') {
    little = kHostLittle;
  } else {
    return std::nullopt;
  }
  return Descr{dtype, element_size(dtype) > 1 && little != kHostLittle};
}

std::string descr_for(DataType dtype) {
  const char order = std::endian::native == std::endian::little ? '<' : '>';
  switch (dtype) {
    case DataType::kFloat:
      return std::string(1, order) + "f4";
    case DataType::kInt64:
      return std::string(1, order) + "i8";
    case DataType::kInt32:
      return std::string(1, order) + "i4";
    case DataType::kUInt8:
      return "|u1";
    case DataType::kInt8:
      return "|i1";
    case DataType::kBool:
      return "|b1";
  }
  return "";
}

// A cursor over the header dict. Only the literal forms numpy writes are accepted: strings in
// single or double quotes, True/False, and tuples of integers.
class HeaderReader : public TextCursor {
 public:
  using TextCursor::TextCursor;

  std::optional<std::string> string() {
    skip_space();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) return std::nullopt;
    char quote = text_[pos_++];
    size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) return std::nullopt;
    std::string value(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return value;
  }
  std::optional<bool> boolean() {
    skip_space();
    for (auto [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      size_t n = std::strlen(word);
      if (text_.substr(pos_, n) == word) {
        pos_ += n;
        return value;
      }
    }
    return std::nullopt;
  }
  std::optional<int64_t> integer() {
    skip_space();
    size_t start = pos_;
    int64_t value = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      if (value > (int64_t{1} << 50)) return std::nullopt;
      value = value * 10 + (text_[pos_++] - '0');
    }
    if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;  // Python 2 longs
    if (pos_ == start) return std::nullopt;
    return value;
  }
  std::optional<std::vector<int64_t>> tuple() {
    if (!consume('(')) return std::nullopt;
    std::vector<int64_t> values;
    while (!consume(')')) {
      auto value = integer();
      if (!value) return std::nullopt;
      values.push_back(*value);
      if (!consume(',') && !peek(')')) return std::nullopt;
    }
    return values;
  }
};

struct Header {
  Descr descr{};
  std::string descr_text;
  bool fortran_order = false;
  std::vector<int64_t> shape;
};

Result<Header> parse_header(std::string_view text, std::string_view source) {
  auto malformed = [&](std::string_view what) {
    return parse_error(source, ": malformed .npy header (", what, "): ", text);
  };
  HeaderReader reader(text);
  Header header;
  bool has_descr = false, has_order = false, has_shape = false;
  if (!reader.consume('{')) return malformed("expected '{'");
  while (!reader.consume('}')) {
    auto key = reader.string();
    if (!key || !reader.consume(':')) return malformed("expected 'key': value");
    if (*key == "descr") {
      auto descr = reader.string();
      if (!descr) {
        return unsupported(source, ": structured .npy dtypes are not supported (header ", text,
                           ")");
      }
      auto parsed = parse_descr(*descr);
      if (!parsed) {
        return unsupported(source, ": .npy dtype '", *descr,
                           "' is not supported (supported: float32, int64, int32, uint8, int8, "
                           "bool)");
      }
      header.descr = *parsed;
      header.descr_text = *descr;
      has_descr = true;
    } else if (*key == "fortran_order") {
      auto value = reader.boolean();
      if (!value) return malformed("fortran_order is not True or False");
      header.fortran_order = *value;
      has_order = true;
    } else if (*key == "shape") {
      auto shape = reader.tuple();
      if (!shape) return malformed("shape is not a tuple of integers");
      header.shape = std::move(*shape);
      has_shape = true;
    } else {
      return malformed("unknown key '" + *key + "'");
    }
    if (!reader.consume(',') && !reader.peek('}')) return malformed("expected ',' or '}'");
  }
  if (!has_descr || !has_order || !has_shape) {
    return malformed("it needs the keys 'descr', 'fortran_order' and 'shape'");
  }
  return header;
}

uint32_t read_le(const unsigned char* p, int bytes) {
  uint32_t value = 0;
  for (int i = bytes - 1; i >= 0; --i)
    value = (value << 8) | p[i];
  return value;
}

}  // namespace

Result<NpyLayout> parse_npy_layout(const void* data, size_t size, std::string_view source) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  if (size < kMagicSize + 2 || std::memcmp(bytes, kMagic, kMagicSize) != 0) {
    return parse_error(source, ": not a .npy file (it does not start with \"\\x93NUMPY\")");
  }
  const int major = bytes[6];
  const int minor = bytes[7];
  int length_bytes;
  if (major == 1) {
    length_bytes = 2;
  } else if (major == 2 || major == 3) {
    length_bytes = 4;
  } else {
    return unsupported(source, ": .npy format version ", major, ".", minor,
                       " is not supported (1.0, 2.0, 3.0 are)");
  }
  const size_t prefix = kMagicSize + 2 + static_cast<size_t>(length_bytes);
  if (size < prefix) return parse_error(source, ": truncated .npy file (header length cut off)");
  const size_t header_size = read_le(bytes + kMagicSize + 2, length_bytes);
  if (size - prefix < header_size) {
    return parse_error(source, ": truncated .npy file: the header says it is ", header_size,
                       " bytes, only ", size - prefix, " follow");
  }
  std::string_view header_text(reinterpret_cast<const char*>(bytes + prefix), header_size);
  INT8RT_ASSIGN_OR_RETURN(Header header, parse_header(header_text, source));
  if (header.fortran_order) {
    return unsupported(source, ": .npy arrays in Fortran order are not supported; save a C-order ",
                       "array (numpy.ascontiguousarray)");
  }
  NpyLayout layout;
  layout.dims = Dims(header.shape);
  layout.dtype = header.descr.dtype;
  layout.swap_bytes = header.descr.swap_bytes;
  layout.data_offset = prefix + header_size;
  // Bounded as every tensor is (Dims::kMaxVolume), so the array can be allocated and every
  // sub-shape of it measured, an empty array's included.
  auto volume = layout.dims.checked_volume();
  if (!volume.is_ok()) {
    return parse_error(source, ": .npy shape ", layout.dims.to_string(), " is too large (",
                       volume.status().message(), ")");
  }
  layout.data_bytes = static_cast<size_t>(*volume) * element_size(layout.dtype);
  return layout;
}

Status check_npy_data_size(const NpyLayout& layout, size_t available, std::string_view source) {
  if (available < layout.data_bytes) {
    return parse_error(source, ": truncated .npy file: shape ", layout.dims.to_string(), " of ",
                       to_string(layout.dtype), " needs ", layout.data_bytes,
                       " bytes of data, the file has ", available);
  }
  if (available > layout.data_bytes) {
    return parse_error(source, ": .npy file has ", available - layout.data_bytes,
                       " bytes after the data of shape ", layout.dims.to_string(), " (",
                       to_string(layout.dtype), ")");
  }
  return Status::ok();
}

Result<NpyLayout> read_npy_layout(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::error_code error;
  const auto file_size = static_cast<size_t>(std::filesystem::file_size(path, error));
  if (!file || error) return not_found(path, ": cannot open the .npy file");
  // The 12-byte prefix holds the header length; numpy keeps headers far below 1 MiB.
  std::string bytes(std::min<size_t>(file_size, 12), '\0');
  file.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t length_bytes = bytes.size() > 6 && p[6] == 1 ? 2 : 4;
  if (bytes.size() >= kMagicSize + 2 + length_bytes) {
    const size_t header_end =
        kMagicSize + 2 + length_bytes + read_le(p + 8, static_cast<int>(length_bytes));
    if (header_end <= file_size && header_end < (size_t{1} << 20)) {
      bytes.resize(header_end);
      file.seekg(0);
      file.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
  }
  if (!file) return io_error(path, ": cannot read the .npy header");
  INT8RT_ASSIGN_OR_RETURN(NpyLayout layout, parse_npy_layout(bytes.data(), bytes.size(), path));
  INT8RT_RETURN_IF_ERROR(check_npy_data_size(layout, file_size - layout.data_offset, path));
  return layout;
}

Result<Weights> parse_npy(const void* data, size_t size, std::string_view source) {
  INT8RT_ASSIGN_OR_RETURN(NpyLayout layout, parse_npy_layout(data, size, source));
  INT8RT_RETURN_IF_ERROR(check_npy_data_size(layout, size - layout.data_offset, source));
  const auto* bytes = static_cast<const unsigned char*>(data);
  const DataType dtype = layout.dtype;
  const size_t item = element_size(dtype);
  const size_t expected = layout.data_bytes;
  Weights array = Weights::zeros(dtype, layout.dims);
  auto* out = static_cast<unsigned char*>(array.mutable_data());
  if (expected > 0) std::memcpy(out, bytes + layout.data_offset, expected);
  if (layout.swap_bytes) {
    for (size_t i = 0; i < expected; i += item)
      std::reverse(out + i, out + i + item);
  }
  if (dtype == DataType::kBool) {
    for (size_t i = 0; i < expected; ++i) {
      if (out[i] > 1) {
        return parse_error(source, ": bool .npy element ", i, " has byte value ",
                           static_cast<int>(out[i]), ", expected 0 or 1");
      }
    }
  }
  return array;
}

Result<Weights> read_npy(const std::string& path) {
  INT8RT_ASSIGN_OR_RETURN(std::string bytes, read_file(path));
  return parse_npy(bytes.data(), bytes.size(), path);
}

std::string encode_npy(DataType dtype, const Dims& dims, const void* data) {
  std::ostringstream dict;
  dict << "{'descr': '" << descr_for(dtype) << "', 'fortran_order': False, 'shape': (";
  for (int axis = 0; axis < dims.rank(); ++axis) {
    dict << dims[axis] << (dims.rank() == 1 ? "," : axis + 1 < dims.rank() ? ", " : "");
  }
  dict << "), }";
  std::string header = dict.str();
  // Pad with spaces and end with '\n' so that magic + version + length + header is a multiple
  // of 64 bytes; versions 2.0+ only when the 2-byte length cannot hold the header.
  int length_bytes = 2;
  size_t total = kMagicSize + 2 + 2 + header.size() + 1;
  if ((total + 63) / 64 * 64 - (kMagicSize + 4) > 0xFFFF) {
    length_bytes = 4;
    total = kMagicSize + 2 + 4 + header.size() + 1;
  }
  const size_t padded = (total + 63) / 64 * 64;
  header.append(padded - total, ' ');
  header.push_back('\n');

  std::string out(kMagic, kMagicSize);
  out.push_back(static_cast<char>(length_bytes == 2 ? 1 : 2));
  out.push_back(0);
  const auto header_size = static_cast<uint32_t>(header.size());
  for (int i = 0; i < length_bytes; ++i) {
    out.push_back(static_cast<char>((header_size >> (8 * i)) & 0xFF));
  }
  out += header;
  const size_t data_bytes = static_cast<size_t>(dims.volume()) * element_size(dtype);
  if (data_bytes > 0) out.append(static_cast<const char*>(data), data_bytes);
  return out;
}

Status write_npy(const std::string& path, DataType dtype, const Dims& dims, const void* data) {
  if (!dims.is_static()) {
    return invalid_argument(path, ": cannot write an array of dynamic shape ", dims.to_string());
  }
  return write_file_atomic(path, encode_npy(dtype, dims, data));
}

}  // namespace int8rt
