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
// (DOUBLE, FLOAT16, BFLOAT16, STRING, INT16, ...).
std::optional<DataType> to_data_type(int32_t elem_type);

// "float, int8, uint8, int32, int64, bool": for messages about unsupported types.
std::string_view supported_dtype_names();

// The value of a TensorProto. `what` names it in messages (`initializer "conv1.weight"`).
// Reads raw_data (little-endian) or the typed fields (float_data; int32_data for int8, uint8,
// int32 and bool; int64_data). External and segmented data are unsupported.
Result<Weights> weights_from_proto(const onnx::TensorProto& proto, std::string_view what);

}  // namespace int8rt::onnx_import
