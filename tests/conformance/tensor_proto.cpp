#include "conformance/tensor_proto.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstring>
#include <fstream>
#include <sstream>

namespace int8rt::conformance {
namespace {

using onnx::TensorProto;

size_t onnx_element_size(int onnx_dtype) {
  switch (onnx_dtype) {
    case TensorProto::BOOL:
    case TensorProto::INT8:
    case TensorProto::UINT8:
      return 1;
    case TensorProto::INT16:
    case TensorProto::UINT16:
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16:
      return 2;
    case TensorProto::INT32:
    case TensorProto::UINT32:
    case TensorProto::FLOAT:
      return 4;
    case TensorProto::INT64:
    case TensorProto::UINT64:
    case TensorProto::DOUBLE:
      return 8;
    default:
      return 0;
  }
}

bool onnx_is_floating(int onnx_dtype) {
  return onnx_dtype == TensorProto::FLOAT || onnx_dtype == TensorProto::DOUBLE ||
         onnx_dtype == TensorProto::FLOAT16 || onnx_dtype == TensorProto::BFLOAT16;
}

template <typename T>
T load_le(const char* p) {
  static_assert(std::endian::native == std::endian::little, "raw_data is little-endian");
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}

// One element of raw_data, widened to the HostTensor representation.
void append_raw(HostTensor& t, const char* p) {
  switch (t.onnx_dtype) {
    case TensorProto::FLOAT:
      t.reals.push_back(load_le<float>(p));
      break;
    case TensorProto::DOUBLE:
      t.reals.push_back(load_le<double>(p));
      break;
    case TensorProto::FLOAT16:
      t.reals.push_back(half_to_float(load_le<uint16_t>(p)));
      break;
    case TensorProto::BFLOAT16:
      t.reals.push_back(bfloat16_to_float(load_le<uint16_t>(p)));
      break;
    case TensorProto::BOOL:
      t.ints.push_back(load_le<uint8_t>(p) != 0 ? 1 : 0);
      break;
    case TensorProto::INT8:
      t.ints.push_back(load_le<int8_t>(p));
      break;
    case TensorProto::UINT8:
      t.ints.push_back(load_le<uint8_t>(p));
      break;
    case TensorProto::INT16:
      t.ints.push_back(load_le<int16_t>(p));
      break;
    case TensorProto::UINT16:
      t.ints.push_back(load_le<uint16_t>(p));
      break;
    case TensorProto::INT32:
      t.ints.push_back(load_le<int32_t>(p));
      break;
    case TensorProto::UINT32:
      t.ints.push_back(load_le<uint32_t>(p));
      break;
    case TensorProto::INT64:
      t.ints.push_back(load_le<int64_t>(p));
      break;
    case TensorProto::UINT64:
      t.ints.push_back(static_cast<int64_t>(load_le<uint64_t>(p)));
      break;
    default:
      break;
  }
}

// The typed field the ONNX spec assigns to the dtype (onnx.proto, TensorProto comments).
Status decode_typed(const TensorProto& proto, HostTensor& t) {
  switch (t.onnx_dtype) {
    case TensorProto::FLOAT:
      t.reals.assign(proto.float_data().begin(), proto.float_data().end());
      return Status::ok();
    case TensorProto::DOUBLE:
      t.reals.assign(proto.double_data().begin(), proto.double_data().end());
      return Status::ok();
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16:
      // int32_data holds the 16-bit patterns, one per entry.
      for (int32_t bits : proto.int32_data()) {
        const auto b = static_cast<uint16_t>(bits);
        t.reals.push_back(t.onnx_dtype == TensorProto::FLOAT16 ? half_to_float(b)
                                                               : bfloat16_to_float(b));
      }
      return Status::ok();
    case TensorProto::BOOL:
      for (int32_t v : proto.int32_data())
        t.ints.push_back(v != 0 ? 1 : 0);
      return Status::ok();
    case TensorProto::INT8:
    case TensorProto::UINT8:
    case TensorProto::INT16:
    case TensorProto::UINT16:
    case TensorProto::INT32:
      t.ints.assign(proto.int32_data().begin(), proto.int32_data().end());
      return Status::ok();
    case TensorProto::INT64:
      t.ints.assign(proto.int64_data().begin(), proto.int64_data().end());
      return Status::ok();
    case TensorProto::UINT32:
    case TensorProto::UINT64:
      for (uint64_t v : proto.uint64_data())
        t.ints.push_back(static_cast<int64_t>(v));
      return Status::ok();
    default:
      return unsupported("dtype ", onnx_dtype_name(t.onnx_dtype));
  }
}

template <typename T>
void encode_values(const HostTensor& t, std::vector<std::byte>& out) {
  const int64_t n = t.count();
  out.resize(static_cast<size_t>(n) * sizeof(T));
  T* dst = reinterpret_cast<T*>(out.data());
  for (int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<size_t>(i);
    if constexpr (std::is_same_v<T, bool>) {
      dst[k] = t.floating ? t.reals[k] != 0.0 : t.ints[k] != 0;
    } else {
      dst[k] = t.floating ? static_cast<T>(t.reals[k]) : static_cast<T>(t.ints[k]);
    }
  }
}

}  // namespace

int64_t HostTensor::count() const {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

std::string onnx_dtype_name(int onnx_dtype) {
  if (onnx_dtype == TensorProto::FLOAT) return "float32";
  if (!onnx::TensorProto_DataType_IsValid(onnx_dtype)) {
    return "dtype#" + std::to_string(onnx_dtype);
  }
  std::string name = TensorProto::DataType_Name(static_cast<TensorProto::DataType>(onnx_dtype));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

std::optional<DataType> to_int8rt_dtype(int onnx_dtype) {
  switch (onnx_dtype) {
    case TensorProto::FLOAT:
      return DataType::kFloat;
    case TensorProto::INT8:
      return DataType::kInt8;
    case TensorProto::UINT8:
      return DataType::kUInt8;
    case TensorProto::INT32:
      return DataType::kInt32;
    case TensorProto::INT64:
      return DataType::kInt64;
    case TensorProto::BOOL:
      return DataType::kBool;
    default:
      return std::nullopt;
  }
}

bool is_floating(DataType type) {
  return type == DataType::kFloat;
}

// IEEE binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits.
float half_to_float(uint16_t bits) {
  const uint32_t sign = (bits & 0x8000u) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1fu;
  uint32_t mantissa = bits & 0x3ffu;
  uint32_t out;
  if (exponent == 0x1f) {
    out = sign | 0x7f800000u | (mantissa << 13);  // inf / NaN (payload kept)
  } else if (exponent != 0) {
    out = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    out = sign;  // signed zero
  } else {
    // Subnormal: value = mantissa * 2^-24; normalize it into a float32.
    int e = -1;
    do {
      ++e;
      mantissa <<= 1;
    } while ((mantissa & 0x400u) == 0);
    out = sign | (static_cast<uint32_t>(127 - 15 - e) << 23) | ((mantissa & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(out);
}

// bfloat16 is the upper half of a float32.
float bfloat16_to_float(uint16_t bits) {
  return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
}

Result<HostTensor> decode_tensor(const onnx::TensorProto& proto) {
  HostTensor t;
  t.name = proto.name();
  t.onnx_dtype = proto.data_type();
  t.dims.assign(proto.dims().begin(), proto.dims().end());
  t.floating = onnx_is_floating(t.onnx_dtype);
  const std::string label = proto.name().empty() ? "tensor" : "tensor \"" + proto.name() + "\"";
  for (int64_t d : t.dims) {
    if (d < 0) return parse_error(label, ": negative extent ", d);
  }
  if (proto.data_location() == TensorProto::EXTERNAL) {
    return unsupported(label, ": external data");
  }
  if (proto.has_segment()) return unsupported(label, ": segmented tensor");
  const size_t elem = onnx_element_size(t.onnx_dtype);
  if (elem == 0) return unsupported(label, ": dtype ", onnx_dtype_name(t.onnx_dtype));

  const int64_t count = t.count();
  if (!proto.raw_data().empty()) {
    const std::string& raw = proto.raw_data();
    if (raw.size() != static_cast<size_t>(count) * elem) {
      return parse_error(label, ": raw_data has ", raw.size(), " bytes, expected ", count, " x ",
                         elem, " for dims ", Dims(t.dims).to_string());
    }
    if (t.floating) {
      t.reals.reserve(static_cast<size_t>(count));
    } else {
      t.ints.reserve(static_cast<size_t>(count));
    }
    for (int64_t i = 0; i < count; ++i)
      append_raw(t, raw.data() + static_cast<size_t>(i) * elem);
  } else {
    INT8RT_RETURN_IF_ERROR(decode_typed(proto, t));
  }
  const size_t got = t.floating ? t.reals.size() : t.ints.size();
  if (got != static_cast<size_t>(count)) {
    return parse_error(label, ": holds ", got, " values, expected ", count, " for dims ",
                       Dims(t.dims).to_string());
  }
  return t;
}

Result<HostTensor> read_tensor_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error(path, ": cannot open");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes.str())) return parse_error(path, ": not a TensorProto");
  Result<HostTensor> tensor = decode_tensor(proto);
  if (!tensor.is_ok()) return tensor.status().with_context(path);
  return tensor;
}

std::vector<std::byte> encode_as(const HostTensor& tensor, DataType type) {
  std::vector<std::byte> out;
  switch (type) {
    case DataType::kFloat:
      encode_values<float>(tensor, out);
      break;
    case DataType::kInt8:
      encode_values<int8_t>(tensor, out);
      break;
    case DataType::kUInt8:
      encode_values<uint8_t>(tensor, out);
      break;
    case DataType::kInt32:
      encode_values<int32_t>(tensor, out);
      break;
    case DataType::kInt64:
      encode_values<int64_t>(tensor, out);
      break;
    case DataType::kBool:
      encode_values<bool>(tensor, out);
      break;
  }
  return out;
}

}  // namespace int8rt::conformance
