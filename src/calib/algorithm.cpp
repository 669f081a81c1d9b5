#include "int8rt/calibrator.h"

namespace int8rt {

namespace {
struct AlgorithmNames {
  CalibrationAlgorithm algorithm;
  std::string_view name;
  std::string_view cache_name;
};
constexpr AlgorithmNames kNames[] = {
    {CalibrationAlgorithm::kEntropy2, "entropy2", "EntropyCalibration2"},
    {CalibrationAlgorithm::kEntropy, "entropy", "EntropyCalibration"},
    {CalibrationAlgorithm::kMinMax, "minmax", "MinMaxCalibration"},
    {CalibrationAlgorithm::kLegacy, "legacy", "LegacyCalibration"},
    {CalibrationAlgorithm::kPercentile, "percentile", "PercentileCalibration"},
    {CalibrationAlgorithm::kMse, "mse", "MSECalibration"},
};
}  // namespace

std::string_view to_string(CalibrationAlgorithm algorithm) {
  for (const auto& names : kNames) {
    if (names.algorithm == algorithm) return names.name;
  }
  return "unknown";
}

std::optional<CalibrationAlgorithm> calibration_algorithm_from_string(std::string_view name) {
  for (const auto& names : kNames) {
    if (names.name == name || names.cache_name == name) return names.algorithm;
  }
  return std::nullopt;
}

std::string_view cache_algorithm_name(CalibrationAlgorithm algorithm) {
  for (const auto& names : kNames) {
    if (names.algorithm == algorithm) return names.cache_name;
  }
  return "UnknownCalibration";
}

std::string_view to_string(RangeSource source) {
  switch (source) {
    case RangeSource::kManual:
      return "manual";
    case RangeSource::kCache:
      return "cache";
    case RangeSource::kCalibration:
      return "calibration";
  }
  return "unknown";
}

std::string_view to_string(ThresholdSearch search) {
  return search == ThresholdSearch::kPerTensor ? "per-tensor" : "calibrator";
}

bool calibrates_after_fusion(CalibrationAlgorithm algorithm) {
  return algorithm == CalibrationAlgorithm::kEntropy || algorithm == CalibrationAlgorithm::kLegacy;
}

}  // namespace int8rt
