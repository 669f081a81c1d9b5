// The fingerprint int8rt keeps beside a calibration cache: what the cache was computed from.
//
//   int8rt calibration fingerprint 1
//   network: 3f2a9c0d17e4b6a5
//   algorithm: entropy2
//   batch_size: 32
//   data: 9b1c44e0a2d3f718
//   cache: 5d0e7a4c21b9f836
//
// A cache whose fingerprint differs in any field is stale; `data` is compared only when both sides
// know it. `cache` is the hash of the cache the fingerprint was written with (absent in
// fingerprints older than the field): a cache with another hash was replaced since.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "int8rt/calibrator.h"
#include "int8rt/network.h"

namespace int8rt::calib {

struct Fingerprint {
  std::vector<std::pair<std::string, std::string>> fields;

  std::string text() const;
  static Fingerprint parse(std::string_view text);
  const std::string* find(std::string_view key) const;
};

// The field naming the cache a fingerprint was written with, and the hash it holds.
inline constexpr std::string_view kCacheHashField = "cache";
std::string cache_hash(std::string_view cache_text);

// Hash of the network's structure (layers: op, name, inputs, outputs; tensors: name, dtype, shape)
// and constant data. Attributes are not hashed.
std::string network_hash(const Network& network);

// `thresholds: per-tensor` is present only with ThresholdSearch::kPerTensor, so fingerprints
// written before the field existed still match the default.
Fingerprint make_fingerprint(const Network& network, Calibrator& calibrator,
                             ThresholdSearch search = ThresholdSearch::kCalibrator);

// The fields that differ between `stored` and `current` ("network", "algorithm", ...), a field
// only one of them has included (`cache` aside); empty when the cache matches.
std::vector<std::string> changed_fields(const Fingerprint& stored, const Fingerprint& current);

}  // namespace int8rt::calib
