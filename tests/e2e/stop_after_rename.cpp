// A preload library for fault-injection tests (LD_PRELOAD): after the process renames a file
// whose path ends with one of the ':'-separated suffixes in $INT8RT_STOP_AFTER_RENAME, it stops
// itself (SIGSTOP), so that the test can kill it at exactly that point, e.g. between writing a
// calibration cache and its fingerprint, whichever comes first.
#include <dlfcn.h>
#include <signal.h>

#include <cstdlib>
#include <string_view>

extern "C" int rename(const char* from, const char* to) {
  using Rename = int (*)(const char*, const char*);
  static const auto real = reinterpret_cast<Rename>(dlsym(RTLD_NEXT, "rename"));
  const int result = real(from, to);
  const char* suffixes = std::getenv("INT8RT_STOP_AFTER_RENAME");
  if (result != 0 || suffixes == nullptr) return result;
  const std::string_view path(to);
  std::string_view list(suffixes);
  while (!list.empty()) {
    const size_t colon = list.find(':');
    const std::string_view suffix = list.substr(0, colon);
    if (!suffix.empty() && path.ends_with(suffix)) {
      raise(SIGSTOP);
      break;
    }
    list = colon == std::string_view::npos ? std::string_view() : list.substr(colon + 1);
  }
  return result;
}
