// Internal helpers for writing to a Logger with streamed arguments:
//   log_info(logger, "layer ", name, ": ", kernel);
#pragma once

#include <utility>

#include "int8rt/logger.h"
#include "int8rt/status.h"

namespace int8rt {

// A logger that drops every message: for internal work whose messages the user has seen already
// (lowering an engine again for other shapes) or would only confuse (one-layer trial engines).
Logger& silent_logger();

template <typename... Args>
void log_at(Logger& logger, Logger::Severity severity, Args&&... args) {
  logger.log(severity, detail::concat(std::forward<Args>(args)...));
}
template <typename... Args>
void log_error(Logger& logger, Args&&... args) {
  log_at(logger, Logger::Severity::kError, std::forward<Args>(args)...);
}
template <typename... Args>
void log_warning(Logger& logger, Args&&... args) {
  log_at(logger, Logger::Severity::kWarning, std::forward<Args>(args)...);
}
template <typename... Args>
void log_info(Logger& logger, Args&&... args) {
  log_at(logger, Logger::Severity::kInfo, std::forward<Args>(args)...);
}
template <typename... Args>
void log_verbose(Logger& logger, Args&&... args) {
  log_at(logger, Logger::Severity::kVerbose, std::forward<Args>(args)...);
}

}  // namespace int8rt
