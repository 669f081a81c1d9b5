#include "core/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace int8rt {
namespace {

// What a stat() result is, for messages.
const char* file_kind(mode_t mode) {
  if (S_ISREG(mode)) return "regular file";
  if (S_ISDIR(mode)) return "directory";
  if (S_ISCHR(mode)) return "character device";
  if (S_ISBLK(mode)) return "block device";
  if (S_ISFIFO(mode)) return "named pipe";
  if (S_ISSOCK(mode)) return "socket";
  return "special file";
}

std::string errno_text() {
  return std::strerror(errno);
}

// Closes a descriptor when it goes out of scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now; false (errno set) when the close reports a deferred write error.
  bool close() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

Status write_all(int fd, std::string_view bytes, const std::string& path) {
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error(path, ": write failed: ", errno_text());
    }
    written += static_cast<size_t>(n);
  }
  return Status::ok();
}

// The path a chain of symbolic links ends at (which need not exist yet): writing through a link
// replaces the file it names and keeps the link.
Result<std::string> follow_links(const std::string& path) {
  std::string current = path;
  for (int hops = 0; hops < 40; ++hops) {  // the kernel's own limit (ELOOP)
    struct stat info {};
    if (::lstat(current.c_str(), &info) != 0 || !S_ISLNK(info.st_mode)) return current;
    std::string target(4096, '\0');
    const ssize_t n = ::readlink(current.c_str(), target.data(), target.size());
    if (n < 0) return io_error(path, ": cannot read the symbolic link: ", errno_text());
    target.resize(static_cast<size_t>(n));
    if (target.empty()) return io_error(path, ": the symbolic link is empty");
    if (target[0] != '/') {
      const size_t slash = current.rfind('/');
      if (slash != std::string::npos) target = current.substr(0, slash + 1) + target;
    }
    current = std::move(target);
  }
  return io_error(path, ": too many levels of symbolic links");
}

// The directory a file of `path` goes in ("." for a bare name).
std::string directory_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// A character device or a named pipe (/dev/null, /dev/stdout, a FIFO a reader waits on) takes the
// bytes as a stream: nothing is created, renamed or truncated.
Status write_through(const std::string& path, const std::string& target, bool pipe,
                     std::string_view bytes) {
  // A pipe with no reader would block the open forever: open it without blocking to find out.
  FileDescriptor fd(
      ::open(target.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY | (pipe ? O_NONBLOCK : 0)));
  if (fd.get() < 0) {
    if (pipe && errno == ENXIO) return io_error(path, ": nothing reads the named pipe");
    return io_error(path, ": cannot open for writing: ", errno_text());
  }
  if (pipe) {
    const int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0)
      return io_error(path, ": ", errno_text());
  }
  INT8RT_RETURN_IF_ERROR(write_all(fd.get(), bytes, path));
  if (!fd.close()) return io_error(path, ": write failed: ", errno_text());
  return Status::ok();
}

// A name for a temporary beside the target that no other writer (thread or process) uses.
std::string temporary_name(const std::string& target) {
  static std::atomic<unsigned> counter{0};
  return target + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
}

// Fills `fd` with the bytes, with the permission bits of the file it replaces (a new file keeps
// the 0666-minus-umask that open() gave it), and flushes it to the disk.
Status fill(int fd, std::string_view bytes, const std::string& path, const struct stat* replaced) {
  if (replaced != nullptr && ::fchmod(fd, replaced->st_mode & 07777) != 0)
    return io_error(path, ": cannot keep the file's mode: ", errno_text());
  INT8RT_RETURN_IF_ERROR(write_all(fd, bytes, path));
  if (::fsync(fd) != 0) return io_error(path, ": write failed: ", errno_text());
  return Status::ok();
}

// The file's bytes written to an unnamed file in the target's directory (O_TMPFILE), given a
// name only once complete, then renamed over the target: a process killed while writing leaves
// nothing behind. Returns false (and writes nothing) where the file system has no O_TMPFILE.
Result<bool> replace_through_unnamed_file(const std::string& path, const std::string& target,
                                          std::string_view bytes, const struct stat* replaced) {
#ifdef O_TMPFILE
  FileDescriptor fd(::open(directory_of(target).c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666));
  if (fd.get() < 0) {
    if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL) return false;
    return io_error(path, ": cannot write: ", errno_text());
  }
  INT8RT_RETURN_IF_ERROR(fill(fd.get(), bytes, path, replaced));
  const std::string temp = temporary_name(target);
  const std::string self = "/proc/self/fd/" + std::to_string(fd.get());
  if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, temp.c_str(), AT_SYMLINK_FOLLOW) != 0) {
    if (errno == ENOENT || errno == EPERM) return false;  // no /proc: use a named temporary
    return io_error(path, ": cannot write: ", errno_text());
  }
  if (!fd.close() || std::rename(temp.c_str(), target.c_str()) != 0) {
    const std::string reason = errno_text();
    ::unlink(temp.c_str());
    return io_error(path, ": cannot replace the file: ", reason);
  }
  return true;
#else
  (void)path, (void)target, (void)bytes, (void)replaced;
  return false;
#endif
}

Status replace_through_named_file(const std::string& path, const std::string& target,
                                  std::string_view bytes, const struct stat* replaced) {
  std::string temp;
  int raw = -1;
  for (int attempt = 0; attempt < 100 && raw < 0; ++attempt) {
    temp = temporary_name(target);
    raw = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (raw < 0 && errno != EEXIST) return io_error(path, ": cannot write: ", errno_text());
  }
  if (raw < 0) return io_error(path, ": cannot write: no free temporary name beside it");
  FileDescriptor fd(raw);
  Status filled = fill(fd.get(), bytes, path, replaced);
  if (filled.is_ok() && !fd.close()) filled = io_error(path, ": write failed: ", errno_text());
  if (filled.is_ok() && std::rename(temp.c_str(), target.c_str()) != 0)
    filled = io_error(path, ": cannot replace the file: ", errno_text());
  if (!filled.is_ok()) ::unlink(temp.c_str());
  return filled;
}

}  // namespace

Result<std::string> read_file(const std::string& path, size_t max_stream_bytes) {
  if (path.empty()) return invalid_argument("cannot read a file at an empty path");
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    if (errno == ENOENT) return not_found(path, ": no such file");
    return io_error(path, ": cannot open for reading: ", errno_text());
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return io_error(path, ": ", errno_text());
  const bool regular = S_ISREG(info.st_mode);
  if (!regular && !S_ISCHR(info.st_mode) && !S_ISFIFO(info.st_mode))
    return invalid_argument(path, ": is a ", file_kind(info.st_mode), ", expected a file");
  // A regular file is read to its size; a stream (a pipe, /dev/stdin, a device) up to a bound, so
  // that an endless one (/dev/zero) is an error rather than a hang.
  const size_t limit = regular ? static_cast<size_t>(info.st_size) : max_stream_bytes;
  std::string content;
  content.resize(regular ? limit : std::min<size_t>(limit, 1 << 16));
  size_t size = 0;
  for (;;) {
    if (size == content.size()) {
      if (size >= limit) {
        if (regular) break;  // a file that grows while read: what it held at the open
        char probe = 0;
        const ssize_t more = ::read(fd.get(), &probe, 1);
        if (more == 0) break;
        return invalid_argument(path, ": the ", file_kind(info.st_mode), " gives more than ", limit,
                                " bytes (int8rt reads at most that from a stream)");
      }
      content.resize(std::min(limit, std::max<size_t>(content.size() * 2, 1 << 16)));
    }
    const ssize_t n = ::read(fd.get(), content.data() + size, content.size() - size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error(path, ": read failed: ", errno_text());
    }
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  content.resize(size);
  return content;
}

Status write_file_atomic(const std::string& path, std::string_view bytes) {
  if (path.empty()) return invalid_argument("cannot write a file at an empty path");
  INT8RT_ASSIGN_OR_RETURN(std::string target, follow_links(path));
  struct stat info {};
  const bool exists = ::stat(target.c_str(), &info) == 0;
  if (!exists && errno != ENOENT) return io_error(path, ": ", errno_text());
  if (exists && (S_ISCHR(info.st_mode) || S_ISFIFO(info.st_mode)))
    return write_through(path, target, S_ISFIFO(info.st_mode), bytes);
  if (exists && !S_ISREG(info.st_mode)) {
    return invalid_argument(path, ": is a ", file_kind(info.st_mode),
                            "; int8rt writes regular files, character devices and named pipes");
  }
  const struct stat* replaced = exists ? &info : nullptr;
  INT8RT_ASSIGN_OR_RETURN(bool done, replace_through_unnamed_file(path, target, bytes, replaced));
  if (done) return Status::ok();
  return replace_through_named_file(path, target, bytes, replaced);
}

}  // namespace int8rt
