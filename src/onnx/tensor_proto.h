// Conversions from ONNX protobuf messages (TensorProto, TypeProto, data type codes) to int8rt
// types.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "int8rt/status.h"
#include "int8rt/types.h"

namespace int8rt::onnx_import {

// The TensorProto.DataType name of an element type code ("FLOAT", "DOUBLE", ...), or "code N".
std::string onnx_dtype_name(int32_t elem_type);

// The int8rt element type of an ONNX element type code; nullopt for the ones int8rt lacks
// (DOUBLE, BFLOAT16, STRING, INT16, ...). FLOAT16 is widened to float: initializers, graph inputs
// and Cast targets of that type become float32 (every FP16 value is exact in FP32), which the
// importer says in its log.
std::optional<DataType> to_data_type(int32_t elem_type);

// "float, float16 (read as float), int8, ...": for messages about unsupported types.
std::string_view supported_dtype_names();

// The float32 value of an IEEE binary16 bit pattern (exact; NaN payloads kept).
float half_to_float(uint16_t bits);

// The value of a TensorProto. `what` names it in messages (`initializer "conv1.weight"`).
// Reads raw_data (little-endian) or the typed fields (float_data; int32_data for int8, uint8,
// int32, bool and float16 bit patterns; int64_data). FLOAT16 values are widened to float32.
// External and segmented data are unsupported.
Result<Weights> weights_from_proto(const onnx::TensorProto& proto, std::string_view what);

}  // namespace int8rt::onnx_import
