#include "onnx/tensor_proto.h"

#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace int8rt::onnx_import {

std::string onnx_dtype_name(int32_t elem_type) {
  if (onnx::TensorProto_DataType_IsValid(elem_type)) {
    return onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(elem_type));
  }
  return "code " + std::to_string(elem_type);
}

std::optional<DataType> to_data_type(int32_t elem_type) {
  switch (elem_type) {
    case onnx::TensorProto::FLOAT:
    case onnx::TensorProto::FLOAT16:  // widened: every FP16 value is exact in FP32
      return DataType::kFloat;
    case onnx::TensorProto::INT8:
      return DataType::kInt8;
    case onnx::TensorProto::UINT8:
      return DataType::kUInt8;
    case onnx::TensorProto::INT32:
      return DataType::kInt32;
    case onnx::TensorProto::INT64:
      return DataType::kInt64;
    case onnx::TensorProto::BOOL:
      return DataType::kBool;
    default:
      return std::nullopt;
  }
}

std::string_view supported_dtype_names() {
  return "float, float16 (read as float), int8, uint8, int32, int64, bool";
}

float half_to_float(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1fu;
  uint32_t mantissa = bits & 0x3ffu;
  uint32_t out = 0;
  if (exponent == 0x1f) {  // infinity or NaN (the payload kept)
    out = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {  // normal: rebias 15 -> 127
    out = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa != 0) {  // subnormal: normalize
    int shift = 0;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      ++shift;
    }
    out = sign | (static_cast<uint32_t>(113 - shift) << 23) | ((mantissa & 0x3ffu) << 13);
  } else {
    out = sign;  // signed zero
  }
  float value = 0.0f;
  std::memcpy(&value, &out, sizeof value);
  return value;
}

namespace {

// FLOAT16 values (raw_data: 2 bytes each, little-endian; int32_data: one bit pattern per value)
// widened to float32.
Result<Weights> widen_half(const onnx::TensorProto& proto, Dims dims, int64_t count,
                           std::string_view what) {
  std::vector<uint16_t> bits(static_cast<size_t>(count));
  if (proto.has_raw_data()) {
    const std::string& raw = proto.raw_data();
    if (raw.size() != static_cast<size_t>(count) * 2) {
      return parse_error(what, ": raw_data holds ", raw.size(), " bytes, expected ", count * 2,
                         " for FLOAT16 shape ", dims.to_string());
    }
    for (size_t i = 0; i < bits.size(); ++i) {
      bits[i] = static_cast<uint16_t>(static_cast<uint8_t>(raw[2 * i]) |
                                      static_cast<uint8_t>(raw[2 * i + 1]) << 8);
    }
  } else {
    if (proto.int32_data_size() != count) {
      return parse_error(what, ": int32_data holds ", proto.int32_data_size(), " values, expected ",
                         count, " for FLOAT16 shape ", dims.to_string());
    }
    for (size_t i = 0; i < bits.size(); ++i)
      bits[i] = static_cast<uint16_t>(proto.int32_data(static_cast<int>(i)));
  }
  std::vector<float> values(bits.size());
  for (size_t i = 0; i < bits.size(); ++i)
    values[i] = half_to_float(bits[i]);
  return Weights::from_vector(DataType::kFloat, std::move(dims), values);
}

// Copies `values` (a repeated typed field) into `out`, narrowing each one to T.
template <typename T, typename Repeated>
void copy_narrowed(const Repeated& values, Weights& out) {
  T* dst = static_cast<T*>(out.mutable_data());
  for (int i = 0; i < values.size(); ++i)
    dst[i] = static_cast<T>(values.Get(i));
}

}  // namespace

Result<Weights> weights_from_proto(const onnx::TensorProto& proto, std::string_view what) {
  if (proto.data_location() == onnx::TensorProto::EXTERNAL || proto.external_data_size() > 0) {
    return unsupported(what,
                       ": external data (values stored outside the model file) is not "
                       "supported; save the model with its tensors inside");
  }
  if (proto.has_segment()) return unsupported(what, ": segmented tensors are not supported");
  std::optional<DataType> type = to_data_type(proto.data_type());
  if (!type) {
    return unsupported(what, ": data type ", onnx_dtype_name(proto.data_type()),
                       " is not supported (supported: ", supported_dtype_names(), ")");
  }

  // Element counts past 2^40 cannot be real data in a protobuf (2 GiB at most).
  constexpr int64_t kMaxCount = int64_t{1} << 40;
  std::vector<int64_t> extents;
  int64_t count = 1;
  for (int64_t extent : proto.dims()) {
    if (extent < 0) return parse_error(what, ": negative dimension ", extent);
    if (extent != 0 && count > kMaxCount / extent) {
      return parse_error(what, ": shape is too large to hold data");
    }
    count *= extent;
    extents.push_back(extent);
  }
  Dims dims(std::move(extents));
  if (proto.data_type() == onnx::TensorProto::FLOAT16) {
    return widen_half(proto, std::move(dims), count, what);
  }
  const size_t bytes = static_cast<size_t>(count) * element_size(*type);

  if (proto.has_raw_data()) {
    const std::string& raw = proto.raw_data();
    if (raw.size() != bytes) {
      return parse_error(what, ": raw_data holds ", raw.size(), " bytes, expected ", bytes, " for ",
                         onnx_dtype_name(proto.data_type()), " shape ", dims.to_string());
    }
    return Weights(*type, std::move(dims), raw.data());
  }

  // Check the value count before allocating: the dims alone may ask for terabytes.
  std::string_view field = "int32_data";  // the narrow types travel one value per int32
  int stored = proto.int32_data_size();
  if (*type == DataType::kFloat) {
    field = "float_data";
    stored = proto.float_data_size();
  } else if (*type == DataType::kInt64) {
    field = "int64_data";
    stored = proto.int64_data_size();
  }
  if (stored != count) {
    return parse_error(what, ": ", field, " holds ", stored, " values, expected ", count, " for ",
                       onnx_dtype_name(proto.data_type()), " shape ", dims.to_string());
  }
  Weights weights = Weights::zeros(*type, dims);
  if (count == 0) return weights;
  switch (*type) {
    case DataType::kFloat:
      std::memcpy(weights.mutable_data(), proto.float_data().data(), bytes);
      break;
    case DataType::kInt64:
      std::memcpy(weights.mutable_data(), proto.int64_data().data(), bytes);
      break;
    case DataType::kInt32:
      copy_narrowed<int32_t>(proto.int32_data(), weights);
      break;
    case DataType::kInt8:
      copy_narrowed<int8_t>(proto.int32_data(), weights);
      break;
    case DataType::kUInt8:
      copy_narrowed<uint8_t>(proto.int32_data(), weights);
      break;
    case DataType::kBool: {
      uint8_t* dst = static_cast<uint8_t*>(weights.mutable_data());
      for (int i = 0; i < proto.int32_data_size(); ++i)
        dst[i] = proto.int32_data(i) != 0 ? 1 : 0;
      break;
    }
  }
  return weights;
}

}  // namespace int8rt::onnx_import
