// Where the data of a .npy file is and how it is typed, for reading samples without loading the
// whole file.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "int8rt/status.h"
#include "int8rt/types.h"

namespace int8rt {

struct NpyLayout {
  DataType dtype = DataType::kFloat;
  bool swap_bytes = false;  // stored in the other byte order than the host's
  Dims dims;
  size_t data_offset = 0;  // bytes before the data
  size_t data_bytes = 0;   // dims.volume() * element_size(dtype)
};

// Parses the magic, version and header of a .npy file whose first `size` bytes (at least through
// the header) are at `data`. Errors name `source`.
Result<NpyLayout> parse_npy_layout(const void* data, size_t size, std::string_view source);

// The layout of the .npy file at `path`, reading only its header; the file's size must be exactly
// data_offset + data_bytes.
Result<NpyLayout> read_npy_layout(const std::string& path);

}  // namespace int8rt
