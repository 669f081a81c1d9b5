#include "calib/histogram.h"

#include <algorithm>
#include <cmath>
#include <cstring>

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
  // Pass 1: the largest finite |x| (NaN never compares greater; an Inf is skipped by the test).
  float batch_amax = 0.0f;
  for (float v : values) {
    const float a = std::fabs(v);
    batch_amax = a > batch_amax && a <= std::numeric_limits<float>::max() ? a : batch_amax;
  }
  if (batch_amax > 0.0f) {
    amax_ = std::max(amax_, batch_amax);
    grow_to(range_exponent(batch_amax));
  }
  // Pass 2: one counter slot per value: the bin floor(|v| / w) with w = 2^exponent / kBins (a
  // multiplication by a power of two, exact), or a slot for zeros, NaN or Inf. fmin keeps NaN and
  // Inf out of the float-to-integer conversion. The special slots are chosen by masks on the bit
  // pattern, not by compares the compiler may turn into branches: a ReLU output, half zeros in
  // random places, would mispredict every other value (2.7x slower measured).
  constexpr uint32_t kZeroSlot = kBins, kNanSlot = kBins + 1, kInfSlot = kBins + 2;
  std::array<uint64_t, kBins + 3> slots{};
  const double inverse_width = empty() ? 0.0 : std::ldexp(1.0, 11 - exponent_);
  static_assert(kBins == 1 << 11);
  for (float v : values) {
    uint32_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    bits &= 0x7fffffffu;  // |v|
    float a = 0.0f;
    std::memcpy(&a, &bits, sizeof a);
    const auto binned =
        static_cast<uint32_t>(std::fmin(static_cast<double>(a) * inverse_width, kBins - 1.0));
    const uint32_t zero = 0u - static_cast<uint32_t>(bits == 0);
    const uint32_t inf = 0u - static_cast<uint32_t>(bits == 0x7f800000u);
    const uint32_t nan = 0u - static_cast<uint32_t>(bits > 0x7f800000u);
    const uint32_t special = zero | inf | nan;
    ++slots[(special & ((zero & kZeroSlot) | (inf & kInfSlot) | (nan & kNanSlot))) |
            (~special & binned)];
  }
  for (int b = 0; b < kBins; ++b)
    counts_[static_cast<size_t>(b)] += slots[static_cast<size_t>(b)];
  zeros_ += slots[kZeroSlot];
  nans_ += slots[kNanSlot];
  infs_ += slots[kInfSlot];
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
