#include <cmath>
#include <limits>

#include "calib/thresholds.h"

namespace int8rt::calib {

// Evaluating KL(P || Q) bin by bin costs O(i) per candidate and O(kBins²) per tensor. Per group
// it collapses to prefix sums, which makes each candidate O(kLevels):
//
// With T = Σ_b c_b (P's mass, outliers included, the same for every candidate), group g of mass
// M_g (unfolded counts) whose bins hold n_g non-zero P values, Q_b = M_g / n_g on those bins, and
// Q's mass Q = Σ_g M_g (over groups with n_g > 0):
//   KL = Σ_{P_b>0} (P_b/T) ln((P_b/T) / (Q_b/Q))
//      = (1/T) [ Σ_b P_b ln P_b − Σ_g W_g ln(M_g / n_g) ] + ln(Q / T)
// where W_g = Σ_{b∈g} P_b is M_g, plus the folded outliers for the last group. Bins below i−1 have
// P_b = c_b, so Σ P_b ln P_b and the counts and non-zero counts of groups are prefix-sum lookups;
// only bin i−1 (which receives the outliers) is computed directly.

namespace {

struct Prefix {
  std::vector<double> count;     // count[k] = Σ_{b<k} c_b
  std::vector<double> plogp;     // plogp[k] = Σ_{b<k} c_b ln c_b
  std::vector<int32_t> nonzero;  // nonzero[k] = #{b < k : c_b > 0}
};

double xlogx(double x) {
  return x > 0.0 ? x * std::log(x) : 0.0;
}

Prefix prefix_sums(const std::array<uint64_t, Histogram::kBins>& counts) {
  Prefix p;
  p.count.assign(Histogram::kBins + 1, 0.0);
  p.plogp.assign(Histogram::kBins + 1, 0.0);
  p.nonzero.assign(Histogram::kBins + 1, 0);
  for (size_t b = 0; b < counts.size(); ++b) {
    const auto c = static_cast<double>(counts[b]);
    p.count[b + 1] = p.count[b] + c;
    p.plogp[b + 1] = p.plogp[b] + xlogx(c);
    p.nonzero[b + 1] = p.nonzero[b] + (counts[b] > 0 ? 1 : 0);
  }
  return p;
}

double divergence(const Prefix& p, int kept) {
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  const auto n = static_cast<size_t>(kept);
  const double total = p.count[Histogram::kBins];
  const double last = p.count[n] - p.count[n - 1] + (total - p.count[n]);  // P_{i-1}, folded
  const double sum_plogp = p.plogp[n - 1] + xlogx(last);

  const size_t group = n / kLevels;
  double weighted_log_q = 0.0;  // Σ_g W_g ln(M_g / n_g)
  double q_mass = 0.0;
  for (size_t level = 0; level < kLevels; ++level) {
    const size_t begin = level * group;
    const bool is_last = level + 1 == kLevels;
    const size_t end = is_last ? n : begin + group;
    const double mass = p.count[end] - p.count[begin];
    double weight = mass;
    int32_t nonzero = p.nonzero[end] - p.nonzero[begin];
    if (is_last) {
      // Bin i-1 is non-zero in P when it or the outliers are; its weight gains the outliers.
      const bool had = p.nonzero[n] - p.nonzero[n - 1] > 0;
      nonzero += (last > 0.0) - (had ? 1 : 0);
      weight += total - p.count[n];
    }
    if (nonzero == 0) continue;
    if (mass == 0.0) return kInfinity;  // P > 0 where Q = 0
    weighted_log_q += weight * std::log(mass / nonzero);
    q_mass += mass;
  }
  if (total == 0.0 || q_mass == 0.0) return kInfinity;
  return (sum_plogp - weighted_log_q) / total + std::log(q_mass / total);
}

}  // namespace

EntropySearch entropy_search(const Histogram& histogram) {
  EntropySearch result;
  if (histogram.empty()) return result;
  const Prefix prefix = prefix_sums(histogram.counts());
  double best = std::numeric_limits<double>::infinity();
  result.divergence.reserve(Histogram::kBins - kMinBins + 1);
  for (int kept = kMinBins; kept <= Histogram::kBins; ++kept) {
    const double d = divergence(prefix, kept);
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
