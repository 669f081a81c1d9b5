#include <algorithm>
#include <cmath>
#include <limits>

#include "calib/thresholds.h"

namespace int8rt::calib {

namespace {

// KL(P || Q) for the candidate that keeps the first `kept` bins (see thresholds.h).
double divergence(const std::array<uint64_t, Histogram::kBins>& counts, int kept,
                  std::vector<double>& p, std::vector<double>& q) {
  const auto n = static_cast<size_t>(kept);
  p.assign(counts.begin(), counts.begin() + kept);
  double outliers = 0.0;
  for (size_t b = n; b < counts.size(); ++b)
    outliers += static_cast<double>(counts[b]);
  p[n - 1] += outliers;

  q.assign(n, 0.0);
  const size_t group = n / kLevels;
  for (size_t level = 0; level < kLevels; ++level) {
    const size_t begin = level * group;
    const size_t end = level + 1 == kLevels ? n : begin + group;
    double mass = 0.0;  // unfolded counts of the group
    size_t nonzero = 0;
    for (size_t b = begin; b < end; ++b) {
      mass += static_cast<double>(counts[b]);
      nonzero += p[b] > 0.0 ? 1 : 0;
    }
    if (nonzero == 0) continue;
    for (size_t b = begin; b < end; ++b) {
      if (p[b] > 0.0) q[b] = mass / static_cast<double>(nonzero);
    }
  }

  double p_sum = 0.0, q_sum = 0.0;
  for (size_t b = 0; b < n; ++b) {
    p_sum += p[b];
    q_sum += q[b];
  }
  if (p_sum == 0.0 || q_sum == 0.0) return std::numeric_limits<double>::infinity();
  double kl = 0.0;
  for (size_t b = 0; b < n; ++b) {
    if (p[b] == 0.0) continue;
    if (q[b] == 0.0) return std::numeric_limits<double>::infinity();
    const double pb = p[b] / p_sum;
    kl += pb * std::log(pb / (q[b] / q_sum));
  }
  return kl;
}

}  // namespace

EntropySearch entropy_search(const Histogram& histogram) {
  EntropySearch result;
  if (histogram.empty()) return result;
  const auto& counts = histogram.counts();
  std::vector<double> p, q;
  double best = std::numeric_limits<double>::infinity();
  for (int kept = kMinBins; kept <= Histogram::kBins; ++kept) {
    double d = divergence(counts, kept, p, q);
    result.divergence.push_back(d);
    if (d < best) {
      best = d;
      result.bins_kept = kept;
    }
  }
  if (result.bins_kept == 0) result.bins_kept = Histogram::kBins;  // every candidate infinite
  result.amax = static_cast<float>((result.bins_kept + 0.5) * histogram.bin_width());
  return result;
}

float threshold_entropy(const Histogram& histogram) {
  return entropy_search(histogram).amax;
}

}  // namespace int8rt::calib
