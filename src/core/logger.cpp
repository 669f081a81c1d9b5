#include "int8rt/logger.h"

#include <cstdio>
#include <mutex>
#include <string>

namespace int8rt {

std::string_view to_string(Logger::Severity severity) {
  switch (severity) {
    case Logger::Severity::kInternalError:
      return "internal error";
    case Logger::Severity::kError:
      return "error";
    case Logger::Severity::kWarning:
      return "warning";
    case Logger::Severity::kInfo:
      return "info";
    case Logger::Severity::kVerbose:
      return "verbose";
  }
  return "unknown";
}

void StderrLogger::log(Severity severity, std::string_view message) noexcept {
  if (severity > min_) return;
  static constexpr char kTags[] = {'F', 'E', 'W', 'I', 'V'};
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  std::fprintf(stderr, "[%c] %.*s\n", kTags[static_cast<int>(severity)],
               static_cast<int>(message.size()), message.data());
}

Logger& default_logger() {
  static StderrLogger logger;
  return logger;
}

Logger& silent_logger() {
  class Silent final : public Logger {
   public:
    void log(Severity, std::string_view) noexcept override {}
  };
  static Silent logger;
  return logger;
}

}  // namespace int8rt
