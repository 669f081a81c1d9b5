// Whole-file reads and atomic writes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "int8rt/status.h"

namespace int8rt {

// What read_file takes at most from a stream (a pipe, a device): enough for any plan or cache,
// and an error, not a hang, for an endless one such as /dev/zero.
inline constexpr size_t kMaxStreamBytes = size_t{256} << 20;

// The file's bytes; not_found / io_error / invalid_argument naming the path otherwise. A regular
// file is read whole; a named pipe or a character device up to `max_stream_bytes` (more is an
// error); anything else (a directory, a socket) is refused.
Result<std::string> read_file(const std::string& path, size_t max_stream_bytes = kMaxStreamBytes);

// write_file_atomic is public: include/int8rt/data.h.
Status write_file_atomic(const std::string& path, std::string_view bytes);

}  // namespace int8rt
