// int8rt repair: the layers to keep in FP32 so the INT8 engine meets an accuracy target
// (repair_precision), written as a --layer-precisions file.
#include <charconv>
#include <cmath>
#include <cstdio>

#include "commands.h"
#include "common.h"
#include "int8_build.h"
#include "int8rt/data.h"
#include "int8rt/repair.h"

namespace int8rt::cli {

namespace {

std::vector<Flag> repair_flags() {
  std::vector<Flag> flags = engine_flags();
  std::vector<Flag> own = {
      {"data", "SPEC", "the labelled evaluation set (required; forms below)"},
      {"max-drop", "PT", "target: at most PT percentage points below FP32 top-1 (e.g. 0.5)"},
      {"target-accuracy", "PCT", "target: top-1 of at least PCT percent (e.g. 99)"},
      {"out", "FILE", "write the layer precisions there (required; \"layer: fp32\" lines)"},
      {"max-layers", "N", "keep at most N layers of the INT8 engine in FP32 (default 10)"},
      {"sensitivity", "NAME",
       "how a layer is ranked: output-error (default; relative L2 error of\nthe output vs FP32 "
       "removed) or accuracy (top-1 gained, ties by output\nerror)"},
      {"isolate", "fp32|int8",
       "measure each layer alone in FP32, the rest INT8 (fp32, default), or\nalone in INT8, the "
       "rest FP32 (int8: finds layers that only help\ntogether)"},
      {"sensitivity-samples", "N",
       "rank on the first N evaluation samples (default 1000; 0 for all)"},
      {"no-prune", "",
       "keep every layer of the greedy steps (by default, those the target\nis met without are "
       "dropped afterwards)"},
      {"limit", "N", "use only the first N samples of --data"},
      {"batch", "B",
       "batch size (default: the model's fixed batch, else " + std::to_string(kDefaultBatch) + ")"},
      {"latency-batch", "B", "time the engines at batch B (default: --batch)"},
      {"latency-iterations", "N", "timed runs per engine, median reported (default 50; 0: none)"},
      {"json", "", "print the result as JSON"},
  };
  add_command_flags(flags, std::move(own), "calib-data");
  return flags;
}

constexpr char kUsage[] =
    "usage: int8rt repair --onnx MODEL.onnx --data SPEC (--max-drop PT | --target-accuracy PCT)\n"
    "                     --out FILE (--calib-data SPEC --cache FILE | --ranges FILE)\n"
    "                     [--max-layers N] [--sensitivity accuracy|output-error]\n"
    "                     [--isolate fp32|int8] [--sensitivity-samples N] [--limit N]\n"
    "                     [--batch B] [--json] [calibrator flags]\n"
    "\n"
    "Finds a small set of layers to keep in FP32 so the INT8 engine meets the target top-1 on\n"
    "--data. Calibrates once (or reads --cache), then ranks every INT8 layer by what keeping it\n"
    "alone in FP32 (--isolate fp32) or alone in INT8 (--isolate int8) measures on the first\n"
    "--sensitivity-samples samples, and keeps layers in FP32\n"
    "in that order, rebuilding and evaluating on all of --data, until the target is met or\n"
    "--max-layers are FP32. Prints the ranking, the layers, top-1 and latency before and after,\n"
    "and writes --out, which int8rt build/eval/bench --layer-precisions FILE read. Exit status 3\n"
    "when the target was not reached (--out then holds the best set found).\n"
    "\n"
    "flags:\n";

constexpr int kExitTargetMissed = 3;

Result<double> parse_real(std::string_view flag, const std::string& text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    return invalid_argument("--", flag, " expects a number, got \"", text, "\"");
  }
  return value;
}

struct Setup {
  std::unique_ptr<Network> network;
  std::unique_ptr<BuilderConfig> config;
  Int8Setup int8;
  std::unique_ptr<DataSource> data;
  RepairOptions options;
};

Result<Setup> prepare(const Args& args, Logger& logger) {
  if (!args.has("onnx")) return invalid_argument("--onnx is required (the model to repair)");
  if (!args.has("data")) {
    return invalid_argument(
        "--data is required (the labelled evaluation set, e.g. idx:IMAGES,LABELS)");
  }
  if (args.has("max-drop") == args.has("target-accuracy")) {
    return invalid_argument(args.has("max-drop")
                                ? "give --max-drop or --target-accuracy, not both"
                                : "a target is required: --max-drop PT or --target-accuracy PCT");
  }
  if (!args.has("out")) {
    return invalid_argument("--out FILE is required (where the layer precisions are written)");
  }
  INT8RT_RETURN_IF_ERROR(check_writable_location("out", args.get("out")));
  Setup setup;
  RepairOptions& options = setup.options;
  if (args.has("max-drop")) {
    INT8RT_ASSIGN_OR_RETURN(double drop, parse_real("max-drop", args.get("max-drop")));
    if (drop < 0 || drop > 100) {
      return invalid_argument("--max-drop ", args.get("max-drop"),
                              ": expected percentage points in [0, 100]");
    }
    options.max_drop = drop / 100.0;
  } else {
    INT8RT_ASSIGN_OR_RETURN(double target,
                            parse_real("target-accuracy", args.get("target-accuracy")));
    if (target < 0 || target > 100) {
      return invalid_argument("--target-accuracy ", args.get("target-accuracy"),
                              ": expected a percentage in [0, 100]");
    }
    options.target_accuracy = target / 100.0;
  }
  if (args.has("max-layers")) {
    INT8RT_ASSIGN_OR_RETURN(int64_t n, parse_count("max-layers", args.get("max-layers")));
    if (n == 0) return invalid_argument("--max-layers must be at least 1");
    options.max_layers = static_cast<int>(std::min<int64_t>(n, 1 << 20));
  }
  if (args.has("sensitivity")) {
    const std::string name = args.get("sensitivity");
    if (name == "accuracy") {
      options.measure = SensitivityMeasure::kAccuracy;
    } else if (name == "output-error") {
      options.measure = SensitivityMeasure::kOutputError;
    } else {
      return invalid_argument("--sensitivity \"", name,
                              "\" is not a measure (accuracy, output-error)");
    }
  }
  if (args.has("isolate")) {
    const std::string name = args.get("isolate");
    if (name == "fp32") {
      options.isolation = Isolation::kLayerFp32;
    } else if (name == "int8") {
      options.isolation = Isolation::kLayerInt8;
    } else {
      return invalid_argument("--isolate \"", name, "\" is not fp32 or int8");
    }
  }
  options.prune = !args.has("no-prune");
  if (args.has("sensitivity-samples")) {
    INT8RT_ASSIGN_OR_RETURN(options.sensitivity_samples,
                            parse_count("sensitivity-samples", args.get("sensitivity-samples")));
    if (options.sensitivity_samples == 0) options.sensitivity_samples = -1;
  }
  if (args.has("limit")) {
    INT8RT_ASSIGN_OR_RETURN(options.max_samples, parse_count("limit", args.get("limit")));
    if (options.max_samples == 0) return invalid_argument("--limit must be at least 1");
  }
  if (args.has("latency-iterations")) {
    INT8RT_ASSIGN_OR_RETURN(int64_t n,
                            parse_count("latency-iterations", args.get("latency-iterations")));
    options.latency_iterations = static_cast<int>(std::min<int64_t>(n, 1 << 20));
  }

  INT8RT_ASSIGN_OR_RETURN(setup.data, open_data_source(args.get("data")));
  if (!setup.data->has_labels()) {
    return invalid_argument("--data ", setup.data->name(), ": has no labels; repair needs them");
  }
  const std::string model = args.get("onnx");
  INT8RT_ASSIGN_OR_RETURN(setup.network, load_onnx(model, logger));
  if (setup.network->num_inputs() != 1) {
    return invalid_argument(model, ": repair needs a model with one input, this one has ",
                            setup.network->num_inputs());
  }
  INT8RT_ASSIGN_OR_RETURN(const int64_t batch, model_batch(args, *setup.network, model));
  options.batch_size = batch;
  options.latency_batch = batch;
  if (args.has("latency-batch")) {
    INT8RT_ASSIGN_OR_RETURN(options.latency_batch,
                            parse_count("latency-batch", args.get("latency-batch")));
    if (options.latency_batch == 0 || options.latency_batch > batch) {
      return invalid_argument("--latency-batch ", options.latency_batch, ": expected 1 to ", batch,
                              " (the engines are built for batch ", batch, ")");
    }
  }
  const Tensor& input = *setup.network->input(0);
  const Dims& sample = setup.data->sample_dims();
  bool fits = input.dims().rank() == sample.rank() + 1;
  for (int axis = 0; fits && axis < sample.rank(); ++axis) {
    fits = input.dims()[axis + 1] == Dims::kDynamic || input.dims()[axis + 1] == sample[axis];
  }
  if (!fits) {
    return invalid_argument("--data ", setup.data->name(), ": samples are ", sample.to_string(),
                            ", but input \"", input.name(), "\" of ", model, " is ",
                            input.dims().to_string(), " (expected a batch axis, then ",
                            sample.to_string(), ")");
  }
  Builder builder(logger);
  setup.config = builder.create_config();
  INT8RT_ASSIGN_OR_RETURN(EngineTarget target, parse_engine_target(args));
  target.apply(*setup.config);
  std::vector<int64_t> extents = {batch};
  extents.insert(extents.end(), sample.extents().begin(), sample.extents().end());
  setup.config->set_input_shape(input.name(), Dims(extents));
  INT8RT_RETURN_IF_ERROR(
      configure_int8(args, "calib-data", batch, *setup.network, *setup.config, setup.int8));
  return setup;
}

std::string pct(const Accuracy& a) {
  char text[64];
  std::snprintf(text, sizeof text, "%.2f%% (%lld/%lld)", 100.0 * a.value(),
                static_cast<long long>(a.correct), static_cast<long long>(a.total));
  return text;
}

std::string json_accuracy(const Accuracy& a) {
  return "{\"correct\": " + std::to_string(a.correct) + ", \"total\": " + std::to_string(a.total) +
         ", \"accuracy\": " + json_number(a.value()) + "}";
}

void print_json(const Args& args, const RepairResult& r) {
  std::string ranking = "[";
  for (size_t i = 0; i < r.sensitivities.size(); ++i) {
    const LayerSensitivity& s = r.sensitivities[i];
    ranking += (i ? ", " : "") + std::string("{\"layer\": ") + json_string(s.layer) +
               ", \"op\": " + json_string(s.op) +
               ", \"accuracy\": " + json_number(s.accuracy.value()) +
               ", \"output_error\": " + json_number(s.output_error) +
               ", \"sensitivity\": " + json_number(s.sensitivity) + "}";
  }
  ranking += "]";
  std::string chosen = "[";
  for (size_t i = 0; i < r.chosen.size(); ++i)
    chosen += (i ? ", " : "") + json_string(r.chosen[i]);
  chosen += "]";
  std::string pruned = "[";
  for (size_t i = 0; i < r.pruned.size(); ++i)
    pruned += (i ? ", " : "") + json_string(r.pruned[i]);
  pruned += "]";
  std::string steps = "[";
  for (size_t i = 0; i < r.steps.size(); ++i) {
    steps += (i ? ", " : "") + std::string("{\"layers\": ") + std::to_string(r.steps[i].layers) +
             ", \"accuracy\": " + json_number(r.steps[i].accuracy.value()) + "}";
  }
  steps += "]";
  std::printf(
      "{\"model\": %s, \"data\": %s, \"out\": %s, \"target\": %s, \"target_met\": %s, "
      "\"fp32\": %s, \"int8\": %s, \"repaired\": %s, \"latency_ms\": {\"fp32\": %s, \"int8\": %s, "
      "\"repaired\": %s}, \"int8_layers\": %d, \"repaired_int8_layers\": %d, \"chosen\": %s, "
      "\"pruned\": %s, "
      "\"sensitivities\": %s, \"steps\": %s, \"sensitivity_samples\": %lld, "
      "\"evaluation_samples\": %lld, \"builds\": %d, \"evaluations\": %d, \"seconds\": %s, "
      "\"message\": %s}\n",
      json_string(args.get("onnx")).c_str(), json_string(args.get("data")).c_str(),
      json_string(args.get("out")).c_str(), json_number(r.target).c_str(),
      r.target_met ? "true" : "false", json_accuracy(r.fp32_accuracy).c_str(),
      json_accuracy(r.int8_accuracy).c_str(), json_accuracy(r.repaired_accuracy).c_str(),
      json_number(r.fp32_latency_ms).c_str(), json_number(r.int8_latency_ms).c_str(),
      json_number(r.repaired_latency_ms).c_str(), r.int8_layers, r.repaired_int8_layers,
      chosen.c_str(), pruned.c_str(), ranking.c_str(), steps.c_str(),
      static_cast<long long>(r.sensitivity_samples), static_cast<long long>(r.evaluation_samples),
      r.builds, r.evaluations, json_number(r.seconds).c_str(), json_string(r.message).c_str());
}

void print_text(const RepairOptions& options, const RepairResult& r) {
  if (!r.sensitivities.empty()) {
    std::printf("sensitivity (%s, %lld samples; each layer alone in %s, the rest %s):\n",
                std::string(to_string(options.measure)).c_str(),
                static_cast<long long>(r.sensitivity_samples),
                options.isolation == Isolation::kLayerFp32 ? "FP32" : "INT8",
                options.isolation == Isolation::kLayerFp32 ? "INT8" : "FP32");
    std::printf("  %-4s %8s %11s  %-10s %s\n", "rank", "top-1 %", "output err", "op", "layer");
    const size_t shown = std::min<size_t>(r.sensitivities.size(), 15);
    for (size_t i = 0; i < shown; ++i) {
      const LayerSensitivity& s = r.sensitivities[i];
      std::printf("  %-4zu %8.2f %11.4g  %-10s %s\n", i + 1, 100.0 * s.accuracy.value(),
                  s.output_error, s.op.c_str(), s.layer.c_str());
    }
    if (shown < r.sensitivities.size()) {
      std::printf("  ... %zu more\n", r.sensitivities.size() - shown);
    }
    std::printf("search (all %lld samples):", static_cast<long long>(r.evaluation_samples));
    for (const RepairStep& step : r.steps)
      std::printf(" %d FP32 -> %.2f%%;", step.layers, 100.0 * step.accuracy.value());
    std::printf("\n");
    for (const std::string& layer : r.pruned)
      std::printf("pruned (the target is met without it): %s\n", layer.c_str());
  }
  std::printf("target:   top-1 >= %.2f%%\n", 100.0 * r.target);
  const bool timed = options.latency_iterations > 0;
  auto latency = [&](double ms) {
    char text[48];
    std::snprintf(text, sizeof text, "latency %.3f ms", ms);
    return timed ? std::string(text) : std::string("latency not timed");
  };
  std::printf("FP32:     %-24s %s\n", pct(r.fp32_accuracy).c_str(),
              latency(r.fp32_latency_ms).c_str());
  std::printf("INT8:     %-24s %s (%d INT8 layers)\n", pct(r.int8_accuracy).c_str(),
              latency(r.int8_latency_ms).c_str(), r.int8_layers);
  std::printf("repaired: %-24s %s (%d INT8 layers, %zu kept FP32)\n",
              pct(r.repaired_accuracy).c_str(), latency(r.repaired_latency_ms).c_str(),
              r.repaired_int8_layers, r.chosen.size());
  if (timed) {
    std::printf("          (median of %d runs at batch %lld)\n", options.latency_iterations,
                static_cast<long long>(options.latency_batch));
  }
  if (r.chosen.empty()) {
    std::printf("layers kept in FP32: none%s\n",
                r.target_met ? " (the INT8 engine meets the target)" : "");
  } else {
    std::printf("layers kept in FP32:\n");
    for (const std::string& layer : r.chosen)
      std::printf("  %s\n", layer.c_str());
  }
  std::printf("%d builds, %d evaluations, %.1f s (calibration %.1f s)\n", r.builds, r.evaluations,
              r.seconds, r.calibration_seconds);
}

}  // namespace

int repair_command(const std::vector<std::string>& argv) {
  const std::vector<Flag> flags = repair_flags();
  if (wants_help(argv)) {
    std::printf("%s%s\nSPEC forms:\n%s", kUsage, flags_help(flags).c_str(),
                std::string(data_spec_help()).c_str());
    return kExitOk;
  }
  // Repair always builds INT8: --int8 is implied.
  std::vector<std::string> with_int8 = argv;
  bool has_int8 = false;
  for (const std::string& arg : argv)
    has_int8 = has_int8 || arg == "--int8";
  if (!has_int8) with_int8.push_back("--int8");
  auto args = Args::parse(with_int8, flags);
  if (!args.is_ok()) return report_error("repair", args.status());
  StderrLogger logger(log_severity(*args));
  auto setup = prepare(*args, logger);
  if (!setup.is_ok()) return report_error("repair", setup.status());
  Builder builder(logger);
  // A bar per phase (calibration, sensitivity, repair), drawn only when stderr is a terminal.
  TerminalProgress progress;
  setup->options.progress = &progress;
  auto result =
      repair_precision(builder, *setup->network, *setup->config, *setup->data, setup->options);
  if (!result.is_ok()) return report_error("repair", result.status());
  const RepairResult& r = *result;
  const std::string calibration = calibration_summary(setup->int8);
  std::string comment = "int8rt repair of " + args->get("onnx") + " on " + args->get("data") +
                        "\nlayers kept in FP32: " + std::to_string(r.chosen.size());
  char line[160];
  std::snprintf(
      line, sizeof line, "\ntop-1: FP32 %.2f%%, INT8 %.2f%%, repaired %.2f%% (target %.2f%%%s)",
      100.0 * r.fp32_accuracy.value(), 100.0 * r.int8_accuracy.value(),
      100.0 * r.repaired_accuracy.value(), 100.0 * r.target, r.target_met ? "" : ", not met");
  comment += line;
  Status written = write_layer_precisions(args->get("out"), r.precisions, comment);
  if (!written.is_ok())
    return report_error("repair", written.with_context("--out " + args->get("out")));
  if (args->has("json")) {
    print_json(*args, r);
  } else {
    if (!calibration.empty()) std::printf("%s\n", calibration.c_str());
    print_text(setup->options, r);
    std::printf("layer precisions written to %s\n", args->get("out").c_str());
  }
  if (!r.target_met) {
    std::fprintf(stderr, "int8rt repair: %s\n", r.message.c_str());
    return kExitTargetMissed;
  }
  return kExitOk;
}

}  // namespace int8rt::cli
