// A Logger that keeps every message, for tests that check what was logged.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "int8rt/logger.h"

namespace int8rt::testing {

class CapturingLogger final : public Logger {
 public:
  void log(Severity severity, std::string_view message) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    messages_.emplace_back(severity, std::string(message));
  }
  std::vector<std::pair<Severity, std::string>> messages() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return messages_;
  }
  // Messages at `severity` that contain `needle`.
  std::vector<std::string> find(Severity severity, std::string_view needle) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> found;
    for (const auto& [s, m] : messages_) {
      if (s == severity && m.find(needle) != std::string::npos) found.push_back(m);
    }
    return found;
  }
  // Warnings and errors.
  std::vector<std::string> warnings() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> found;
    for (const auto& [s, m] : messages_) {
      if (s <= Severity::kWarning) found.push_back(m);
    }
    return found;
  }
  // Every message, one per line with its severity, for failure output.
  std::string dump() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string all;
    for (const auto& [s, m] : messages_)
      all += std::string(to_string(s)) + " " + m + "\n";
    return all;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<Severity, std::string>> messages_;
};

}  // namespace int8rt::testing
