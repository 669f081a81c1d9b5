// Calibration's shared steps: the calibration graph, the FP32 pass over the calibrator's batches
// and the build's thresholds (calibrate_internal.h).
#include <chrono>
#include <cmath>
#include <map>

#include "builder/calibrate_internal.h"
#include "builder/calibrate_pass.h"
#include "builder/input_shapes.h"
#include "calib/thresholds.h"
#include "core/log.h"
#include "ir/quantization.h"
#include "passes/passes.h"

namespace int8rt::detail {

namespace {
constexpr std::string_view kPhase = "calibration";
}  // namespace

Status check_calibrator_parameters(const Calibrator& calibrator) {
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

float choose_threshold(const calib::Histogram& histogram, const AlgorithmParameters& parameters) {
  switch (parameters.algorithm) {
    case CalibrationAlgorithm::kEntropy2:
    case CalibrationAlgorithm::kEntropy:
      return calib::threshold_entropy(histogram);
    case CalibrationAlgorithm::kMinMax:
      return calib::threshold_minmax(histogram);
    case CalibrationAlgorithm::kLegacy:
      return calib::threshold_legacy(histogram, parameters.quantile, parameters.regression_cutoff);
    case CalibrationAlgorithm::kPercentile:
      return calib::threshold_percentile(histogram, parameters.percentile);
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

Result<std::unique_ptr<Network>> calibration_graph(const Network& network,
                                                   const BuilderConfig& config, Logger& logger) {
  Calibrator* calibrator = config.int8_calibrator();
  auto net = network.clone();
  // Without a calibrator nothing runs: the network keeps the shapes it is built with.
  INT8RT_RETURN_IF_ERROR(detail::bind_input_shapes(
      *net, calibrator
                ? detail::with_batch_size(network, config.input_shapes(), calibrator->batch_size())
                : config.input_shapes()));
  if (calibrator && calibrates_after_fusion(calibrator->algorithm())) {
    INT8RT_RETURN_IF_ERROR(passes::optimize(*net, logger));
  } else {
    INT8RT_RETURN_IF_ERROR(passes::fold_constants(*net, logger));
    INT8RT_RETURN_IF_ERROR(passes::eliminate_identity(*net, logger));
  }
  return net;
}

namespace {

// Ends the progress phase on every way out of collect().
struct PhaseGuard {
  ProgressMonitor* monitor;
  ~PhaseGuard() {
    if (monitor) monitor->phase_finish(kPhase);
  }
};

}  // namespace

Result<Collected> collect(const Builder& builder, const Network& network,
                          const BuilderConfig& config, Calibrator& calibrator, KeptValues* kept) {
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
  for (int i = 0; i < engine->num_outputs(); ++i)
    collected.names.push_back(engine->output(i).name);
  INT8RT_ASSIGN_OR_RETURN(auto pass, CalibrationPass::create(*engine, calibrator));

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
    INT8RT_RETURN_IF_ERROR(pass->run(bindings));
    if (kept != nullptr && collected.batches < kept->max_batches) {
      for (size_t i = 0; i < collected.names.size(); ++i) {
        if (kept->names.count(collected.names[i]) == 0) continue;
        INT8RT_RETURN_IF_ERROR(pass->read(i, kept->values[collected.names[i]].emplace_back()));
      }
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
  INT8RT_ASSIGN_OR_RETURN(collected.histograms, pass->histograms());
  return collected;
}

namespace {

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

// Every threshold made a valid INT8 range (ir::invalid_amax_reason). Data near the largest float
// gives a threshold past it (the histogram's last bin ends beyond FLT_MAX): the range becomes the
// largest finite value seen. A range too small for a normal scale (values below about 1.5e-36)
// becomes 0, which keeps the layers around the tensor in float (docs/passes.md). Both say so.
void make_ranges_valid(const Collected& collected, std::vector<float>& amax, Logger& logger) {
  for (size_t i = 0; i < amax.size(); ++i) {
    const calib::Histogram& histogram = collected.histograms[i];
    if (!std::isfinite(amax[i])) {
      amax[i] = std::isfinite(histogram.amax()) ? histogram.amax() : 0.0f;
      log_warning(logger, "tensor \"", collected.names[i], "\": values up to ", amax[i],
                  ", where INT8 ranges overflow float32: its range is the largest value seen");
    }
    if (amax[i] > 0.0f && amax[i] < ir::kMinInt8Amax) {
      log_warning(logger, "tensor \"", collected.names[i], "\": range ", amax[i], " ",
                  ir::invalid_amax_reason(amax[i]),
                  "; its range is 0, so the layers that read or write it stay float");
      amax[i] = 0.0f;
    }
  }
}

}  // namespace

std::vector<float> build_thresholds(const Network& network, const Collected& collected,
                                    const Calibrator& calibrator, Logger& logger) {
  // Thresholds are independent per tensor: computed in parallel.
  std::vector<float> amax(collected.names.size());
  const auto count = static_cast<int64_t>(amax.size());
  const AlgorithmParameters parameters = AlgorithmParameters::of(calibrator);
#pragma omp parallel for schedule(dynamic)
  for (int64_t i = 0; i < count; ++i) {
    amax[static_cast<size_t>(i)] =
        choose_threshold(collected.histograms[static_cast<size_t>(i)], parameters);
  }
  std::map<std::string, size_t, std::less<>> index;
  for (size_t i = 0; i < collected.names.size(); ++i)
    index[collected.names[i]] = i;
  propagate_input_ranges(network, index, amax, logger);
  make_ranges_valid(collected, amax, logger);
  return amax;
}

Result<Calibrated> run_calibration(const Builder& builder, const Network& net,
                                   const BuilderConfig& config, Calibrator& calibrator,
                                   Logger& logger) {
  std::unique_ptr<ThresholdSearchPlan> plan;
  if (config.threshold_search() == ThresholdSearch::kPerTensor) {
    INT8RT_ASSIGN_OR_RETURN(plan, plan_threshold_search(net, calibrator, config.backend()));
  }
  Calibrated out;
  INT8RT_ASSIGN_OR_RETURN(out.collected,
                          collect(builder, net, config, calibrator, plan ? &plan->kept : nullptr));
  out.amax = build_thresholds(net, out.collected, calibrator, logger);
  if (plan) {
    const auto start = std::chrono::steady_clock::now();
    INT8RT_RETURN_IF_ERROR(
        search_thresholds(*plan, out.collected, calibrator, config.backend(), out.amax, logger));
    make_ranges_valid(out.collected, out.amax, logger);
    out.search_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return out;
}

}  // namespace int8rt::detail
