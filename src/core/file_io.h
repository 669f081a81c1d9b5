// Whole-file reads and atomic writes.
#pragma once

#include <string>
#include <string_view>

#include "int8rt/status.h"

namespace int8rt {

// The file's bytes; not_found / io_error naming the path otherwise.
Result<std::string> read_file(const std::string& path);

// write_file_atomic is public: include/int8rt/data.h.
Status write_file_atomic(const std::string& path, std::string_view bytes);

}  // namespace int8rt
