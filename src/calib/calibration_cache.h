// Calibration caches in TensorRT's text format, and ranges files in sampleINT8API's format. The
// public functions (format_calibration_cache, parse_ranges, ...) are declared in
// include/int8rt/calibrator.h; these are the helpers behind them.
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

#include "int8rt/calibrator.h"
#include "int8rt/status.h"

namespace int8rt::calib {

// The TensorRT version number int8rt writes in cache headers (TensorRT 8.6.1's numbering); readers
// accept any number.
inline const int kCacheVersion = CalibrationTable{}.version;

// The IEEE-754 bits of a float, and back.
uint32_t float_bits(float value);
float float_from_bits(uint32_t bits);

}  // namespace int8rt::calib
