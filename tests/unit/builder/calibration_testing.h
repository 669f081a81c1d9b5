// Shared by the calibration tests: a calibrator over batches held in memory that keeps its cache
// and fingerprint in memory, and a logger that keeps every message.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "int8rt/calibrator.h"
#include "int8rt/logger.h"

namespace int8rt::testing {

// A logger that keeps what it was told, one message per line, for checking the messages.
class RecordingLogger : public Logger {
 public:
  void log(Severity, std::string_view message) noexcept override {
    text += std::string(message) + "\n";
  }
  std::string text;
};

// Hands out `batches` (one network input, `batch` samples each) in order. `rewind()` starts
// again; `fail_at(k)` makes the k-th get_batch call fail.
class MemoryCalibrator : public Calibrator {
 public:
  MemoryCalibrator(CalibrationAlgorithm algorithm, int64_t batch,
                   std::vector<std::vector<float>> batches, double percentile = 99.99)
      : algorithm_(algorithm),
        batch_(batch),
        batches_(std::move(batches)),
        percentile_(percentile) {}

  int64_t batch_size() const override { return batch_; }
  Result<bool> get_batch(std::span<const std::string> names,
                         std::span<const void*> bindings) override {
    EXPECT_EQ(names.size(), 1u);
    if (fail_at_ == next_) return invalid_argument("camera unplugged");
    if (next_ >= batches_.size()) return false;
    bindings[0] = batches_[next_++].data();
    return true;
  }
  std::string read_calibration_cache() override { return cache; }
  Status write_calibration_cache(std::string_view text) override {
    cache = std::string(text);
    ++writes;
    return Status::ok();
  }
  std::string read_cache_fingerprint() override { return fingerprint; }
  Status write_cache_fingerprint(std::string_view text) override {
    fingerprint = std::string(text);
    return Status::ok();
  }
  CalibrationAlgorithm algorithm() const override { return algorithm_; }
  double percentile() const override { return percentile_; }

  void rewind() { next_ = 0; }
  void fail_at(size_t batch) { fail_at_ = batch; }

  std::string cache, fingerprint;
  int writes = 0;

 private:
  CalibrationAlgorithm algorithm_;
  int64_t batch_;
  std::vector<std::vector<float>> batches_;
  double percentile_;
  size_t next_ = 0;
  size_t fail_at_ = std::numeric_limits<size_t>::max();
};

// `count` batches of `volume` values each, normally distributed with mean 0 and deviation
// `sigma`.
inline std::vector<std::vector<float>> normal_batches(int count, int64_t volume, float sigma,
                                                      uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, sigma);
  std::vector<std::vector<float>> batches(static_cast<size_t>(count));
  for (auto& b : batches) {
    b.resize(static_cast<size_t>(volume));
    for (float& v : b)
      v = dist(rng);
  }
  return batches;
}

// The element of `items` (CalibrationReport::tensors, CalibrationAnalysis::tensors, ...) named
// `name`, or null.
template <typename Items>
const typename Items::value_type* find_named(const Items& items, std::string_view name) {
  for (const auto& item : items) {
    if (item.name == name) return &item;
  }
  return nullptr;
}

}  // namespace int8rt::testing
