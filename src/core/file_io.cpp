#include "core/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace int8rt {

Result<std::string> read_file(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return not_found(path, ": no such file");
    return io_error(path, ": ", std::strerror(errno));
  }
  if (S_ISDIR(info.st_mode)) return invalid_argument(path, ": is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error(path, ": cannot open for reading: ", std::strerror(errno));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return io_error(path, ": read failed");
  return std::move(content).str();
}

Status write_file_atomic(const std::string& path, std::string_view bytes) {
  // A unique temporary beside the target (same file system, so the rename is atomic).
  std::string temp = path + ".tmp.XXXXXX";
  int fd = ::mkstemp(temp.data());
  if (fd < 0) return io_error(path, ": cannot write: ", std::strerror(errno));
  ::fchmod(fd, 0644);
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string reason = std::strerror(errno);
      ::close(fd);
      ::unlink(temp.c_str());
      return io_error(path, ": write failed: ", reason);
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    std::string reason = std::strerror(errno);
    ::unlink(temp.c_str());
    return io_error(path, ": write failed: ", reason);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    std::string reason = std::strerror(errno);
    ::unlink(temp.c_str());
    return io_error(path, ": cannot replace the file: ", reason);
  }
  return Status::ok();
}

}  // namespace int8rt
