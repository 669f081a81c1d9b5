// One phase of a ProgressMonitor for the analyses: started on construction and finished when it
// goes out of scope, however the work ends (done, an error, a cancel); without a monitor it does
// nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "int8rt/progress.h"

namespace int8rt::analysis {

class ProgressPhase {
 public:
  ProgressPhase(ProgressMonitor* monitor, std::string_view name, int64_t total)
      : monitor_(monitor), name_(name) {
    if (monitor_ != nullptr) monitor_->phase_start(name_, total);
  }
  ~ProgressPhase() {
    if (monitor_ != nullptr) monitor_->phase_finish(name_);
  }
  ProgressPhase(const ProgressPhase&) = delete;
  ProgressPhase& operator=(const ProgressPhase&) = delete;

  // Reports `done` steps, `items` processed so far; false when the monitor asks to stop.
  bool step(int64_t done, int64_t items) {
    return monitor_ == nullptr || monitor_->step_complete(name_, done, items);
  }

 private:
  ProgressMonitor* monitor_;
  std::string name_;
};

}  // namespace int8rt::analysis
