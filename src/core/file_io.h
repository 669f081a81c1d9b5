// Whole-file reads and atomic writes.
#pragma once

#include <string>
#include <string_view>

#include "int8rt/status.h"

namespace int8rt {

// The file's bytes; not_found / io_error naming the path otherwise.
Result<std::string> read_file(const std::string& path);

// Writes `bytes` to a temporary file beside `path`, flushes it, then renames it over `path`: a
// reader sees the old file or the new one, never a half-written one.
Status write_file_atomic(const std::string& path, std::string_view bytes);

}  // namespace int8rt
