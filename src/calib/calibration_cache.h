// Calibration caches in TensorRT's text format, and ranges files in sampleINT8API's format.
//
// Cache:                                  Ranges file:
//   TRT-8601-EntropyCalibration2            data: 0.99634
//   data: 3c008912                          conv1: 2.1228
//   conv1: 3c88edfc
// Cache values are the IEEE-754 bits of the scale amax / 127, most significant byte first. Ranges
// files give amax as a decimal number. In both, the tensor name is everything before the LAST ':'
// (names may contain ':', spaces, '/', '(' ...).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "int8rt/status.h"

namespace int8rt::calib {

// The TensorRT version number int8rt writes in cache headers (TensorRT 8.6.1's numbering); readers
// accept any number.
inline constexpr int kCacheVersion = 8601;

struct TensorRange {
  std::string name;
  float amax = 0.0f;
};

struct CalibrationCache {
  int version = kCacheVersion;
  std::string algorithm;            // "EntropyCalibration2", "MinMaxCalibration", ...
  std::vector<TensorRange> ranges;  // in file order
};

// The cache's text, byte for byte what TensorRT writes: header, then "name: %08x" per tensor.
std::string format_cache(const CalibrationCache& cache);
// Parses a cache; `source` (a path) names it in errors, which give the line number.
Result<CalibrationCache> parse_cache(std::string_view text, std::string_view source);

// amax <-> the hex scale of a cache line.
uint32_t scale_bits(float amax);
float amax_from_scale_bits(uint32_t bits);

std::string format_ranges(const std::vector<TensorRange>& ranges);
Result<std::vector<TensorRange>> parse_ranges(std::string_view text, std::string_view source);

}  // namespace int8rt::calib
