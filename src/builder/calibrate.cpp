// Builder::calibrate: the dynamic range of every tensor, from manual ranges, a cache, or by running
// the FP32 network over the calibrator's batches (CALIBRATION.md; docs/calibration.md).
#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include "builder/calibrate_internal.h"
#include "calib/calibration_cache.h"
#include "calib/fingerprint.h"
#include "core/guard.h"
#include "core/log.h"

namespace int8rt {

namespace {

struct CachedRanges {
  std::string text;
  std::map<std::string, CacheEntry, std::less<>> entries;
};

// Ranges from the calibrator's cache, or nullopt (with a log line saying why) when there is no
// usable cache.
std::optional<CachedRanges> read_cache(Calibrator& calibrator,
                                       const calib::Fingerprint& fingerprint, Logger& logger) {
  std::string text = calibrator.read_calibration_cache();
  if (text.empty()) return std::nullopt;
  auto cache = parse_calibration_cache(text, "calibration cache");
  if (!cache.is_ok()) {
    log_warning(logger, "ignoring the calibration cache: ", cache.status().message(),
                "; recalibrating");
    return std::nullopt;
  }
  const std::string_view wanted = cache_algorithm_name(calibrator.algorithm());
  if (cache->algorithm != wanted) {
    log_warning(logger, "the calibration cache was made by ", cache->algorithm,
                ", the calibrator uses ", wanted, ": recalibrating");
    return std::nullopt;
  }
  // A Legacy cache made with other parameters holds other ranges (as TensorRT reads it).
  if (cache->legacy && (cache->legacy->quantile != calibrator.quantile() ||
                        cache->legacy->regression_cutoff != calibrator.regression_cutoff())) {
    log_warning(logger, "the Legacy calibration cache was made with quantile ",
                cache->legacy->quantile, " and regression cutoff ",
                cache->legacy->regression_cutoff, ", the calibrator uses ", calibrator.quantile(),
                " and ", calibrator.regression_cutoff(), ": recalibrating");
    return std::nullopt;
  }
  std::string stored = calibrator.read_cache_fingerprint();
  if (!stored.empty()) {
    const calib::Fingerprint written = calib::Fingerprint::parse(stored);
    // The fingerprint names the cache it was written with: a cache replaced after it (a run killed
    // between the two writes, or an edit) is not trusted.
    if (const std::string* hash = written.find(calib::kCacheHashField);
        hash != nullptr && *hash != calib::cache_hash(text)) {
      log_warning(logger, "the calibration cache is not the one its fingerprint was written with ",
                  "(replaced since): recalibrating (to use an edited cache as it is, delete its ",
                  "fingerprint file)");
      return std::nullopt;
    }
    auto changed = calib::changed_fields(written, fingerprint);
    if (!changed.empty()) {
      std::string what;
      for (const auto& field : changed)
        what += (what.empty() ? "" : ", ") + field;
      log_warning(logger, "the calibration cache is stale (changed since it was written: ", what,
                  "): recalibrating");
      return std::nullopt;
    }
  }
  CachedRanges ranges{std::move(text), {}};
  for (const CacheEntry& entry : cache->entries)
    ranges.entries[entry.name] = entry;
  log_info(logger, "using the calibration cache (", ranges.entries.size(), " tensors, ",
           cache->algorithm, "); calibration skipped");
  return ranges;
}

}  // namespace

Result<CalibrationReport> Builder::calibrate(const Network& network,
                                             const BuilderConfig& config) const {
  return catch_exceptions("calibrate", [&] { return calibrate_network(network, config); });
}

Result<CalibrationReport> Builder::calibrate_network(const Network& network,
                                                     const BuilderConfig& config) const {
  Logger& logger = *logger_;
  Calibrator* calibrator = config.int8_calibrator();
  CalibrationReport report;
  auto start = std::chrono::steady_clock::now();

  const int64_t batch = calibrator ? calibrator->batch_size() : 1;
  if (calibrator) {
    report.algorithm = calibrator->algorithm();
    INT8RT_RETURN_IF_ERROR(detail::check_calibrator_parameters(*calibrator));
  }
  INT8RT_ASSIGN_OR_RETURN(auto net, detail::calibration_graph(network, config, logger));
  const std::vector<const Tensor*> tensors = detail::activations(*net);

  bool all_manual = true;
  for (const Tensor* t : tensors)
    all_manual = all_manual && t->dynamic_range_is_set();

  std::map<std::string, CacheEntry, std::less<>> found;  // from the cache or calibration
  std::map<std::string, float, std::less<>> amax_of;     // calibrated thresholds
  std::map<std::string, std::pair<uint64_t, uint64_t>, std::less<>> nonfinite;
  if (calibrator != nullptr && !all_manual) {
    calib::Fingerprint fingerprint =
        calib::make_fingerprint(network, *calibrator, config.threshold_search());
    if (auto cached = read_cache(*calibrator, fingerprint, logger)) {
      found = std::move(cached->entries);
      report.cache = std::move(cached->text);
      report.from_cache = true;
    } else {
      log_info(
          logger, "calibrating with ", to_string(calibrator->algorithm()), ", batch size ", batch,
          " (graph ", calibrates_after_fusion(calibrator->algorithm()) ? "after" : "before",
          " fusion",
          config.threshold_search() == ThresholdSearch::kPerTensor ? "; per-tensor thresholds" : "",
          ")");
      INT8RT_ASSIGN_OR_RETURN(detail::Calibrated calibrated,
                              detail::run_calibration(*this, *net, config, *calibrator, logger));
      const detail::Collected& collected = calibrated.collected;
      const std::vector<float>& amax = calibrated.amax;
      report.batches = collected.batches;
      report.samples = collected.samples;
      report.threshold_search_seconds = calibrated.search_seconds;
      std::map<std::string, size_t, std::less<>> index;
      for (size_t i = 0; i < collected.names.size(); ++i)
        index[collected.names[i]] = i;
      // The cache lists every calibrated tensor in network order.
      CalibrationTable cache;
      cache.algorithm = std::string(cache_algorithm_name(calibrator->algorithm()));
      // TensorRT's Legacy calibrator writes its parameters before its cache.
      if (calibrator->algorithm() == CalibrationAlgorithm::kLegacy) {
        cache.legacy = LegacyParameters{calibrator->regression_cutoff(), calibrator->quantile()};
      }
      for (const Tensor* t : tensors) {
        auto it = index.find(t->name());
        if (it == index.end()) continue;
        const calib::Histogram& h = collected.histograms[it->second];
        const float value = amax[it->second];
        amax_of[t->name()] = value;
        found[t->name()] = CacheEntry::from_amax(t->name(), value);
        cache.entries.push_back(found[t->name()]);
        if (h.nan_count() + h.inf_count() > 0) {
          nonfinite[t->name()] = {h.nan_count(), h.inf_count()};
          log_warning(logger, "tensor \"", t->name(), "\": ", h.nan_count(), " NaN and ",
                      h.inf_count(), " infinite values during calibration (left out of its range)");
        }
        if (value == 0.0f) {
          log_warning(logger, "tensor \"", t->name(),
                      "\" was zero on every calibration batch: its range is 0");
        }
      }
      report.cache = format_calibration_cache(cache);
      // The fingerprint goes first, naming the new cache: a run killed between the two writes
      // leaves a pair that disagrees, and the next run recalibrates.
      calib::Fingerprint written = fingerprint;
      written.fields.emplace_back(calib::kCacheHashField, calib::cache_hash(report.cache));
      INT8RT_RETURN_IF_ERROR(calibrator->write_cache_fingerprint(written.text()));
      INT8RT_RETURN_IF_ERROR(calibrator->write_calibration_cache(report.cache));
    }
  }

  for (const Tensor* t : tensors) {
    TensorRangeInfo info;
    info.name = t->name();
    if (t->dynamic_range_is_set()) {
      info.amax = t->dynamic_range_amax();
      info.scale = info.amax / 127.0f;
      info.source = RangeSource::kManual;
    } else if (auto it = found.find(t->name()); it != found.end()) {
      // Calibrated: the threshold itself; from a cache: scale · 127 with the stored scale.
      info.scale = it->second.scale;
      info.amax = report.from_cache ? it->second.amax() : amax_of.at(t->name());
      info.source = report.from_cache ? RangeSource::kCache : RangeSource::kCalibration;
      if (auto bad = nonfinite.find(t->name()); bad != nonfinite.end()) {
        std::tie(info.nan_count, info.inf_count) = bad->second;
      }
    } else {
      report.missing.push_back(t->name());
      continue;
    }
    report.tensors.push_back(std::move(info));
  }
  for (const std::string& name : report.missing) {
    log_warning(logger, "tensor \"", name, "\" has no dynamic range (not set by hand",
                calibrator ? ", not in the calibration cache or results" : ", and no calibrator",
                ")");
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (report.batches > 0) {
    log_info(logger, "calibrated ", report.tensors.size(), " tensors on ", report.samples,
             " samples in ", report.seconds, " s");
  }
  return report;
}

}  // namespace int8rt
