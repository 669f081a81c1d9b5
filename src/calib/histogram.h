// Histogram of |x| for one tensor, streamed over calibration batches.
//
// 2048 bins over [0, R), where the range R is the smallest power of two >= the largest |x| seen
// (values equal to R land in the last bin). Exact zeros and non-finite values are counted apart
// and never binned. Because R is a power of two, growing the range when a later batch exceeds it
// merges 2^k adjacent bins exactly: the histogram of a data set does not depend on the order or the
// batching of the data, and histograms of shards merge exactly. Memory is fixed: kBins counters.
//
// TensorRT's published MNIST cache is consistent with this grid: its input (pixels scaled to
// [0, 255/256]) got the threshold (2040 + 0.5) / 2048, i.e. bins of width exactly 1/2048.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <span>

namespace int8rt::calib {

class Histogram {
 public:
  static constexpr int kBins = 2048;

  // A histogram with these counts (as a device backend's calibration builds them; `exponent` is
  // kNoRange while no non-zero finite value was seen).
  static Histogram from_state(const std::array<uint64_t, 2048>& counts, uint64_t zeros,
                              uint64_t nans, uint64_t infs, float amax, int exponent);
  static constexpr int kNoRange = std::numeric_limits<int>::min();

  // Adds |v| for every v; NaN and ±Inf are counted, not binned.
  void add(std::span<const float> values);
  // Adds another histogram's counts (e.g. of another shard of the calibration set).
  void merge(const Histogram& other);

  // Counts of non-zero finite |x| per bin. Bin b covers [b·w, (b+1)·w) with w = bin_width().
  const std::array<uint64_t, kBins>& counts() const { return counts_; }
  uint64_t zero_count() const { return zeros_; }
  uint64_t nan_count() const { return nans_; }
  uint64_t inf_count() const { return infs_; }
  // Finite values seen (zeros included).
  uint64_t finite_count() const;
  // Largest finite |x| seen; 0 when none (or only zeros).
  float amax() const { return amax_; }
  // True until a non-zero finite value is seen.
  bool empty() const { return exponent_ == kNoRange; }

  // R = 2^exponent (0 while empty) and the bin width R / kBins.
  double range() const;
  double bin_width() const { return range() / kBins; }
  int exponent() const { return exponent_; }

 private:
  // Re-bins to the larger range 2^exponent (merging 2^(exponent - exponent_) bins into one).
  void grow_to(int exponent);

  std::array<uint64_t, kBins> counts_{};
  uint64_t zeros_ = 0;
  uint64_t nans_ = 0;
  uint64_t infs_ = 0;
  float amax_ = 0.0f;
  int exponent_ = kNoRange;
};

// The smallest e with 2^e >= value (value > 0, finite).
int range_exponent(double value);

}  // namespace int8rt::calib
