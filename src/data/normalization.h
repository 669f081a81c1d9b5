// Applying a Normalization to 8-bit pixels (see int8rt/data.h).
#pragma once

#include <string_view>
#include <utility>
#include <vector>

#include "int8rt/data.h"

namespace int8rt {

// An error unless mean and stddev hold 0, 1 or `channels` values and every stddev is a positive
// finite number; `what` (a file or spec) starts the message.
Status check_normalization(const Normalization& normalization, int channels, std::string_view what);

// Pixel values of one normalization, per channel. The normalization must have passed
// check_normalization for at least `channel + 1` channels.
class Normalizer {
 public:
  explicit Normalizer(Normalization normalization) : n_(std::move(normalization)) {}

  // p may be fractional (a resized pixel).
  float operator()(float p, int channel) const {
    float v = static_cast<float>(static_cast<double>(p) * n_.scale);
    if (!n_.mean.empty()) v -= n_.mean[n_.mean.size() == 1 ? 0 : static_cast<size_t>(channel)];
    if (!n_.stddev.empty()) {
      v /= n_.stddev[n_.stddev.size() == 1 ? 0 : static_cast<size_t>(channel)];
    }
    return v;
  }

  // The values of pixels 0..255 of `channel`.
  std::vector<float> table(int channel) const {
    std::vector<float> values(256);
    for (int p = 0; p < 256; ++p)
      values[static_cast<size_t>(p)] = (*this)(static_cast<float>(p), channel);
    return values;
  }

 private:
  Normalization n_;
};

}  // namespace int8rt
