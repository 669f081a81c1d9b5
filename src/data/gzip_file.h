// Reading gzip-compressed (or plain) data files.
#pragma once

#include <string>

#include "int8rt/status.h"

namespace int8rt {

// The decompressed bytes of a gzip file, or the bytes of a plain one (zlib reads both). A missing
// file is kNotFound; a corrupt or cut-short gzip stream is kParseError naming the file.
Result<std::string> read_maybe_gzip_file(const std::string& path);

}  // namespace int8rt
