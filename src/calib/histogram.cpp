#include "calib/histogram.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace int8rt::calib {

int range_exponent(double value) {
  int e = 0;
  double mantissa = std::frexp(value, &e);  // value = mantissa · 2^e, mantissa in [0.5, 1)
  return mantissa == 0.5 ? e - 1 : e;
}

Histogram Histogram::from_state(const std::array<uint64_t, kBins>& counts, uint64_t zeros,
                                uint64_t nans, uint64_t infs, float amax, int exponent) {
  Histogram h;
  h.counts_ = counts;
  h.zeros_ = zeros;
  h.nans_ = nans;
  h.infs_ = infs;
  h.amax_ = amax;
  h.exponent_ = exponent;
  return h;
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

namespace {

constexpr uint32_t kZeroSlot = Histogram::kBins, kNanSlot = Histogram::kBins + 1,
                   kInfSlot = Histogram::kBins + 2, kSlots = Histogram::kBins + 3;
static_assert(Histogram::kBins == 1 << 11);

// The slot of each value: the bin floor(|v| / w) with w = 2^exponent / kBins, a multiplication by
// the power of two 2^(11 - exponent), exact; or the slot of zeros, NaN or Inf. fmin keeps NaN and
// Inf out of the float-to-integer conversion (they land on the last bin, then take their slot).
// The special slots are chosen by masks on the bit pattern, not by compares the compiler may turn
// into branches: a ReLU output, half zeros in random places, would mispredict every other value.
void bin_slots_scalar(const float* values, size_t n, double inverse_width, uint32_t* out) {
  for (size_t i = 0; i < n; ++i) {
    uint32_t bits = 0;
    std::memcpy(&bits, &values[i], sizeof bits);
    bits &= 0x7fffffffu;  // |v|
    float a = 0.0f;
    std::memcpy(&a, &bits, sizeof a);
    const auto binned = static_cast<uint32_t>(
        std::fmin(static_cast<double>(a) * inverse_width, Histogram::kBins - 1.0));
    const uint32_t zero = 0u - static_cast<uint32_t>(bits == 0);
    const uint32_t inf = 0u - static_cast<uint32_t>(bits == 0x7f800000u);
    const uint32_t nan = 0u - static_cast<uint32_t>(bits > 0x7f800000u);
    const uint32_t special = zero | inf | nan;
    out[i] = (special & ((zero & kZeroSlot) | (inf & kInfSlot) | (nan & kNanSlot))) |
             (~special & binned);
  }
}

#if defined(__x86_64__)
// The same, eight values at a time in float32: |v| · 2^(11 - exponent) is exact in float32 too
// while that power is a normal float (exponent >= -116), and MINPS returns its second operand
// (the last bin) for NaN as fmin does. Identical slots (tests/unit/calib/histogram_test.cpp).
__attribute__((target("avx2"))) void bin_slots_avx2(const float* values, size_t n,
                                                    float inverse_width, uint32_t* out) {
  const __m256 scale = _mm256_set1_ps(inverse_width);
  const __m256 last = _mm256_set1_ps(Histogram::kBins - 1.0f);
  const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff);
  const __m256i inf_bits = _mm256_set1_epi32(0x7f800000);
  const __m256i zero_slot = _mm256_set1_epi32(kZeroSlot);
  const __m256i inf_slot = _mm256_set1_epi32(kInfSlot);
  const __m256i nan_slot = _mm256_set1_epi32(kNanSlot);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i bits = _mm256_and_si256(
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(values + i)), abs_mask);
    __m256i slot =
        _mm256_cvttps_epi32(_mm256_min_ps(_mm256_mul_ps(_mm256_castsi256_ps(bits), scale), last));
    slot = _mm256_blendv_epi8(slot, zero_slot, _mm256_cmpeq_epi32(bits, _mm256_setzero_si256()));
    slot = _mm256_blendv_epi8(slot, inf_slot, _mm256_cmpeq_epi32(bits, inf_bits));
    slot = _mm256_blendv_epi8(slot, nan_slot, _mm256_cmpgt_epi32(bits, inf_bits));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), slot);
  }
  bin_slots_scalar(values + i, n - i, inverse_width, out + i);
}
#endif

void bin_slots(const float* values, size_t n, double inverse_width, int exponent, uint32_t* out) {
#if defined(__x86_64__)
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2 && exponent >= -116) {
    bin_slots_avx2(values, n, static_cast<float>(inverse_width), out);
    return;
  }
#else
  (void)exponent;
#endif
  bin_slots_scalar(values, n, inverse_width, out);
}

}  // namespace

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
  // Pass 2: a counter slot per value (bin_slots), counted in four interleaved counter sets so
  // that runs of one slot (the zeros of a ReLU output) do not wait on each other's increments.
  std::array<uint64_t, kSlots> slots{};
  const double inverse_width = empty() ? 0.0 : std::ldexp(1.0, 11 - exponent_);
  constexpr size_t kBlock = 4096;
  std::array<uint32_t, kBlock> block;
  std::vector<uint32_t> ways(4 * kSlots);  // 32-bit counters: flushed before they could overflow
  constexpr size_t kFlush = size_t{1} << 31;
  for (size_t first = 0; first < values.size(); first += kFlush) {
    const size_t count = std::min(kFlush, values.size() - first);
    std::fill(ways.begin(), ways.end(), 0u);
    for (size_t b = 0; b < count; b += kBlock) {
      const size_t n = std::min(kBlock, count - b);
      bin_slots(values.data() + first + b, n, inverse_width, exponent_, block.data());
      size_t j = 0;
      for (; j + 4 <= n; j += 4) {
        ++ways[block[j]];
        ++ways[kSlots + block[j + 1]];
        ++ways[2 * kSlots + block[j + 2]];
        ++ways[3 * kSlots + block[j + 3]];
      }
      for (; j < n; ++j)
        ++ways[block[j]];
    }
    for (size_t k = 0; k < kSlots; ++k)
      slots[k] +=
          uint64_t{ways[k]} + ways[kSlots + k] + ways[2 * kSlots + k] + ways[3 * kSlots + k];
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
