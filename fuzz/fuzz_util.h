// Shared by the fuzz targets (fuzz/*_fuzzer.cpp): bytes as text, and a scratch file for readers
// that take a path.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "int8rt/engine.h"
#include "int8rt/logger.h"
#include "int8rt/status.h"

namespace int8rt::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The bytes in a file of the given name inside a fresh directory, removed at scope exit.
class ScratchFile {
 public:
  ScratchFile(const uint8_t* data, size_t size, const std::string& name) {
    char pattern[] = "/tmp/int8rt_fuzz_XXXXXX";
    if (::mkdtemp(pattern) == nullptr) std::abort();
    directory_ = pattern;
    path_ = directory_ + "/" + name;
    FILE* file = std::fopen(path_.c_str(), "wb");
    if (file == nullptr) std::abort();
    if (size > 0 && std::fwrite(data, 1, size, file) != size) std::abort();
    std::fclose(file);
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  ~ScratchFile() {
    ::unlink(path_.c_str());
    ::rmdir(directory_.c_str());
  }
  const std::string& path() const { return path_; }
  const std::string& directory() const { return directory_; }

 private:
  std::string directory_, path_;
};

// Stops the fuzzer with a message: a property of the reader was violated.
[[noreturn]] inline void violated(const char* what) {
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}

// A failed read must say why: true when `status` is ok, false when it failed with a message.
inline bool succeeded(const Status& status) {
  if (!status.is_ok() && status.message().empty()) violated("an error without a message");
  return status.is_ok();
}

// Drops every message: the targets check statuses, not logs.
class QuietLogger : public Logger {
 public:
  void log(Severity, std::string_view) noexcept override {}
};

// Runs `engine` once on zero-filled inputs (its status ignored: only crashes, leaks and undefined
// behaviour count). Engines with an input or output past a few million elements are skipped: they
// make every run slow without exploring more code.
inline void run_once_on_zeros(const Engine& engine) {
  constexpr int64_t kMaxElements = int64_t{1} << 22;
  std::vector<std::vector<std::byte>> buffers;
  std::vector<const void*> in;
  std::vector<void*> out;
  for (int i = 0; i < engine.num_inputs() + engine.num_outputs(); ++i) {
    const bool input = i < engine.num_inputs();
    const IoTensor& io = input ? engine.input(i) : engine.output(i - engine.num_inputs());
    if (io.dims.volume() > kMaxElements) return;
    buffers.emplace_back(static_cast<size_t>(io.dims.volume()) * element_size(io.dtype));
  }
  for (int i = 0; i < engine.num_inputs(); ++i)
    in.push_back(buffers[static_cast<size_t>(i)].data());
  for (int i = engine.num_inputs(); i < engine.num_inputs() + engine.num_outputs(); ++i)
    out.push_back(buffers[static_cast<size_t>(i)].data());
  (void)engine.create_execution_context()->execute(in, out);
}

}  // namespace int8rt::fuzz
