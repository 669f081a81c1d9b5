// INT8 calibration: the Calibrator interface (TensorRT's IInt8Calibrator), its algorithms, and the
// ready-made calibrator that reads batches from a data source and keeps its cache in a file.
//
//   class MyCalibrator : public int8rt::EntropyCalibrator2 {
//     int64_t batch_size() const override { return 32; }
//     Result<bool> get_batch(std::span<const std::string> names,
//                            std::span<const void*> bindings) override {
//       if (done()) return false;
//       bindings[0] = next_images();  // 32 x 1 x 28 x 28 floats, valid until the next call
//       return true;
//     }
//   };
//
// Ranges set by hand (Tensor::set_dynamic_range) win over a cache, and a usable cache wins over
// fresh calibration.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "int8rt/backends.h"
#include "int8rt/engine.h"
#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt {

class DataSource;

enum class CalibrationAlgorithm : uint8_t {
  kEntropy2,    // KL divergence on the graph before fusion; TensorRT's recommendation for CNNs
  kEntropy,     // the same search on the graph after fusion (TensorRT's legacy entropy calibrator)
  kMinMax,      // the largest |x| seen; TensorRT's recommendation for BERT-like networks
  kLegacy,      // a quantile of |x| times a regression cutoff, after fusion
  kPercentile,  // a percentile of |x| (default 99.99)
  kMse,         // the threshold minimizing the squared quantization error
};

// "entropy2", "entropy", "minmax", "legacy", "percentile", "mse".
std::string_view to_string(CalibrationAlgorithm algorithm);
std::optional<CalibrationAlgorithm> calibration_algorithm_from_string(std::string_view name);
// The name in cache headers: "EntropyCalibration2", "MinMaxCalibration", ... (TensorRT's names;
// "PercentileCalibration" and "MSECalibration" are int8rt's own).
std::string_view cache_algorithm_name(CalibrationAlgorithm algorithm);
// Whether the algorithm calibrates the graph after layer fusion (as TensorRT does for Entropy and
// Legacy) rather than before it.
bool calibrates_after_fusion(CalibrationAlgorithm algorithm);

// How calibration picks each tensor's threshold (BuilderConfig::set_threshold_search).
enum class ThresholdSearch : uint8_t {
  kCalibrator,  // the calibrator's algorithm on every tensor (TensorRT's behaviour)
  // For every tensor an INT8 layer reads: the threshold, among every algorithm's choice and
  // Entropy2's times 0.6 ... 1.6, that keeps the consuming layer's output closest to float32
  // (cosine similarity on the first calibration batches). The cache keeps the calibrator's header.
  kPerTensor,
};

std::string_view to_string(ThresholdSearch search);  // "calibrator", "per-tensor"

class Calibrator {
 public:
  virtual ~Calibrator() = default;

  // Samples per batch; every batch holds exactly this many. Called once per calibration.
  virtual int64_t batch_size() const = 0;

  // How many batches get_batch will provide, for progress display; -1 when unknown.
  virtual int64_t num_batches() const { return -1; }

  // Called once before the first get_batch of each calibration pass with the inputs the batches
  // must fill (names, dtypes and shapes including the batch axis), so the calibrator can check
  // its data fits and start from its first batch. An error stops the build.
  virtual Status prepare(std::span<const IoTensor> /*inputs*/) { return Status::ok(); }

  // Provides the next batch: sets bindings[i] to memory holding the data of network input
  // names[i] (float32, row-major, batch_size() samples), in batch_location(). The memory must stay
  // valid until the next call. Returns false when no batches are left, or an error, which stops
  // the build with it.
  virtual Result<bool> get_batch(std::span<const std::string> names,
                                 std::span<const void*> bindings) = 0;
  // Where get_batch's buffers are: host memory (the default), or device memory of the GPU the
  // calibration runs on (as TensorRT's calibrators hand them; a GPU backend only).
  virtual TensorLocation batch_location() const { return TensorLocation::kHost; }

  // A calibration cache (TensorRT's text format) to use instead of calibrating, or "" for none.
  virtual std::string read_calibration_cache() { return {}; }
  // Receives the cache after calibration.
  virtual Status write_calibration_cache(std::string_view /*cache*/) { return Status::ok(); }

  // int8rt keeps a fingerprint of the network, the data and the algorithm beside the cache, so a
  // cache made for something else is detected and recalibrated. "" means unknown (the cache is
  // trusted, as TensorRT does).
  virtual std::string read_cache_fingerprint() { return {}; }
  virtual Status write_cache_fingerprint(std::string_view /*fingerprint*/) { return Status::ok(); }
  // Identifies the calibration data (e.g. a hash of it), for the fingerprint; "" if unknown.
  virtual std::string data_fingerprint() { return {}; }

  virtual CalibrationAlgorithm algorithm() const = 0;

  // Algorithm parameters.
  virtual double percentile() const { return 99.99; }       // kPercentile, in (0, 100]
  virtual double quantile() const { return 0.9999; }        // kLegacy, in (0, 1]
  virtual double regression_cutoff() const { return 1.0; }  // kLegacy, in (0, 1]
};

// Calibrators with the algorithm fixed, to subclass (TensorRT's IInt8EntropyCalibrator2, ...).
class EntropyCalibrator2 : public Calibrator {
 public:
  CalibrationAlgorithm algorithm() const final { return CalibrationAlgorithm::kEntropy2; }
};
class EntropyCalibrator : public Calibrator {
 public:
  CalibrationAlgorithm algorithm() const final { return CalibrationAlgorithm::kEntropy; }
};
class MinMaxCalibrator : public Calibrator {
 public:
  CalibrationAlgorithm algorithm() const final { return CalibrationAlgorithm::kMinMax; }
};
class LegacyCalibrator : public Calibrator {
 public:
  CalibrationAlgorithm algorithm() const final { return CalibrationAlgorithm::kLegacy; }
};
class PercentileCalibrator : public Calibrator {
 public:
  CalibrationAlgorithm algorithm() const final { return CalibrationAlgorithm::kPercentile; }
};
class MseCalibrator : public Calibrator {
 public:
  CalibrationAlgorithm algorithm() const final { return CalibrationAlgorithm::kMse; }
};

// ------------------------------------------------------------------ caches and ranges files

// A tensor's symmetric range: values in [-amax, amax] map onto INT8 [-127, 127].
struct TensorRange {
  std::string name;
  float amax = 0.0f;
};

// One line of a calibration cache. The scale is kept exactly as stored (its bits are what the
// file holds), so reading and writing a cache reproduces it byte for byte; amax = scale · 127.
struct CacheEntry {
  std::string name;
  float scale = 0.0f;
  float amax() const { return scale * 127.0f; }
  static CacheEntry from_amax(std::string name, float amax) {
    return {std::move(name), amax / 127.0f};
  }
};

// A calibration cache in TensorRT's text format (docs/calibration.md):
//   TRT-8601-EntropyCalibration2
//   data: 3c008912                  <- IEEE-754 bits of the scale, name split at the last ':'
// The parameters TensorRT's Legacy calibrator writes on a line of their own before its cache
// (two float64 bit patterns in hex: the regression cutoff, then the quantile).
struct LegacyParameters {
  double regression_cutoff = 1.0;
  double quantile = 0.9999;
};

struct CalibrationTable {
  int version = 8601;     // the TensorRT version number in the header; int8rt writes 8601
  std::string algorithm;  // "EntropyCalibration2", "MinMaxCalibration", ...
  std::vector<CacheEntry> entries;
  // Set when the cache starts with a Legacy calibrator's parameter line (then the algorithm is
  // "LegacyCalibration" even without a TRT- header).
  std::optional<LegacyParameters> legacy;
};

// Byte for byte what TensorRT writes.
std::string format_calibration_cache(const CalibrationTable& table);
// `source` (a path) names the text in errors, which give the line number.
Result<CalibrationTable> parse_calibration_cache(std::string_view text, std::string_view source);
Result<CalibrationTable> read_calibration_cache_file(const std::string& path);

// Ranges files (sampleINT8API): "name: amax" per line; '#' comments and blank lines skipped.
std::string format_ranges(const std::vector<TensorRange>& ranges);
Result<std::vector<TensorRange>> parse_ranges(std::string_view text, std::string_view source);
Result<std::vector<TensorRange>> read_ranges_file(const std::string& path);
// Written atomically: a temporary file, then rename.
Status write_ranges_file(const std::string& path, const std::vector<TensorRange>& ranges);

// Sets each tensor's dynamic range to [-amax, amax]. A name the network lacks is an error naming
// it (nothing is changed then).
Status set_dynamic_ranges(Network& network, const std::vector<TensorRange>& ranges);

// Where a tensor's range came from.
enum class RangeSource : uint8_t { kManual, kCache, kCalibration };
std::string_view to_string(RangeSource source);  // "manual", "cache", "calibration"

struct TensorRangeInfo {
  std::string name;
  float amax = 0.0f;
  float scale = 0.0f;  // amax / 127, or exactly the cache's value when it came from a cache
  RangeSource source = RangeSource::kCalibration;
  uint64_t nan_count = 0;  // non-finite values seen during calibration (excluded from the range)
  uint64_t inf_count = 0;
};

// What Builder::calibrate found.
struct CalibrationReport {
  CalibrationAlgorithm algorithm = CalibrationAlgorithm::kEntropy2;
  bool from_cache = false;
  int64_t batches = 0;  // batches run (0 when the cache was used)
  int64_t samples = 0;
  double seconds = 0.0;
  double threshold_search_seconds = 0.0;  // of `seconds`, the per-tensor threshold search
  std::vector<TensorRangeInfo> tensors;   // in network order
  std::vector<std::string> missing;       // tensors left without a range
  std::string cache;  // the calibration cache read or written ("" when nothing was calibrated)
};

// ------------------------------------------------------------------ calibration analysis

// What every algorithm would choose for one tensor, from the |x| histogram calibration records
// (docs/calibration.md): the data behind `int8rt report`.
struct ThresholdCandidate {
  CalibrationAlgorithm algorithm = CalibrationAlgorithm::kEntropy2;
  float amax = 0.0f;
};

struct TensorHistogram {
  std::string name;
  double bin_width = 0.0;        // bin b holds the non-zero finite |x| in [b·w, (b+1)·w)
  std::vector<uint64_t> counts;  // 2048 bins, trailing empty bins removed
  uint64_t zero_count = 0;       // exact zeros (not binned)
  uint64_t nan_count = 0;        // non-finite values (not binned)
  uint64_t inf_count = 0;
  float max_abs = 0.0f;  // the largest finite |x| seen
  // Every algorithm's threshold on this histogram: Entropy2, MinMax, Percentile, MSE and Legacy,
  // with the calibrator's parameters (or the defaults).
  std::vector<ThresholdCandidate> thresholds;
  // The entropy search: KL divergence D(i) of keeping the first i bins, for the thresholds
  // (i + 0.5)·w with i from 128 to 2048 (entropy_divergence[k] belongs to entropy_amax[k]).
  std::vector<float> entropy_amax;
  std::vector<double> entropy_divergence;
  // The range a build with this calibrator and config uses (after propagation through input
  // normalization, and the per-tensor choice when the config asks for it).
  float amax = 0.0f;
};

struct CalibrationAnalysis {
  CalibrationAlgorithm algorithm = CalibrationAlgorithm::kEntropy2;  // the calibrator's
  int64_t batches = 0;
  int64_t samples = 0;
  std::vector<TensorHistogram> tensors;  // in network order
};

struct StreamCalibratorOptions {
  CalibrationAlgorithm algorithm = CalibrationAlgorithm::kEntropy2;
  int64_t batch_size = 32;
  int64_t max_batches = -1;  // all the source's full batches when < 0
  std::string cache_path;    // read before calibrating and written after; "" for none
  double percentile = 99.99;
  double quantile = 0.9999;
  double regression_cutoff = 1.0;
};

// A calibrator over a single-input network that feeds the samples of `source` in order, in full
// batches (a final partial batch is dropped, as every batch must hold batch_size samples), and
// keeps its cache and fingerprint in files (the fingerprint in `<cache_path>.fingerprint`).
class StreamCalibrator final : public Calibrator {
 public:
  StreamCalibrator(std::unique_ptr<DataSource> source, StreamCalibratorOptions options);
  ~StreamCalibrator() override;

  int64_t batch_size() const override { return options_.batch_size; }
  Status prepare(std::span<const IoTensor> inputs) override;
  Result<bool> get_batch(std::span<const std::string> names,
                         std::span<const void*> bindings) override;
  std::string read_calibration_cache() override;
  Status write_calibration_cache(std::string_view cache) override;
  std::string read_cache_fingerprint() override;
  Status write_cache_fingerprint(std::string_view fingerprint) override;
  // The source's name, the samples this calibrator feeds and their values, hashed.
  std::string data_fingerprint() override;
  CalibrationAlgorithm algorithm() const override { return options_.algorithm; }
  double percentile() const override { return options_.percentile; }
  double quantile() const override { return options_.quantile; }
  double regression_cutoff() const override { return options_.regression_cutoff; }

  // Batches handed out so far.
  int64_t batches_served() const { return next_batch_; }
  // Full batches the source holds (capped by max_batches).
  int64_t num_batches() const override;

 private:
  std::unique_ptr<DataSource> source_;
  StreamCalibratorOptions options_;
  int64_t next_batch_ = 0;
  std::vector<float> buffer_;
};

}  // namespace int8rt
