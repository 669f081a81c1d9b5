// repair_precision: sensitivity ranking, then a greedy search for the FP32 layers (repair.h).
#include "int8rt/repair.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <sstream>

#include "analysis/progress_phase.h"
#include "analysis/repair_measure.h"
#include "core/file_io.h"

namespace int8rt {

std::string_view to_string(SensitivityMeasure measure) {
  switch (measure) {
    case SensitivityMeasure::kAccuracy:
      return "accuracy";
    case SensitivityMeasure::kOutputError:
      return "output-error";
  }
  return "?";
}

std::string_view to_string(Isolation isolation) {
  return isolation == Isolation::kLayerFp32 ? "fp32" : "int8";
}

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f%%", 100.0 * fraction);
  return text;
}

// The network layers an engine layer was built from. Fusion joins member names with '+'; a name
// that itself holds '+' is recovered by joining pieces until the network knows the name. Empty
// when some piece is no layer of the network (a layer the builder made, e.g. a reformat).
std::vector<std::string> members_of(const std::string& engine_layer, const Network& network) {
  std::vector<std::string> pieces;
  size_t start = 0;
  for (;;) {
    const size_t plus = engine_layer.find('+', start);
    pieces.push_back(engine_layer.substr(start, plus - start));
    if (plus == std::string::npos) break;
    start = plus + 1;
  }
  std::vector<std::string> members;
  std::string name;
  for (const std::string& piece : pieces) {
    name = name.empty() ? piece : name + "+" + piece;
    if (network.find_layer(name) != nullptr) {
      members.push_back(name);
      name.clear();
    }
  }
  if (!name.empty()) return {};
  return members;
}

class Search {
 public:
  Search(const Builder& builder, const Network& network, const BuilderConfig& config,
         DataSource& data, const RepairOptions& options)
      : quiet_logger_(builder.logger()),
        builder_(quiet_logger_),
        network_(network),
        config_(config),
        data_(data),
        options_(options) {}

  Result<RepairResult> run() {
    const auto start = Clock::now();
    INT8RT_RETURN_IF_ERROR(check_options());
    INT8RT_RETURN_IF_ERROR(prepare_ranges());
    INT8RT_ASSIGN_OR_RETURN(eval_set_, analysis::load_samples(data_, options_.max_samples));
    const int64_t subset = options_.sensitivity_samples < 0
                               ? eval_set_->size()
                               : std::min(options_.sensitivity_samples, eval_set_->size());
    INT8RT_ASSIGN_OR_RETURN(subset_set_, analysis::load_samples(*eval_set_, subset));
    result_.evaluation_samples = eval_set_->size();
    result_.sensitivity_samples = subset;
    if (eval_set_->size() == 0) {
      return invalid_argument("repair: data \"", data_.name(), "\" has no samples");
    }

    // FP32 and all-INT8 references.
    BuilderConfig fp32_config = rebuild_config_;
    fp32_config.clear_flag(BuilderFlag::kInt8);
    INT8RT_ASSIGN_OR_RETURN(auto fp32, build(*ranged_, fp32_config));
    INT8RT_ASSIGN_OR_RETURN(result_.fp32_accuracy, evaluate(*fp32));
    INT8RT_ASSIGN_OR_RETURN(auto int8, build(*ranged_, rebuild_config_));
    INT8RT_ASSIGN_OR_RETURN(result_.int8_accuracy, evaluate(*int8));
    result_.target = options_.target_accuracy >= 0
                         ? options_.target_accuracy
                         : result_.fp32_accuracy.value() - options_.max_drop;
    result_.int8_layers = count_int8(*int8);
    INT8RT_ASSIGN_OR_RETURN(result_.fp32_latency_ms, latency(*fp32));
    INT8RT_ASSIGN_OR_RETURN(result_.int8_latency_ms, latency(*int8));

    result_.repaired_accuracy = result_.int8_accuracy;
    result_.repaired_latency_ms = result_.int8_latency_ms;
    result_.repaired_int8_layers = result_.int8_layers;
    if (meets(result_.int8_accuracy)) {
      result_.target_met = true;
    } else {
      INT8RT_RETURN_IF_ERROR(rank(*fp32, *int8));
      INT8RT_RETURN_IF_ERROR(greedy());
    }
    result_.seconds = seconds_since(start);
    return std::move(result_);
  }

 private:
  Status check_options() const {
    if ((options_.target_accuracy >= 0) == (options_.max_drop >= 0)) {
      return invalid_argument(
          "repair: give one target: target_accuracy (e.g. 0.99) or max_drop (e.g. 0.005)");
    }
    if (options_.target_accuracy > 1.0) {
      return invalid_argument("repair: target accuracy ", options_.target_accuracy,
                              " is above 1 (it is a fraction: 0.99 for 99 %)");
    }
    if (options_.max_drop > 1.0) {
      return invalid_argument("repair: max drop ", options_.max_drop,
                              " is above 1 (it is a fraction: 0.005 for 0.5 pt)");
    }
    if (options_.max_layers < 1) return invalid_argument("repair: max_layers must be at least 1");
    if (options_.batch_size < 1) return invalid_argument("repair: batch_size must be at least 1");
    if (!config_.get_flag(BuilderFlag::kInt8)) {
      return invalid_argument("repair: the config must have BuilderFlag::kInt8");
    }
    if (!data_.has_labels()) {
      return invalid_argument("repair: data \"", data_.name(),
                              "\" has no labels; repair needs them");
    }
    return Status::ok();
  }

  // Calibrates once and puts every range on a copy of the network, so no rebuild calibrates.
  Status prepare_ranges() {
    ranged_ = network_.clone();
    rebuild_config_ = config_;
    rebuild_config_.set_int8_calibrator(nullptr);
    rebuild_config_.set_progress_monitor(nullptr);
    if (config_.int8_calibrator() == nullptr) return Status::ok();
    const auto start = Clock::now();
    INT8RT_ASSIGN_OR_RETURN(CalibrationReport report,
                            calibrate_builder().calibrate(network_, config_));
    for (const TensorRangeInfo& info : report.tensors) {
      Tensor* t = ranged_->find_tensor(info.name);
      if (t == nullptr || t->dynamic_range_is_set()) continue;
      INT8RT_RETURN_IF_ERROR(t->set_dynamic_range(-info.amax, info.amax));
    }
    result_.calibration_seconds = seconds_since(start);
    return Status::ok();
  }

  // Calibration logs through the caller's logger (its warnings matter once).
  Builder calibrate_builder() const { return Builder(quiet_logger_.base()); }

  Result<std::unique_ptr<Engine>> build(const Network& network, const BuilderConfig& config) {
    ++result_.builds;
    return builder_.build(network, config);
  }

  // `layers` (engine layers) kept in FP32 on a copy of the ranged network.
  Result<std::unique_ptr<Engine>> build_with_fp32(
      const std::vector<const LayerSensitivity*>& layers) {
    std::unique_ptr<Network> net = ranged_->clone();
    for (const LayerSensitivity* layer : layers) {
      for (const std::string& member : layer->members)
        net->find_layer(member)->set_precision(DataType::kFloat);
    }
    return build(*net, rebuild_config_);
  }

  Result<Accuracy> evaluate(const Engine& engine) {
    ++result_.evaluations;
    if (options_.evaluate) return options_.evaluate(engine, *eval_set_, options_.batch_size);
    EvaluateOptions eval;
    eval.batch_size = options_.batch_size;
    return evaluate_top1(engine, *eval_set_, eval);
  }

  Result<double> latency(const Engine& engine) {
    return analysis::median_latency_ms(engine, options_.latency_batch, options_.latency_iterations);
  }

  bool meets(const Accuracy& accuracy) const { return accuracy.value() >= result_.target - 1e-12; }

  // INT8 layers of the network (the reformat layers the builder inserts are not counted).
  int count_int8(const Engine& engine) const {
    int count = 0;
    for (const LayerInfo& layer : engine.layers())
      count += layer.precision == DataType::kInt8 && !members_of(layer.name, *ranged_).empty();
    return count;
  }

  // Each INT8 layer of the all-INT8 engine kept in FP32 alone, measured on the subset.
  Status rank(const Engine& fp32, const Engine& int8) {
    INT8RT_ASSIGN_OR_RETURN(analysis::OutputRun reference,
                            analysis::run_outputs(fp32, *subset_set_, options_.batch_size));
    INT8RT_ASSIGN_OR_RETURN(analysis::OutputRun base,
                            analysis::run_outputs(int8, *subset_set_, options_.batch_size));
    result_.evaluations += 2;
    const double base_error = analysis::relative_l2(base.outputs, reference.outputs);
    std::vector<LayerSensitivity> candidates;
    for (const LayerInfo& info : int8.layers()) {
      if (info.precision != DataType::kInt8) continue;
      std::vector<std::string> members = members_of(info.name, *ranged_);
      if (members.empty()) continue;
      candidates.push_back({info.name, std::move(members), info.op, {}, 0.0, 0.0});
    }
    analysis::ProgressPhase phase(options_.progress, "sensitivity", ssize(candidates));
    const bool one_fp32 = options_.isolation == Isolation::kLayerFp32;
    std::vector<double> error_gain(candidates.size());  // larger: more sensitive
    for (size_t i = 0; i < candidates.size(); ++i) {
      LayerSensitivity& c = candidates[i];
      std::vector<const LayerSensitivity*> fp32_layers;
      for (const LayerSensitivity& other : candidates) {
        if ((&other == &c) == one_fp32) fp32_layers.push_back(&other);
      }
      INT8RT_ASSIGN_OR_RETURN(auto engine, build_with_fp32(fp32_layers));
      INT8RT_ASSIGN_OR_RETURN(analysis::OutputRun run,
                              analysis::run_outputs(*engine, *subset_set_, options_.batch_size));
      ++result_.evaluations;
      c.accuracy = run.accuracy;
      c.output_error = analysis::relative_l2(run.outputs, reference.outputs);
      error_gain[i] = one_fp32 ? base_error - c.output_error : c.output_error;
      const double accuracy_gain = one_fp32 ? run.accuracy.value() - base.accuracy.value()
                                            : reference.accuracy.value() - run.accuracy.value();
      c.sensitivity =
          options_.measure == SensitivityMeasure::kAccuracy ? accuracy_gain : error_gain[i];
      const auto done = static_cast<int64_t>(i) + 1;
      if (!phase.step(done, done * subset_set_->size())) {
        return invalid_argument("repair cancelled during the sensitivity ranking");
      }
    }
    // Most sensitive first; equal accuracy gains are ordered by the output error removed, then
    // network order.
    std::vector<size_t> order(candidates.size());
    for (size_t i = 0; i < order.size(); ++i)
      order[i] = i;
    // A NaN (an output error of inf − inf) ranks last: the comparison must stay a strict weak
    // order for the sort.
    const auto key = [](double v) {
      return std::isnan(v) ? -std::numeric_limits<double>::infinity() : v;
    };
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const double sa = key(candidates[a].sensitivity), sb = key(candidates[b].sensitivity);
      if (sa != sb) return sa > sb;
      return key(error_gain[a]) > key(error_gain[b]);
    });
    std::vector<LayerSensitivity> ranked;
    for (size_t i : order)
      ranked.push_back(std::move(candidates[i]));
    candidates = std::move(ranked);
    result_.sensitivities = std::move(candidates);
    return Status::ok();
  }

  // The first k of the ranking in FP32, k = 1, 2, ... until the target is met.
  Status greedy() {
    const int steps = std::min<int>(options_.max_layers, ssize(result_.sensitivities));
    analysis::ProgressPhase phase(options_.progress, "repair", steps);
    std::vector<const LayerSensitivity*> chosen;
    RepairStep best{0, result_.int8_accuracy};
    std::unique_ptr<Engine> best_engine;
    for (int k = 1; k <= steps; ++k) {
      chosen.push_back(&result_.sensitivities[static_cast<size_t>(k - 1)]);
      INT8RT_ASSIGN_OR_RETURN(auto engine, build_with_fp32(chosen));
      INT8RT_ASSIGN_OR_RETURN(Accuracy accuracy, evaluate(*engine));
      result_.steps.push_back({k, accuracy});
      if (accuracy.value() > best.accuracy.value()) {
        best = {k, accuracy};
        best_engine = std::move(engine);
      }
      if (!phase.step(k, k * eval_set_->size())) {
        return invalid_argument("repair cancelled during the search");
      }
      if (meets(accuracy)) break;
    }
    result_.target_met = meets(best.accuracy);
    if (!result_.target_met) {
      std::ostringstream message;
      message << "target " << percent(result_.target) << " not reached with up to " << steps
              << " FP32 layer" << (steps == 1 ? "" : "s") << " (of " << result_.sensitivities.size()
              << " INT8 layers); the best found is " << percent(best.accuracy.value()) << " with "
              << best.layers << " layer" << (best.layers == 1 ? "" : "s")
              << " in FP32 (all INT8: " << percent(result_.int8_accuracy.value())
              << ", FP32: " << percent(result_.fp32_accuracy.value()) << ")";
      result_.message = message.str();
    }
    if (best.layers == 0) return Status::ok();
    std::vector<const LayerSensitivity*> kept(chosen.begin(), chosen.begin() + best.layers);
    Accuracy accuracy = best.accuracy;
    if (result_.target_met && options_.prune) {
      // Layers ranked earlier may be unnecessary once later ones are FP32: drop each one whose
      // removal still meets the target, the least sensitive first (the last one added made the
      // target, so it stays).
      for (int i = ssize(kept) - 2; i >= 0; --i) {
        std::vector<const LayerSensitivity*> without = kept;
        without.erase(without.begin() + i);
        INT8RT_ASSIGN_OR_RETURN(auto engine, build_with_fp32(without));
        INT8RT_ASSIGN_OR_RETURN(Accuracy pruned, evaluate(*engine));
        if (!meets(pruned)) continue;
        result_.pruned.push_back(kept[static_cast<size_t>(i)]->layer);
        kept = std::move(without);
        accuracy = pruned;
        best_engine = std::move(engine);
      }
    }
    std::set<std::string> seen;
    for (const LayerSensitivity* layer : kept) {
      result_.chosen.push_back(layer->layer);
      for (const std::string& member : layer->members) {
        if (seen.insert(member).second) result_.precisions.emplace_back(member, DataType::kFloat);
      }
    }
    best.accuracy = accuracy;
    result_.repaired_accuracy = best.accuracy;
    result_.repaired_int8_layers = count_int8(*best_engine);
    INT8RT_ASSIGN_OR_RETURN(result_.repaired_latency_ms, latency(*best_engine));
    return Status::ok();
  }

  template <typename T>
  static int ssize(const std::vector<T>& v) {
    return static_cast<int>(v.size());
  }

  analysis::QuietLogger quiet_logger_;
  Builder builder_;  // logs errors only
  const Network& network_;
  const BuilderConfig& config_;
  DataSource& data_;
  const RepairOptions& options_;
  std::unique_ptr<Network> ranged_;
  BuilderConfig rebuild_config_;
  std::unique_ptr<DatasetSource> eval_set_;
  std::unique_ptr<DatasetSource> subset_set_;
  RepairResult result_;
};

}  // namespace

Result<RepairResult> repair_precision(const Builder& builder, const Network& network,
                                      const BuilderConfig& config, DataSource& data,
                                      const RepairOptions& options) {
  Search search(builder, network, config, data, options);
  return search.run();
}

std::string format_layer_precisions(const std::vector<LayerPrecision>& precisions,
                                    std::string_view comment) {
  std::string text;
  size_t start = 0;
  while (start < comment.size()) {
    size_t end = comment.find('\n', start);
    if (end == std::string_view::npos) end = comment.size();
    text += "# ";
    text += comment.substr(start, end - start);
    text += "\n";
    start = end + 1;
  }
  for (const auto& [name, precision] : precisions) {
    text += name;
    text += precision == DataType::kInt8 ? ": int8\n" : ": fp32\n";
  }
  return text;
}

Status write_layer_precisions(const std::string& path,
                              const std::vector<LayerPrecision>& precisions,
                              std::string_view comment) {
  return write_file_atomic(path, format_layer_precisions(precisions, comment));
}

}  // namespace int8rt
