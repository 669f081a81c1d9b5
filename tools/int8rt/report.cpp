// int8rt report: one self-contained HTML page about an INT8 build: every tensor's |x| histogram
// with each calibrator's threshold and the KL curve, the FP32-vs-INT8 error of every tensor, the
// engine's layers, and a summary (docs/report.md).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "commands.h"
#include "common.h"
#include "int8_build.h"
#include "int8rt/analysis.h"
#include "int8rt/data.h"
#include "int8rt/report.h"

namespace int8rt::cli {

namespace {

std::vector<Flag> report_flags() {
  std::vector<Flag> flags = engine_flags();
  flags[0].help = "the ONNX model (required unless --engine is given without data)";
  std::vector<Flag> own = {
      {"out", "FILE", "the HTML file to write (required; written atomically)"},
      {"engine", "FILE", "the INT8 engine as a plan file, instead of building it from --onnx"},
      {"data", "SPEC", "compare the FP32 and INT8 engines tensor by tensor on these samples"},
      {"max-samples", "N", "compare on at most N samples of --data (default: all)"},
      {"calib-data", "SPEC",
       "the calibration data: every tensor's histogram and thresholds, and\nthe calibrator of "
       "the INT8 build"},
      {"cache", "FILE",
       "the INT8 build's calibration cache: reused when it matches the model,\nthe data and the "
       "algorithm, else written (default: none)"},
      {"ranges", "FILE", "dynamic ranges set by hand (\"tensor: amax\" per line)"},
      {"layer-precisions", "FILE", "per-layer precision requests (\"layer: int8|fp32\" per line)"},
      {"obey-precision-constraints", "",
       "fail the build when a layer's precision request can't be met"}};
  for (Flag& flag : calibrator_flags())
    own.push_back(std::move(flag));
  own.insert(own.end(),
             {{"batch", "B",
               "samples per batch (default: the model's fixed batch, else " +
                   std::to_string(kDefaultBatch) + ";\nwith --engine its built batch)"},
              {"shapes", "NAME:DIMS,...", "build shapes of inputs with dynamic axes", true},
              {"title", "TEXT", "the page title (default: \"int8rt report: MODEL\")"},
              {"json", "", "print what was written as JSON (the page's data: report_json)"}});
  flags.insert(flags.begin() + 1, own.begin(), own.end());
  return flags;
}

constexpr char kUsage[] =
    "usage: int8rt report --onnx MODEL.onnx --out FILE.html --calib-data SPEC [--data SPEC]\n"
    "                     [--max-samples N] [--calibrator NAME] [--cache FILE] [--ranges FILE]\n"
    "                     [--engine FILE.plan] [--batch B] [--backend NAME] [--fp16] [--json]\n"
    "                     [--verbose]\n"
    "\n"
    "Writes one HTML page (no network access needed to view it) showing:\n"
    "  - every tensor's |x| histogram over --calib-data (log counts) with the threshold that\n"
    "    Entropy2, MinMax, Percentile, MSE and Legacy would choose and the one the engine uses,\n"
    "    and the KL-divergence curve the entropy calibrators minimize;\n"
    "  - with --data, the error of every tensor of the INT8 engine against FP32 (SQNR, cosine,\n"
    "    max |error|, relative L2), worst first, and FP32/INT8 top-1 accuracy when labelled;\n"
    "  - the INT8 engine's layers: precision, kernel, INT8 scales.\n"
    "The INT8 engine is built from --onnx as int8rt build --int8 does (calibrated on --calib-data\n"
    "with --calibrator, ranges from --ranges and --cache), or read from --engine.\n"
    "\n"
    "flags:\n";

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string seconds_text(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f s", seconds);
  return buffer;
}

// A single input whose axis 0 is dynamic (and the rest static) is built at `batch`.
void bind_batch(const Network& network, int64_t batch, BuilderConfig& config) {
  if (network.num_inputs() != 1) return;
  const Tensor& input = *network.input(0);
  if (config.input_shapes().count(input.name()) != 0 || input.dims().rank() == 0 ||
      input.dims()[0] != Dims::kDynamic) {
    return;
  }
  std::vector<int64_t> extents = input.dims().extents();
  extents[0] = batch;
  config.set_input_shape(input.name(), Dims(extents));
}

Result<std::unique_ptr<StreamCalibrator>> make_calibrator(const Args& args, int64_t batch,
                                                          std::string cache_path) {
  INT8RT_ASSIGN_OR_RETURN(StreamCalibratorOptions options, parse_calibrator_options(args));
  options.batch_size = batch;
  options.cache_path = std::move(cache_path);
  INT8RT_ASSIGN_OR_RETURN(std::unique_ptr<DataSource> source,
                          open_data_source(args.get("calib-data")));
  return std::make_unique<StreamCalibrator>(std::move(source), options);
}

// Everything the page shows, gathered through the public API.
struct Gathered {
  ReportInputs inputs;
  int64_t batch = 0;
};

Status check_flags(const Args& args) {
  if (!args.has("out")) return invalid_argument("--out FILE is required (the HTML file to write)");
  INT8RT_RETURN_IF_ERROR(check_writable_location("out", args.get("out")));
  if (!args.has("onnx") && !args.has("engine")) {
    return invalid_argument("--onnx is required (the model to report on; or --engine FILE)");
  }
  if (!args.has("onnx")) {
    for (const char* flag : {"calib-data", "data"}) {
      if (args.has(flag)) return invalid_argument("--", flag, " needs --onnx (the FP32 network)");
    }
  }
  if (args.has("engine")) {
    for (const char* flag :
         {"cache", "ranges", "layer-precisions", "obey-precision-constraints", "shapes"}) {
      if (args.has(flag)) {
        return invalid_argument("--", flag, " builds an engine; --engine ", args.get("engine"),
                                " is built already");
      }
    }
  } else if (!args.has("calib-data") && !args.has("ranges")) {
    return invalid_argument(
        "the INT8 engine needs ranges: --calib-data SPEC (calibration) and/or --ranges FILE, "
        "or give a built one with --engine FILE");
  }
  if (args.has("max-samples") && !args.has("data")) {
    return invalid_argument("--max-samples needs --data (the samples to compare on)");
  }
  if (!args.has("calib-data")) {
    for (const Flag& flag : calibrator_flags()) {
      if (args.has(flag.name)) {
        return invalid_argument("--", flag.name, " needs a calibrator (--calib-data SPEC)");
      }
    }
    if (args.has("cache")) return invalid_argument("--cache needs --calib-data SPEC");
  }
  if (args.has("cache"))
    INT8RT_RETURN_IF_ERROR(check_writable_location("cache", args.get("cache")));
  return Status::ok();
}

Result<Gathered> gather(const Args& args, Logger& logger) {
  INT8RT_RETURN_IF_ERROR(check_flags(args));
  Gathered g;
  ReportInputs& inputs = g.inputs;
  inputs.title = args.get("title");
  inputs.model = args.has("onnx") ? args.get("onnx") : args.get("engine");
  inputs.engine = args.get("engine");
  inputs.calibration_data = args.get("calib-data");
  inputs.comparison_data = args.get("data");
  int64_t max_samples = -1;
  if (args.has("max-samples")) {
    INT8RT_ASSIGN_OR_RETURN(max_samples, parse_count("max-samples", args.get("max-samples")));
    if (max_samples == 0) return invalid_argument("--max-samples must be at least 1");
  }
  INT8RT_ASSIGN_OR_RETURN(EngineTarget target, parse_engine_target(args));

  std::unique_ptr<Engine> int8;
  if (args.has("engine")) {
    INT8RT_ASSIGN_OR_RETURN(int8, load_engine(args, logger));
    if (int8->num_inputs() != 1 || int8->input(0).dims.rank() == 0) {
      return invalid_argument("--engine ", args.get("engine"),
                              ": the report needs an engine with one batched input");
    }
    const int64_t built = int8->input(0).dims[0];
    int64_t batch = built;
    if (args.has("batch")) {
      INT8RT_ASSIGN_OR_RETURN(batch, parse_count("batch", args.get("batch")));
      if (batch == 0 || batch > built) {
        return invalid_argument("--batch ", batch, ": ", args.get("engine"),
                                " was built for batch ", built, "; it runs 1 to ", built);
      }
    }
    g.batch = batch;
  }

  std::unique_ptr<Network> network;
  TerminalProgress progress;
  Builder builder(logger);
  if (args.has("onnx")) {
    const std::string model = args.get("onnx");
    INT8RT_ASSIGN_OR_RETURN(network, load_onnx(model, logger));
    if (!int8) {
      INT8RT_ASSIGN_OR_RETURN(g.batch, model_batch(args, *network, model));
    }
  }
  const auto base_config = [&]() -> Result<std::unique_ptr<BuilderConfig>> {
    auto config = builder.create_config();
    target.apply(*config);
    INT8RT_RETURN_IF_ERROR(apply_shapes(args.all("shapes"), *config));
    bind_batch(*network, g.batch, *config);
    apply_threshold_search(args, *config);
    config->set_progress_monitor(&progress);
    return config;
  };

  if (network && args.has("ranges")) {
    INT8RT_ASSIGN_OR_RETURN(std::vector<TensorRange> ranges, read_ranges_file(args.get("ranges")));
    Status status = set_dynamic_ranges(*network, ranges);
    if (!status.is_ok()) return status.with_context("--ranges " + args.get("ranges"));
    inputs.notes.push_back(
        {"ranges set by hand", std::to_string(ranges.size()) + " from " + args.get("ranges")});
  }
  if (network && args.has("layer-precisions")) {
    const std::string path = args.get("layer-precisions");
    INT8RT_ASSIGN_OR_RETURN(std::vector<LayerPrecision> precisions, read_layer_precisions(path));
    Status status = set_layer_precisions(*network, precisions);
    if (!status.is_ok()) return status.with_context("--layer-precisions " + path);
  }

  // The histograms: a calibration pass of its own (no cache: it records what a cache can't).
  if (args.has("calib-data")) {
    INT8RT_ASSIGN_OR_RETURN(auto config, base_config());
    INT8RT_ASSIGN_OR_RETURN(std::unique_ptr<StreamCalibrator> calibrator,
                            make_calibrator(args, g.batch, ""));
    config->set_int8_calibrator(calibrator.get());
    const auto start = std::chrono::steady_clock::now();
    INT8RT_ASSIGN_OR_RETURN(inputs.calibration, builder.analyze_calibration(*network, *config));
    inputs.notes.push_back({"histograms recorded in", seconds_text(seconds_since(start))});
  }

  if (!int8) {
    INT8RT_ASSIGN_OR_RETURN(auto config, base_config());
    config->set_flag(BuilderFlag::kInt8);
    if (args.has("obey-precision-constraints")) {
      config->set_flag(BuilderFlag::kObeyPrecisionConstraints);
    }
    std::unique_ptr<StreamCalibrator> calibrator;
    size_t from_histograms = 0;
    if (args.has("calib-data") && !args.has("cache")) {
      // The histograms' pass computed the ranges a calibrating build would (the same algorithm,
      // propagation and search): the engine takes them instead of calibrating again.
      std::vector<TensorRange> ranges;
      for (const TensorHistogram& h : inputs.calibration->tensors) {
        const Tensor* t = network->find_tensor(h.name);
        if (t != nullptr && !t->dynamic_range_is_set()) ranges.push_back({h.name, h.amax});
      }
      INT8RT_RETURN_IF_ERROR(set_dynamic_ranges(*network, ranges));
      from_histograms = ranges.size();
    } else if (args.has("calib-data")) {
      INT8RT_ASSIGN_OR_RETURN(calibrator, make_calibrator(args, g.batch, args.get("cache")));
      config->set_int8_calibrator(calibrator.get());
    }
    const auto start = std::chrono::steady_clock::now();
    INT8RT_ASSIGN_OR_RETURN(int8, builder.build(*network, *config));
    std::string how = "built in " + seconds_text(seconds_since(start));
    if (from_histograms > 0) {
      how += ", " + std::to_string(from_histograms) + " ranges from the calibration above";
    }
    if (calibrator) {
      how += calibrator->batches_served() > 0
                 ? ", calibrated on " + std::to_string(calibrator->batches_served()) +
                       " batches of " + std::to_string(g.batch)
                 : ", ranges from the cache " + args.get("cache");
    }
    inputs.notes.push_back({"INT8 engine", how});
  }
  inputs.layers = int8->layers();
  inputs.backend = int8->backend();

  if (args.has("data")) {
    INT8RT_ASSIGN_OR_RETURN(auto config, base_config());
    INT8RT_ASSIGN_OR_RETURN(std::unique_ptr<Engine> fp32, builder.build(*network, *config));
    INT8RT_ASSIGN_OR_RETURN(std::unique_ptr<DataSource> source, open_data_source(args.get("data")));
    CompareOptions options;
    options.batch_size = g.batch;
    options.max_samples = max_samples;
    options.progress = &progress;
    const auto start = std::chrono::steady_clock::now();
    INT8RT_ASSIGN_OR_RETURN(inputs.comparison, compare_engines(*fp32, *int8, *source, options));
    inputs.notes.push_back({"compared in", seconds_text(seconds_since(start))});
  }
  inputs.notes.push_back({"batch", std::to_string(g.batch)});
  return g;
}

}  // namespace

int report_command(const std::vector<std::string>& argv) {
  const std::vector<Flag> flags = report_flags();
  if (wants_help(argv)) {
    std::printf("%s%s\nSPEC forms:\n%s", kUsage, flags_help(flags).c_str(),
                std::string(data_spec_help()).c_str());
    return kExitOk;
  }
  auto args = Args::parse(argv, flags);
  if (!args.is_ok()) return report_error("report", args.status());
  StderrLogger logger(log_severity(*args));
  const auto start = std::chrono::steady_clock::now();
  auto gathered = gather(*args, logger);
  if (!gathered.is_ok()) return report_error("report", gathered.status());
  const ReportInputs& inputs = gathered->inputs;
  const std::string out = args->get("out");
  Result<size_t> written = write_report_html(out, inputs);
  if (!written.is_ok()) return report_error("report", written.status().with_context("--out"));
  const size_t tensors = inputs.calibration ? inputs.calibration->tensors.size() : 0;
  const size_t compared = inputs.comparison ? inputs.comparison->tensors.size() : 0;
  if (args->has("json")) {
    const Accuracy none;
    const Comparison* c = inputs.comparison ? &*inputs.comparison : nullptr;
    const auto accuracy = [&](const Accuracy& a) {
      return c != nullptr && c->labelled ? json_number(a.value()) : std::string("null");
    };
    std::printf(
        "{\"out\": %s, \"bytes\": %zu, \"tensor_histograms\": %zu, \"compared_tensors\": %zu, "
        "\"layers\": %zu, \"seconds\": %s, \"samples\": %lld, \"fp32_accuracy\": %s, "
        "\"int8_accuracy\": %s}\n",
        json_string(out).c_str(), *written, tensors, compared, inputs.layers.size(),
        json_number(seconds_since(start)).c_str(),
        static_cast<long long>(c != nullptr ? c->samples : 0),
        accuracy(c != nullptr ? c->fp32_accuracy : none).c_str(),
        accuracy(c != nullptr ? c->int8_accuracy : none).c_str());
    return kExitOk;
  }
  std::printf(
      "report written to %s (%.1f KiB): %zu tensor histograms, %zu compared tensors, %zu layers "
      "in %.2f s\n",
      out.c_str(), static_cast<double>(*written) / 1024.0, tensors, compared, inputs.layers.size(),
      seconds_since(start));
  return kExitOk;
}

}  // namespace int8rt::cli
