#include "data/gzip_file.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace int8rt {

Result<std::string> read_maybe_gzip_file(const std::string& path) {
  // gzopen opens directories and reports little about missing files: stat first.
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return not_found(path, ": no such file");
    return io_error(path, ": ", std::strerror(errno));
  }
  if (S_ISDIR(info.st_mode)) return invalid_argument(path, ": is a directory, expected a file");
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) return io_error(path, ": cannot open for reading: ", std::strerror(errno));
  std::string bytes;
  char chunk[1 << 16];
  for (;;) {
    const int n = gzread(file, chunk, sizeof(chunk));
    if (n < 0) {
      int code = 0;
      std::string message = gzerror(file, &code);
      gzclose(file);
      return parse_error(path, ": corrupt gzip data (", message, ")");
    }
    if (n == 0) break;
    bytes.append(chunk, static_cast<size_t>(n));
  }
  // gzread returns what it has at a cut-short stream; gzerror then reports Z_BUF_ERROR.
  int code = Z_OK;
  std::string message = gzerror(file, &code);
  gzclose(file);
  if (code != Z_OK) return parse_error(path, ": truncated or corrupt gzip data (", message, ")");
  return bytes;
}

}  // namespace int8rt
