// int8rt calibrate: the dynamic range of every activation of a model, from a calibration cache or
// by calibrating on a data source; writes the cache (and optionally a ranges file) and prints the
// ranges.
#include <sys/stat.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "commands.h"
#include "common.h"
#include "int8_build.h"
#include "int8rt/calibrator.h"
#include "int8rt/data.h"
#include "int8rt/progress.h"

namespace int8rt::cli {

namespace {

std::vector<Flag> calibrate_flags() {
  std::vector<Flag> flags = engine_flags();
  std::vector<Flag> own = {{"data", "SPEC", "the calibration data (required; forms below)"},
                           {"cache", "FILE",
                            "the calibration cache (required): reused when it matches the model,\n"
                            "the data and the algorithm, else written after calibrating"}};
  for (Flag& flag : calibrator_flags())
    own.push_back(std::move(flag));
  own.insert(
      own.end(),
      {{"batch", "B",
        "samples per batch (default: the model's fixed batch, else " +
            std::to_string(kDefaultBatch) + ")"},
       {"shapes", "NAME:DIMS,...", "shapes of inputs with dynamic axes; axis 0 becomes B", true},
       {"ranges-out", "FILE", "also write the ranges as a ranges file (name: amax per line)"},
       {"json", "", "print the result as JSON"}});
  flags.insert(flags.begin() + 1, own.begin(), own.end());
  return flags;
}

constexpr char kUsage[] =
    "usage: int8rt calibrate --onnx MODEL.onnx --data SPEC --cache FILE [--calibrator NAME]\n"
    "                        [--percentile P] [--quantile Q --regression-cutoff R] [--batch B]\n"
    "                        [--max-batches K] [--per-tensor-thresholds] [--shapes NAME:DIMS,...]\n"
    "                        [--ranges-out FILE]\n"
    "                        [--json] [--backend NAME] [--fp16] [--verbose]\n"
    "\n"
    "Finds the INT8 dynamic range (amax; scale = amax/127) of every activation of the model: from\n"
    "the cache when it was made for this model, data and algorithm, else by running the FP32\n"
    "network over the data in full batches of B samples (a final partial batch is left out) and\n"
    "writing the cache in TensorRT's format. Prints one line per tensor: amax, scale (decimal and\n"
    "as the cache's hex) and where the range came from (cache or calibration).\n"
    "\n"
    "flags:\n";

uint32_t float_bits(float scale) {
  uint32_t bits = 0;
  std::memcpy(&bits, &scale, sizeof bits);
  return bits;
}

std::string hex8(uint32_t bits) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%08x", bits);
  return buffer;
}

struct Outcome {
  CalibrationReport report;
  std::string cache_header;  // the header of the cache file after the run
};

Result<Outcome> calibrate(const Args& args, Logger& logger) {
  for (const char* required : {"onnx", "data", "cache"}) {
    if (!args.has(required)) {
      return invalid_argument("--", required, " is required (see int8rt calibrate --help)");
    }
  }
  const std::string model = args.get("onnx");
  const std::string cache_path = args.get("cache");
  INT8RT_ASSIGN_OR_RETURN(EngineTarget target, parse_engine_target(args));

  INT8RT_ASSIGN_OR_RETURN(StreamCalibratorOptions options, parse_calibrator_options(args));
  options.cache_path = cache_path;
  INT8RT_RETURN_IF_ERROR(check_writable_location("cache", cache_path));
  if (args.has("ranges-out")) {
    INT8RT_RETURN_IF_ERROR(check_writable_location("ranges-out", args.get("ranges-out")));
  }

  INT8RT_ASSIGN_OR_RETURN(std::unique_ptr<Network> network, load_onnx(model, logger));
  Builder builder(logger);
  auto config = builder.create_config();
  target.apply(*config);
  INT8RT_RETURN_IF_ERROR(apply_shapes(args.all("shapes"), *config));
  // A model with a fixed batch axis is calibrated at that batch.
  INT8RT_ASSIGN_OR_RETURN(options.batch_size, model_batch(args, *network, model));

  INT8RT_ASSIGN_OR_RETURN(std::unique_ptr<DataSource> source, open_data_source(args.get("data")));
  StreamCalibrator calibrator(std::move(source), options);
  TerminalProgress progress;
  config->set_int8_calibrator(&calibrator);
  apply_threshold_search(args, *config);
  config->set_progress_monitor(&progress);
  Outcome outcome;
  INT8RT_ASSIGN_OR_RETURN(outcome.report, builder.calibrate(*network, *config));

  // The calibrator wrote the cache (atomically); check it is there and holds what was found.
  auto written = read_calibration_cache_file(cache_path);
  if (!written.is_ok()) {
    return internal_error("the calibration cache ", cache_path,
                          " is unreadable after the run: ", written.status().message());
  }
  const std::string_view expected = cache_algorithm_name(options.algorithm);
  if (written->algorithm != expected) {
    return internal_error("the calibration cache ", cache_path, " was made by ", written->algorithm,
                          " after a run with ", expected);
  }
  outcome.cache_header = "TRT-" + std::to_string(written->version) + "-" + written->algorithm;

  if (args.has("ranges-out")) {
    std::vector<TensorRange> ranges;
    for (const TensorRangeInfo& tensor : outcome.report.tensors)
      ranges.push_back({tensor.name, tensor.amax});
    INT8RT_RETURN_IF_ERROR(write_ranges_file(args.get("ranges-out"), ranges));
  }
  return outcome;
}

double images_per_second(const CalibrationReport& report) {
  return report.seconds > 0 ? static_cast<double>(report.samples) / report.seconds : 0.0;
}

void print_json(const Args& args, const Outcome& outcome) {
  const CalibrationReport& r = outcome.report;
  std::printf(
      "{\"model\": %s, \"data\": %s, \"algorithm\": %s, \"cache\": %s, \"cache_header\": %s, "
      "\"cache_reused\": %s, \"ranges_file\": %s, \"batches\": %lld, \"samples\": %lld, "
      "\"seconds\": %s, \"images_per_second\": %s, \"tensors\": [",
      json_string(args.get("onnx")).c_str(), json_string(args.get("data")).c_str(),
      json_string(to_string(r.algorithm)).c_str(), json_string(args.get("cache")).c_str(),
      json_string(outcome.cache_header).c_str(), r.from_cache ? "true" : "false",
      args.has("ranges-out") ? json_string(args.get("ranges-out")).c_str() : "null",
      static_cast<long long>(r.batches), static_cast<long long>(r.samples),
      json_number(r.seconds).c_str(), json_number(images_per_second(r)).c_str());
  for (size_t i = 0; i < r.tensors.size(); ++i) {
    const TensorRangeInfo& t = r.tensors[i];
    std::printf(
        "%s\n  {\"name\": %s, \"amax\": %s, \"scale\": %s, \"hex\": \"%s\", \"source\": %s, "
        "\"nan\": %llu, \"inf\": %llu}",
        i ? "," : "", json_string(t.name).c_str(), json_number(t.amax).c_str(),
        json_number(t.scale).c_str(), hex8(float_bits(t.scale)).c_str(),
        json_string(to_string(t.source)).c_str(), static_cast<unsigned long long>(t.nan_count),
        static_cast<unsigned long long>(t.inf_count));
  }
  std::printf("\n], \"missing\": [");
  for (size_t i = 0; i < r.missing.size(); ++i)
    std::printf("%s%s", i ? ", " : "", json_string(r.missing[i]).c_str());
  std::printf("]}\n");
}

void print_table(const Args& args, const Outcome& outcome) {
  const CalibrationReport& r = outcome.report;
  bool nonfinite = false;
  size_t width = std::strlen("tensor");
  for (const TensorRangeInfo& t : r.tensors) {
    nonfinite = nonfinite || t.nan_count + t.inf_count > 0;
    width = std::max(width, t.name.size());
  }
  const int w = static_cast<int>(width);
  // The source column is last unless NaN/Inf counts follow it.
  const int source_width = nonfinite ? 11 : 0;
  std::printf("%-*s  %12s  %12s  %-8s  %-*s", w, "tensor", "amax", "scale", "hex", source_width,
              "source");
  if (nonfinite) std::printf("  %10s  %10s", "nan", "inf");
  std::printf("\n");
  for (const TensorRangeInfo& t : r.tensors) {
    std::printf("%-*s  %12s  %12s  %-8s  %-*s", w, t.name.c_str(), format_value(t.amax).c_str(),
                format_value(t.scale).c_str(), hex8(float_bits(t.scale)).c_str(), source_width,
                std::string(to_string(t.source)).c_str());
    if (nonfinite) {
      std::printf("  %10llu  %10llu", static_cast<unsigned long long>(t.nan_count),
                  static_cast<unsigned long long>(t.inf_count));
    }
    std::printf("\n");
  }
  for (const std::string& name : r.missing)
    std::printf("%-*s  %12s  %12s  %-8s  %s\n", w, name.c_str(), "-", "-", "-", "none");
  const std::string algorithm(to_string(r.algorithm));
  const std::string cache = args.get("cache");
  if (r.from_cache) {
    std::printf(
        "calibration skipped: the cache %s (%s) was reused; 0 batches, %zu tensors, %.2f s\n",
        cache.c_str(), outcome.cache_header.c_str(), r.tensors.size(), r.seconds);
  } else {
    std::printf(
        "calibrated %zu tensors with %s: %lld batches, %lld samples in %.2f s (%.0f images/s); "
        "cache written to %s (%s)\n",
        r.tensors.size(), algorithm.c_str(), static_cast<long long>(r.batches),
        static_cast<long long>(r.samples), r.seconds, images_per_second(r), cache.c_str(),
        outcome.cache_header.c_str());
  }
  if (args.has("ranges-out")) std::printf("ranges written to %s\n", args.get("ranges-out").c_str());
}

}  // namespace

int calibrate_command(const std::vector<std::string>& argv) {
  const std::vector<Flag> flags = calibrate_flags();
  if (wants_help(argv)) {
    std::printf("%s%s\nSPEC forms:\n%s", kUsage, flags_help(flags).c_str(),
                std::string(data_spec_help()).c_str());
    return kExitOk;
  }
  auto args = Args::parse(argv, flags);
  if (!args.is_ok()) return report_error("calibrate", args.status());
  StderrLogger logger(log_severity(*args));
  auto outcome = calibrate(*args, logger);
  if (!outcome.is_ok()) return report_error("calibrate", outcome.status());
  if (args->has("json")) {
    print_json(*args, *outcome);
  } else {
    print_table(*args, *outcome);
  }
  return kExitOk;
}

}  // namespace int8rt::cli
