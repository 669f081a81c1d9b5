#include "int8rt/progress.h"

#include <unistd.h>

#include <cstdio>

namespace int8rt {

TerminalProgress::TerminalProgress() : enabled_(::isatty(STDERR_FILENO) == 1) {}

void TerminalProgress::phase_start(std::string_view /*phase*/, int64_t total) {
  total_ = total;
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

bool TerminalProgress::step_complete(std::string_view phase, int64_t done, int64_t items) {
  if (!enabled_) return true;
  auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return true;
  last_draw_ = now;
  double seconds = std::chrono::duration<double>(now - start_).count();
  double rate = seconds > 0 ? static_cast<double>(items) / seconds : 0.0;
  double eta = done > 0 && total_ > done
                   ? seconds * static_cast<double>(total_ - done) / static_cast<double>(done)
                   : 0.0;
  constexpr int kWidth = 30;
  int filled = total_ > 0 ? static_cast<int>(kWidth * done / total_) : 0;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr, "\r%.*s [%s] %lld/%lld  %.0f items/s  ETA %.0fs   ",
               static_cast<int>(phase.size()), phase.data(), bar.c_str(),
               static_cast<long long>(done), static_cast<long long>(total_), rate, eta);
  std::fflush(stderr);
  return true;
}

void TerminalProgress::phase_finish(std::string_view /*phase*/) {
  if (enabled_) std::fprintf(stderr, "\r\033[K");
}

}  // namespace int8rt
