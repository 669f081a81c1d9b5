// Builder::analyze_calibration: every tensor's |x| histogram with what each algorithm would choose
// on it, from the same FP32 pass over the calibrator's batches that calibrate() runs.
#include <chrono>

#include "builder/calibrate_internal.h"
#include "calib/thresholds.h"
#include "core/guard.h"
#include "core/log.h"

namespace int8rt {

namespace {

TensorHistogram describe(const std::string& name, const calib::Histogram& h,
                         const detail::AlgorithmParameters& parameters) {
  TensorHistogram out;
  out.name = name;
  out.bin_width = h.bin_width();
  size_t used = calib::Histogram::kBins;
  while (used > 0 && h.counts()[used - 1] == 0)
    --used;
  out.counts.assign(h.counts().begin(), h.counts().begin() + static_cast<std::ptrdiff_t>(used));
  out.zero_count = h.zero_count();
  out.nan_count = h.nan_count();
  out.inf_count = h.inf_count();
  out.max_abs = h.amax();

  calib::EntropySearch search = calib::entropy_search(h);
  out.thresholds = {
      {CalibrationAlgorithm::kEntropy2, search.amax},
      {CalibrationAlgorithm::kMinMax, calib::threshold_minmax(h)},
      {CalibrationAlgorithm::kPercentile, calib::threshold_percentile(h, parameters.percentile)},
      {CalibrationAlgorithm::kMse, calib::threshold_mse(h)},
      {CalibrationAlgorithm::kLegacy,
       calib::threshold_legacy(h, parameters.quantile, parameters.regression_cutoff)},
  };
  out.entropy_divergence = std::move(search.divergence);
  out.entropy_amax.reserve(out.entropy_divergence.size());
  for (size_t k = 0; k < out.entropy_divergence.size(); ++k) {
    const double kept = static_cast<double>(calib::kMinBins) + static_cast<double>(k);
    out.entropy_amax.push_back(static_cast<float>((kept + 0.5) * h.bin_width()));
  }
  return out;
}

}  // namespace

Result<CalibrationAnalysis> Builder::analyze_calibration(const Network& network,
                                                         const BuilderConfig& config) const {
  return catch_exceptions("analyze_calibration", [&]() -> Result<CalibrationAnalysis> {
    Logger& logger = *logger_;
    Calibrator* calibrator = config.int8_calibrator();
    if (calibrator == nullptr) {
      return invalid_argument(
          "analyze_calibration needs a calibrator (BuilderConfig::set_int8_calibrator)");
    }
    INT8RT_RETURN_IF_ERROR(detail::check_calibrator_parameters(*calibrator));
    const auto start = std::chrono::steady_clock::now();
    INT8RT_ASSIGN_OR_RETURN(auto net, detail::calibration_graph(network, config, logger));
    log_info(logger, "analyzing calibration with ", to_string(calibrator->algorithm()),
             ", batch size ", calibrator->batch_size());
    INT8RT_ASSIGN_OR_RETURN(detail::Calibrated calibrated,
                            detail::run_calibration(*this, *net, config, *calibrator, logger));
    const detail::Collected& collected = calibrated.collected;
    const std::vector<float>& amax = calibrated.amax;

    CalibrationAnalysis analysis;
    analysis.algorithm = calibrator->algorithm();
    analysis.batches = collected.batches;
    analysis.samples = collected.samples;
    analysis.tensors.resize(collected.names.size());
    const auto count = static_cast<int64_t>(collected.names.size());
    const auto parameters = detail::AlgorithmParameters::of(*calibrator);
#pragma omp parallel for schedule(dynamic)
    for (int64_t i = 0; i < count; ++i) {
      const auto k = static_cast<size_t>(i);
      analysis.tensors[k] = describe(collected.names[k], collected.histograms[k], parameters);
      const Tensor* t = net->find_tensor(collected.names[k]);
      // A range set by hand wins over calibration, in the build as here.
      analysis.tensors[k].amax =
          t != nullptr && t->dynamic_range_is_set() ? t->dynamic_range_amax() : amax[k];
    }
    // Network order, as CalibrationReport::tensors.
    std::vector<TensorHistogram> ordered;
    for (const Tensor* t : detail::activations(*net)) {
      for (TensorHistogram& h : analysis.tensors) {
        if (h.name == t->name()) ordered.push_back(std::move(h));
      }
    }
    analysis.tensors = std::move(ordered);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    log_info(logger, "analyzed ", analysis.tensors.size(), " tensors on ", analysis.samples,
             " samples in ", seconds, " s");
    return analysis;
  });
}

}  // namespace int8rt
