#include "calib/histogram.h"

#include <algorithm>
#include <cmath>

namespace int8rt::calib {

int range_exponent(double value) {
  int e = 0;
  double mantissa = std::frexp(value, &e);  // value = mantissa · 2^e, mantissa in [0.5, 1)
  return mantissa == 0.5 ? e - 1 : e;
}

double Histogram::range() const {
  return empty() ? 0.0 : std::ldexp(1.0, exponent_);
}

uint64_t Histogram::finite_count() const {
  uint64_t total = zeros_;
  for (uint64_t c : counts_)
    total += c;
  return total;
}

void Histogram::grow_to(int exponent) {
  if (empty()) {
    exponent_ = exponent;
    return;
  }
  if (exponent <= exponent_) return;
  const int shift = exponent - exponent_;
  std::array<uint64_t, kBins> merged{};
  for (int b = 0; b < kBins; ++b) {
    merged[static_cast<size_t>(shift >= 31 ? 0 : (b >> shift))] += counts_[static_cast<size_t>(b)];
  }
  counts_ = merged;
  exponent_ = exponent;
}

void Histogram::add(std::span<const float> values) {
  float batch_amax = 0.0f;
  for (float v : values) {
    float a = std::fabs(v);
    if (std::isnan(v)) {
      ++nans_;
    } else if (std::isinf(v)) {
      ++infs_;
    } else if (a == 0.0f) {
      ++zeros_;
    } else {
      batch_amax = std::max(batch_amax, a);
    }
  }
  if (batch_amax == 0.0f) return;
  amax_ = std::max(amax_, batch_amax);
  grow_to(range_exponent(batch_amax));
  // Bin index floor(|v| / w) with w = 2^exponent / kBins: a multiplication by a power of two,
  // exact.
  const double inverse_width = std::ldexp(1.0, 11 - exponent_);
  static_assert(kBins == 1 << 11);
  for (float v : values) {
    float a = std::fabs(v);
    if (!(a > 0.0f) || std::isinf(a)) continue;  // zeros, NaN, Inf
    auto bin = static_cast<int64_t>(static_cast<double>(a) * inverse_width);
    ++counts_[static_cast<size_t>(std::min<int64_t>(bin, kBins - 1))];
  }
}

void Histogram::merge(const Histogram& other) {
  zeros_ += other.zeros_;
  nans_ += other.nans_;
  infs_ += other.infs_;
  if (other.empty()) return;
  amax_ = std::max(amax_, other.amax_);
  Histogram aligned = other;
  if (!empty()) aligned.grow_to(std::max(exponent_, other.exponent_));
  grow_to(aligned.exponent_);
  for (int b = 0; b < kBins; ++b)
    counts_[static_cast<size_t>(b)] += aligned.counts_[static_cast<size_t>(b)];
}

}  // namespace int8rt::calib
