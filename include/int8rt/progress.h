// Progress of long work (calibration, benchmarks): TensorRT 10's IProgressMonitor in int8rt's
// words.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace int8rt {

class ProgressMonitor {
 public:
  virtual ~ProgressMonitor() = default;
  // A phase of `total` steps begins ("calibration", 50 batches).
  virtual void phase_start(std::string_view phase, int64_t total) = 0;
  // `done` of the phase's steps are complete; `items` counts what the steps processed so far
  // (images, for calibration). Returns false to cancel the work.
  virtual bool step_complete(std::string_view phase, int64_t done, int64_t items) = 0;
  virtual void phase_finish(std::string_view phase) = 0;
};

// Draws a one-line bar with rate and ETA on stderr — only when stderr is a terminal, so piped and
// logged output stays clean.
class TerminalProgress final : public ProgressMonitor {
 public:
  TerminalProgress();
  void phase_start(std::string_view phase, int64_t total) override;
  bool step_complete(std::string_view phase, int64_t done, int64_t items) override;
  void phase_finish(std::string_view phase) override;

 private:
  bool enabled_;
  int64_t total_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace int8rt
