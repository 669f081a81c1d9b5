// Plan-file encoding of layer attributes (include/int8rt/attrs.h), field by field.
//
// The attribute struct is not tagged in the file: the op type decides it (ops.inc), so a reader
// starts from that struct's defaults and reads its fields in declaration order. Adding a field to
// a struct changes the format: bump kFormatVersion and read the old layout for older versions.
#pragma once

#include "int8rt/network.h"
#include "serialize/byte_stream.h"

namespace int8rt::serialize {

void write_attrs(ByteWriter& out, const Attrs& attrs);

// The attributes of an op of `type`; `what` names the layer in errors.
Status read_attrs(ByteReader& in, OpType type, Attrs& attrs, std::string_view what);

}  // namespace int8rt::serialize
