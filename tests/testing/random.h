// Seeded random test data.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace int8rt::testing {

// `count` values uniform in [lo, hi), drawn in order from `rng`: calls sharing a generator continue
// its stream.
inline std::vector<float> uniform_floats(size_t count, std::mt19937& rng, float lo, float hi) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> values(count);
  for (float& v : values)
    v = dist(rng);
  return values;
}

// `count` values uniform in [lo, hi) from a generator seeded with `seed` (print the seed on
// failure).
inline std::vector<float> uniform_floats(int64_t count, uint32_t seed, float lo = -1.0f,
                                         float hi = 1.0f) {
  std::mt19937 rng(seed);
  return uniform_floats(static_cast<size_t>(count), rng, lo, hi);
}

}  // namespace int8rt::testing
