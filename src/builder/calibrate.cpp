// Builder::calibrate: the dynamic range of every tensor, from manual ranges, a cache, or by running
// the FP32 network over the calibrator's batches (CALIBRATION.md; docs/calibration.md).
#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include "builder/input_shapes.h"
#include "calib/calibration_cache.h"
#include "calib/fingerprint.h"
#include "calib/histogram.h"
#include "calib/thresholds.h"
#include "core/guard.h"
#include "core/log.h"
#include "int8rt/builder.h"
#include "passes/passes.h"

namespace int8rt {

namespace {

constexpr std::string_view kPhase = "calibration";

Status check_parameters(const Calibrator& calibrator) {
  if (calibrator.batch_size() <= 0) {
    return invalid_argument("calibrator batch size must be positive, got ",
                            calibrator.batch_size());
  }
  const double p = calibrator.percentile(), q = calibrator.quantile();
  const double cutoff = calibrator.regression_cutoff();
  if (calibrator.algorithm() == CalibrationAlgorithm::kPercentile && !(p > 0.0 && p <= 100.0)) {
    return invalid_argument("percentile must be in (0, 100], got ", p);
  }
  if (calibrator.algorithm() == CalibrationAlgorithm::kLegacy &&
      (!(q > 0.0 && q <= 1.0) || !(cutoff > 0.0 && cutoff <= 1.0))) {
    return invalid_argument(
        "legacy calibration needs quantile and regression cutoff in (0, 1], got ", q, " and ",
        cutoff);
  }
  return Status::ok();
}

float choose_threshold(const calib::Histogram& histogram, const Calibrator& calibrator) {
  switch (calibrator.algorithm()) {
    case CalibrationAlgorithm::kEntropy2:
    case CalibrationAlgorithm::kEntropy:
      return calib::threshold_entropy(histogram);
    case CalibrationAlgorithm::kMinMax:
      return calib::threshold_minmax(histogram);
    case CalibrationAlgorithm::kLegacy:
      return calib::threshold_legacy(histogram, calibrator.quantile(),
                                     calibrator.regression_cutoff());
    case CalibrationAlgorithm::kPercentile:
      return calib::threshold_percentile(histogram, calibrator.percentile());
    case CalibrationAlgorithm::kMse:
      return calib::threshold_mse(histogram);
  }
  return calib::threshold_minmax(histogram);
}

// The tensors that get ranges: everything computed or fed at run time (not constants).
std::vector<const Tensor*> activations(const Network& network) {
  std::vector<const Tensor*> result;
  for (int i = 0; i < network.num_tensors(); ++i) {
    const Tensor* t = network.tensor(i);
    if (!t->is_constant() && t->dtype() == DataType::kFloat) result.push_back(t);
  }
  return result;
}

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
  std::string stored = calibrator.read_cache_fingerprint();
  if (!stored.empty()) {
    auto changed = calib::changed_fields(calib::Fingerprint::parse(stored), fingerprint);
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

// Ends the progress phase on every way out of collect().
struct PhaseGuard {
  ProgressMonitor* monitor;
  ~PhaseGuard() {
    if (monitor) monitor->phase_finish(kPhase);
  }
};

struct Collected {
  std::vector<std::string> names;
  std::vector<calib::Histogram> histograms;
  int64_t batches = 0;
  int64_t samples = 0;
};

// Runs `network` in FP32 over the calibrator's batches with every activation observed, streaming
// each into its histogram. Memory: one batch of activations plus one histogram per tensor,
// whatever the number of batches.
Result<Collected> collect(const Builder& builder, const Network& network,
                          const BuilderConfig& config, Calibrator& calibrator) {
  auto observed = network.clone();
  for (const Tensor* t : activations(*observed)) {
    INT8RT_RETURN_IF_ERROR(observed->mark_output(observed->find_tensor(t->name())));
  }
  BuilderConfig fp32;
  fp32.set_backend(config.backend());
  INT8RT_ASSIGN_OR_RETURN(auto engine, builder.build(*observed, fp32));

  std::vector<IoTensor> inputs;
  std::vector<std::string> input_names;
  for (int i = 0; i < engine->num_inputs(); ++i) {
    inputs.push_back(engine->input(i));
    input_names.push_back(engine->input(i).name);
  }
  INT8RT_RETURN_IF_ERROR(calibrator.prepare(inputs));

  Collected collected;
  std::vector<std::vector<std::byte>> buffers;
  std::vector<void*> outputs;
  for (int i = 0; i < engine->num_outputs(); ++i) {
    const IoTensor& out = engine->output(i);
    collected.names.push_back(out.name);
    buffers.emplace_back(static_cast<size_t>(out.dims.volume()) * element_size(out.dtype));
    outputs.push_back(buffers.back().data());
  }
  collected.histograms.resize(collected.names.size());

  auto context = engine->create_execution_context();
  std::vector<const void*> bindings(inputs.size());
  ProgressMonitor* progress = config.progress_monitor();
  if (progress) progress->phase_start(kPhase, calibrator.num_batches());
  const PhaseGuard phase{progress};
  while (true) {
    std::fill(bindings.begin(), bindings.end(), nullptr);
    auto more = calibrator.get_batch(input_names, bindings);
    if (!more.is_ok()) {
      return more.status().with_context("calibrator get_batch (batch " +
                                        std::to_string(collected.batches) + ")");
    }
    if (!*more) break;
    for (size_t i = 0; i < bindings.size(); ++i) {
      if (bindings[i] == nullptr) {
        return invalid_argument("calibrator get_batch gave no data for input \"", input_names[i],
                                "\" (batch ", collected.batches, ")");
      }
    }
    INT8RT_RETURN_IF_ERROR(context->execute(bindings, outputs));
    // One histogram per tensor: independent, so the tensors are binned in parallel.
    const auto count = static_cast<int64_t>(outputs.size());
#pragma omp parallel for schedule(dynamic)
    for (int64_t i = 0; i < count; ++i) {
      const auto* values = static_cast<const float*>(outputs[static_cast<size_t>(i)]);
      collected.histograms[static_cast<size_t>(i)].add(
          {values, buffers[static_cast<size_t>(i)].size() / sizeof(float)});
    }
    ++collected.batches;
    collected.samples += calibrator.batch_size();
    if (progress && !progress->step_complete(kPhase, collected.batches, collected.samples)) {
      return invalid_argument("calibration cancelled after ", collected.batches, " batches");
    }
  }
  if (collected.batches == 0) {
    return invalid_argument("the calibrator provided no batches: calibration needs at least one");
  }
  return collected;
}

// Input normalization (x - mean, x / std with scalar constants, as exporters emit it) maps a
// network input affinely and adds no information, but a clipping algorithm can see its histogram
// very differently: an image's background, a spike at |x| = 0 that Entropy leaves out, becomes a
// spike at |mean / std| that the KL search isolates, and the threshold falls far below the data
// (LeNet's normalized input: 0.99 of 2.82, every stroke pixel above mid-grey clipped). Such
// tensors take the range the algorithm chose for the input, mapped through the ops:
// [-a, a] + c, [-a, a] - c, c - [-a, a], [-a, a] * c, [-a, a] / c.
void propagate_input_ranges(const Network& network,
                            const std::map<std::string, size_t, std::less<>>& index,
                            std::vector<float>& amax, Logger& logger) {
  std::map<const Tensor*, double> chain;  // tensors affine in a network input -> amax
  for (int i = 0; i < network.num_inputs(); ++i) {
    auto it = index.find(network.input(i)->name());
    if (it != index.end()) chain[network.input(i)] = amax[it->second];
  }
  for (int i = 0; i < network.num_layers(); ++i) {
    const Layer& layer = *network.layer(i);
    const OpType op = layer.type();
    if (op != OpType::kAdd && op != OpType::kSub && op != OpType::kMul && op != OpType::kDiv) {
      continue;
    }
    if (layer.num_inputs() != 2 || layer.input(0) == nullptr || layer.input(1) == nullptr) continue;
    const int data = chain.count(layer.input(0)) ? 0 : chain.count(layer.input(1)) ? 1 : -1;
    const Tensor* other = data < 0 ? nullptr : layer.input(1 - data);
    if (other == nullptr || !other->is_constant() || other->constant_value().count() != 1 ||
        other->dtype() != DataType::kFloat) {
      continue;
    }
    const double a = chain.at(layer.input(data));
    const double c = other->constant_value().to_double()[0];
    double lo = -a, hi = a;
    switch (op) {
      case OpType::kAdd:
        lo += c, hi += c;
        break;
      case OpType::kSub:
        data == 0 ? (lo -= c, hi -= c) : (lo = c - a, hi = c + a);
        break;
      case OpType::kMul:
        lo *= c, hi *= c;
        break;
      default:  // Div: only x / c is affine
        if (data != 0 || c == 0.0) continue;
        lo /= c, hi /= c;
    }
    const Tensor* out = layer.output(0);
    chain[out] = std::max(std::fabs(lo), std::fabs(hi));
    if (auto it = index.find(out->name()); it != index.end()) {
      log_verbose(logger, "tensor \"", out->name(), "\": range ", chain[out], " from input (",
                  amax[it->second], " from its own histogram)");
      amax[it->second] = static_cast<float>(chain[out]);
    }
  }
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

  // The graph the ranges are for: input shapes fixed (batch axis = the calibrator's batch size),
  // constants folded, and fused for the algorithms that calibrate after fusion.
  auto net = network.clone();
  const int64_t batch = calibrator ? calibrator->batch_size() : 1;
  if (calibrator) {
    report.algorithm = calibrator->algorithm();
    INT8RT_RETURN_IF_ERROR(check_parameters(*calibrator));
  }
  // Without a calibrator nothing runs: the network keeps the shapes it is built with.
  INT8RT_RETURN_IF_ERROR(detail::bind_input_shapes(
      *net, calibrator ? detail::with_batch_size(network, config.input_shapes(), batch)
                       : config.input_shapes()));
  if (calibrator && calibrates_after_fusion(calibrator->algorithm())) {
    INT8RT_RETURN_IF_ERROR(passes::optimize(*net, logger));
  } else {
    INT8RT_RETURN_IF_ERROR(passes::fold_constants(*net, logger));
    INT8RT_RETURN_IF_ERROR(passes::eliminate_identity(*net, logger));
  }
  const std::vector<const Tensor*> tensors = activations(*net);

  bool all_manual = true;
  for (const Tensor* t : tensors)
    all_manual = all_manual && t->dynamic_range_is_set();

  std::map<std::string, CacheEntry, std::less<>> found;  // from the cache or calibration
  std::map<std::string, float, std::less<>> amax_of;     // calibrated thresholds
  std::map<std::string, std::pair<uint64_t, uint64_t>, std::less<>> nonfinite;
  if (calibrator != nullptr && !all_manual) {
    calib::Fingerprint fingerprint = calib::make_fingerprint(network, *calibrator);
    if (auto cached = read_cache(*calibrator, fingerprint, logger)) {
      found = std::move(cached->entries);
      report.cache = std::move(cached->text);
      report.from_cache = true;
    } else {
      log_info(logger, "calibrating with ", to_string(calibrator->algorithm()), ", batch size ",
               batch, " (graph ",
               calibrates_after_fusion(calibrator->algorithm()) ? "after" : "before", " fusion)");
      INT8RT_ASSIGN_OR_RETURN(Collected collected, collect(*this, *net, config, *calibrator));
      report.batches = collected.batches;
      report.samples = collected.samples;
      // Thresholds are independent per tensor: computed in parallel.
      std::vector<float> amax(collected.names.size());
      const auto count = static_cast<int64_t>(amax.size());
#pragma omp parallel for schedule(dynamic)
      for (int64_t i = 0; i < count; ++i) {
        amax[static_cast<size_t>(i)] =
            choose_threshold(collected.histograms[static_cast<size_t>(i)], *calibrator);
      }
      std::map<std::string, size_t, std::less<>> index;
      for (size_t i = 0; i < collected.names.size(); ++i)
        index[collected.names[i]] = i;
      propagate_input_ranges(*net, index, amax, logger);
      // The cache lists every calibrated tensor in network order.
      CalibrationTable cache;
      cache.algorithm = std::string(cache_algorithm_name(calibrator->algorithm()));
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
      INT8RT_RETURN_IF_ERROR(calibrator->write_calibration_cache(report.cache));
      INT8RT_RETURN_IF_ERROR(calibrator->write_cache_fingerprint(fingerprint.text()));
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
