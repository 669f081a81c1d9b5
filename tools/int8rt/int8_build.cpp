#include "int8_build.h"

#include <charconv>
#include <filesystem>

#include "common.h"
#include "int8rt/data.h"

namespace int8rt::cli {

namespace {

Result<double> parse_real(std::string_view flag, const std::string& text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return invalid_argument("--", flag, " expects a number, got \"", text, "\"");
  }
  return value;
}

}  // namespace

std::vector<Flag> calibrator_flags() {
  return {
      {"calibrator", "NAME",
       "the algorithm: entropy2 (default), entropy, minmax, legacy,\npercentile, mse"},
      {"percentile", "P", "percentile calibrator: the percentile of |x| kept (default 99.99)"},
      {"quantile", "Q", "legacy calibrator: the quantile of |x| (default 0.9999)"},
      {"regression-cutoff", "R",
       "legacy calibrator: the fraction of the quantile kept (default 1)"},
      {"max-batches", "K", "calibrate on at most K batches (default: every full batch)"},
      {"per-tensor-thresholds", "",
       "per tensor, the threshold (of every algorithm's and entropy's x0.6..1.6)\n"
       "that keeps its consuming INT8 layer closest to FP32"},
  };
}

void apply_threshold_search(const Args& args, BuilderConfig& config) {
  if (args.has("per-tensor-thresholds")) config.set_threshold_search(ThresholdSearch::kPerTensor);
}

std::vector<Flag> int8_flags(const std::string& data_flag) {
  std::vector<Flag> flags = {
      {"int8", "",
       "build an INT8 engine: ranges from --ranges and/or a calibrator over --" + data_flag +
           " (with its --cache)"},
      {data_flag, "SPEC", "the calibration data (forms below)"},
      {"cache", "FILE",
       "the calibration cache: reused when it matches the model, the data\nand the algorithm, "
       "else written after calibrating"},
      {"ranges", "FILE",
       "dynamic ranges set by hand (\"tensor: amax\" per line); they win\nover "
       "the cache and calibration"},
      {"layer-precisions", "FILE", "per-layer precision requests (\"layer: int8|fp32\" per line)"},
      {"obey-precision-constraints", "",
       "fail the build when a layer's precision request can't be met"},
  };
  for (Flag& flag : calibrator_flags())
    flags.push_back(std::move(flag));
  return flags;
}

void add_command_flags(std::vector<Flag>& flags, std::vector<Flag> own,
                       const std::string& data_flag) {
  for (Flag& flag : int8_flags(data_flag))
    own.push_back(std::move(flag));
  flags.insert(flags.begin() + 1, own.begin(), own.end());
}

Result<StreamCalibratorOptions> parse_calibrator_options(const Args& args) {
  StreamCalibratorOptions options;
  const std::string name = args.get("calibrator", "entropy2");
  auto algorithm = calibration_algorithm_from_string(name);
  if (!algorithm) {
    return invalid_argument("--calibrator \"", name,
                            "\" is not a calibrator (entropy2, entropy, minmax, legacy, "
                            "percentile, mse)");
  }
  options.algorithm = *algorithm;
  if (args.has("percentile")) {
    if (options.algorithm != CalibrationAlgorithm::kPercentile) {
      return invalid_argument("--percentile is a parameter of --calibrator percentile, not ", name);
    }
    INT8RT_ASSIGN_OR_RETURN(options.percentile, parse_real("percentile", args.get("percentile")));
  }
  for (const char* legacy : {"quantile", "regression-cutoff"}) {
    if (args.has(legacy) && options.algorithm != CalibrationAlgorithm::kLegacy) {
      return invalid_argument("--", legacy, " is a parameter of --calibrator legacy, not ", name);
    }
  }
  if (args.has("quantile")) {
    INT8RT_ASSIGN_OR_RETURN(options.quantile, parse_real("quantile", args.get("quantile")));
  }
  if (args.has("regression-cutoff")) {
    INT8RT_ASSIGN_OR_RETURN(options.regression_cutoff,
                            parse_real("regression-cutoff", args.get("regression-cutoff")));
  }
  if (args.has("max-batches")) {
    INT8RT_ASSIGN_OR_RETURN(options.max_batches,
                            parse_count("max-batches", args.get("max-batches")));
    if (options.max_batches == 0) return invalid_argument("--max-batches must be at least 1");
  }
  return options;
}

Result<int64_t> model_batch(const Args& args, const Network& network, const std::string& model) {
  int64_t batch = 0;
  if (args.has("batch")) {
    INT8RT_ASSIGN_OR_RETURN(batch, parse_count("batch", args.get("batch")));
    if (batch == 0) return invalid_argument("--batch must be at least 1");
  }
  if (network.num_inputs() == 1 && network.input(0)->dims().rank() > 0) {
    const Tensor& input = *network.input(0);
    const int64_t declared = input.dims()[0];
    if (declared != Dims::kDynamic) {
      if (batch != 0 && batch != declared) {
        return invalid_argument("--batch ", batch, ": input \"", input.name(), "\" of ", model,
                                " has a fixed batch of ", declared);
      }
      batch = declared;
    }
  }
  return batch != 0 ? batch : kDefaultBatch;
}

Status check_writable_location(std::string_view flag, const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) parent = ".";
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return invalid_argument("--", flag, " ", path, ": is a directory, expected a file name");
  }
  if (!std::filesystem::is_directory(parent, error)) {
    return not_found("--", flag, " ", path, ": the directory ", parent.string(), " does not exist");
  }
  return Status::ok();
}

Status configure_int8(const Args& args, const std::string& data_flag, int64_t batch,
                      Network& network, BuilderConfig& config, Int8Setup& setup) {
  setup.enabled = args.has("int8");
  if (!setup.enabled) {
    for (const Flag& flag : int8_flags(data_flag)) {
      if (flag.name != "int8" && args.has(flag.name)) {
        return invalid_argument("--", flag.name, " needs --int8 (it only affects INT8 builds)");
      }
    }
    return Status::ok();
  }
  if (!args.has(data_flag) && !args.has("ranges")) {
    return invalid_argument("--int8 needs ranges: --", data_flag,
                            " SPEC with --cache FILE (calibration), and/or --ranges FILE");
  }
  if (args.has(data_flag) != args.has("cache")) {
    return invalid_argument(args.has(data_flag) ? "--cache FILE" : ("--" + data_flag + " SPEC"),
                            " is required with --",
                            args.has(data_flag) ? data_flag : std::string("cache"),
                            " (the calibrator reads and writes its cache there)");
  }
  if (!args.has(data_flag)) {
    for (const Flag& flag : calibrator_flags()) {
      if (args.has(flag.name)) {
        return invalid_argument("--", flag.name, " needs a calibrator (--", data_flag,
                                " SPEC --cache FILE)");
      }
    }
  }
  config.set_flag(BuilderFlag::kInt8);
  if (args.has("obey-precision-constraints")) {
    config.set_flag(BuilderFlag::kObeyPrecisionConstraints);
  }
  if (args.has("ranges")) {
    INT8RT_ASSIGN_OR_RETURN(std::vector<TensorRange> ranges, read_ranges_file(args.get("ranges")));
    Status status = set_dynamic_ranges(network, ranges);
    if (!status.is_ok()) return status.with_context("--ranges " + args.get("ranges"));
    setup.manual_ranges = ranges.size();
  }
  if (args.has("layer-precisions")) {
    const std::string path = args.get("layer-precisions");
    INT8RT_ASSIGN_OR_RETURN(std::vector<LayerPrecision> precisions, read_layer_precisions(path));
    Status status = set_layer_precisions(network, precisions);
    if (!status.is_ok()) return status.with_context("--layer-precisions " + path);
  }
  if (args.has(data_flag)) {
    INT8RT_ASSIGN_OR_RETURN(StreamCalibratorOptions options, parse_calibrator_options(args));
    setup.cache_path = args.get("cache");
    INT8RT_RETURN_IF_ERROR(check_writable_location("cache", setup.cache_path));
    options.cache_path = setup.cache_path;
    std::error_code error;
    setup.cache_existed = std::filesystem::exists(setup.cache_path, error);
    options.batch_size = batch;
    INT8RT_ASSIGN_OR_RETURN(std::unique_ptr<DataSource> source,
                            open_data_source(args.get(data_flag)));
    setup.calibrator = std::make_unique<StreamCalibrator>(std::move(source), options);
    setup.progress = std::make_unique<TerminalProgress>();
    config.set_int8_calibrator(setup.calibrator.get());
    apply_threshold_search(args, config);
    config.set_progress_monitor(setup.progress.get());
  }
  return Status::ok();
}

std::string calibration_summary(const Int8Setup& setup) {
  if (!setup.calibrator) return {};
  const StreamCalibrator& c = *setup.calibrator;
  if (c.batches_served() == 0) {
    return setup.cache_existed ? "calibration skipped: ranges from the cache " + setup.cache_path
                               : "calibration skipped: every range was set by --ranges";
  }
  return "calibrated with " + std::string(to_string(c.algorithm())) + " on " +
         std::to_string(c.batches_served()) + " batches of " + std::to_string(c.batch_size()) +
         "; cache written to " + setup.cache_path;
}

Result<std::unique_ptr<Engine>> load_built_engine(const Args& args, const std::string& data_flag,
                                                  Logger& logger) {
  for (const Flag& flag : int8_flags(data_flag)) {
    if (args.has(flag.name)) {
      return invalid_argument("--", flag.name, " builds an engine; --engine ", args.get("engine"),
                              " is built already");
    }
  }
  return load_engine(args, logger);
}

}  // namespace int8rt::cli
