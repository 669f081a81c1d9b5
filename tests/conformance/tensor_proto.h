// Decoding ONNX TensorProto test data (input_*.pb, output_*.pb) into values the runner can feed to
// an engine and compare against its outputs.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "int8rt/status.h"
#include "int8rt/types.h"

namespace int8rt::conformance {

// A decoded tensor. Values of every floating dtype (float, double, float16, bfloat16) are held as
// doubles, which represent all of them exactly; integer and bool values as int64 (uint64 values
// above INT64_MAX wrap, int8rt has no uint64).
struct HostTensor {
  std::string name;
  int onnx_dtype = 0;  // onnx::TensorProto_DataType
  std::vector<int64_t> dims;
  bool floating = false;
  std::vector<double> reals;  // when floating
  std::vector<int64_t> ints;  // otherwise

  int64_t count() const;
};

// "float32", "float16", "double", "int64", ...: ONNX's name for the dtype, lower case, with FLOAT
// spelled as int8rt spells it.
std::string onnx_dtype_name(int onnx_dtype);
// The int8rt dtype of an ONNX dtype, or nullopt when int8rt has none (float16, double, string...).
std::optional<DataType> to_int8rt_dtype(int onnx_dtype);
bool is_floating(DataType type);

// Decodes a TensorProto, from raw_data (little-endian, as ONNX specifies) or from the typed field
// that the ONNX spec assigns to its dtype (float_data, int32_data for int8/16, uint8/16, bool and
// the 16-bit float bit patterns, int64_data, double_data, uint64_data for uint32/64).
// kUnsupported for string, complex and externally stored data; kParseError when the element count
// does not match the dims.
Result<HostTensor> decode_tensor(const onnx::TensorProto& proto);
// Reads and decodes a serialized TensorProto file.
Result<HostTensor> read_tensor_file(const std::string& path);

// Converts the values to dense row-major bytes of `type` (C casts: the caller checks the dtypes
// make sense).
std::vector<std::byte> encode_as(const HostTensor& tensor, DataType type);

// Half and bfloat16 bit patterns to float (exact, including subnormals, inf and NaN).
float half_to_float(uint16_t bits);
float bfloat16_to_float(uint16_t bits);

}  // namespace int8rt::conformance
