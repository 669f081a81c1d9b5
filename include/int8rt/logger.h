// The one logger every int8rt component writes through (the analogue of TensorRT's ILogger).
#pragma once

#include <string_view>

namespace int8rt {

class Logger {
 public:
  enum class Severity {
    kInternalError = 0,  // a bug in int8rt; the operation failed
    kError = 1,          // the operation failed
    kWarning = 2,  // the operation continues, but the user should know (e.g. an FP32 fallback)
    kInfo = 3,     // what the builder decided and why
    kVerbose = 4,  // per-layer detail
  };

  virtual ~Logger() = default;

  // Called from any thread; implementations must be thread-safe.
  virtual void log(Severity severity, std::string_view message) noexcept = 0;
};

std::string_view to_string(Logger::Severity severity);

// Writes "[W] message" lines to stderr, dropping messages less severe than `min_severity`.
class StderrLogger : public Logger {
 public:
  explicit StderrLogger(Severity min_severity = Severity::kWarning) : min_(min_severity) {}
  void set_min_severity(Severity severity) { min_ = severity; }
  Severity min_severity() const { return min_; }
  void log(Severity severity, std::string_view message) noexcept override;

 private:
  Severity min_;
};

// The logger used when none is given: a StderrLogger at kWarning.
Logger& default_logger();

}  // namespace int8rt
