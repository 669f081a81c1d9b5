// int8rt eval: top-1 accuracy of a classifier on a labelled data source.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "commands.h"
#include "common.h"
#include "int8_build.h"
#include "int8rt/analysis.h"
#include "int8rt/data.h"
#include "int8rt/engine.h"

namespace int8rt::cli {

namespace {

std::vector<Flag> eval_flags() {
  std::vector<Flag> flags = engine_flags();
  flags[0].help = "the ONNX model (or --engine)";
  std::vector<Flag> own = {
      {"engine", "FILE", "a plan file (int8rt build --save-engine) instead of --onnx"},
      {"data", "SPEC", "the labelled data set (required; forms below)"},
      {"batch", "B",
       "batch size of the engine (default: the model's fixed batch, else " +
           std::to_string(kDefaultBatch) + "; with --engine its built batch)"},
      {"limit", "N", "evaluate only the first N samples"},
      {"predictions", "N",
       "also print the labels and the predicted classes of the first N\nsamples (\"Expected "
       "Predictions:\" / \"Actual Predictions:\")"},
      {"json", "", "print the result as JSON"}};
  add_command_flags(flags, std::move(own), "calib-data");
  return flags;
}

constexpr char kUsage[] =
    "usage: int8rt eval (--onnx MODEL.onnx | --engine FILE.plan) --data SPEC [--batch B]\n"
    "                   [--limit N] [--json] [--backend NAME] [--fp16] [--verbose]\n"
    "                   [--int8 [--calib-data SPEC --cache FILE --calibrator NAME] [--ranges "
    "FILE]]\n"
    "\n"
    "Top-1 accuracy of a classifier: the model's one input is fed batches of samples (its axis 0\n"
    "is the batch), and the arg-max of each row of its first output is compared with the label.\n"
    "The last batch is zero-padded; padded rows are not counted. With --int8 the engine is built\n"
    "INT8 as int8rt build does (the calibration data is --calib-data, batches of B samples).\n"
    "\n"
    "flags:\n";

struct EvalResult {
  int64_t count = 0;
  int64_t correct = 0;
  int64_t batch = 0;
  double seconds = 0;
  std::string backend;
  int int8_layers = 0;
  std::vector<int64_t> expected;  // labels of the first --predictions samples
  std::vector<int64_t> actual;    // and the classes predicted for them
  std::string calibration;        // what the in-memory INT8 build did, or ""
};

// "\reval: 1200/10000 images" on a terminal, at most ~10 times a second.
class EvalProgress final : public ProgressMonitor {
 public:
  explicit EvalProgress(int64_t images) : enabled_(isatty(fileno(stderr)) != 0), images_(images) {}
  ~EvalProgress() override {
    if (shown_) std::fprintf(stderr, "\r\033[K");
  }
  void phase_start(std::string_view, int64_t) override {}
  bool step_complete(std::string_view, int64_t, int64_t done) override {
    if (!enabled_) return true;
    const auto now = std::chrono::steady_clock::now();
    if (done < images_ && now - last_ < std::chrono::milliseconds(100)) return true;
    last_ = now;
    std::fprintf(stderr, "\reval: %lld/%lld images", static_cast<long long>(done),
                 static_cast<long long>(images_));
    std::fflush(stderr);
    shown_ = true;
    return true;
  }
  void phase_finish(std::string_view) override {}

 private:
  bool enabled_;
  int64_t images_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_{};
};

Result<EvalResult> evaluate(const Args& args, Logger& logger) {
  if (args.has("onnx") == args.has("engine")) {
    return invalid_argument(args.has("onnx")
                                ? "give --onnx or --engine, not both"
                                : "--onnx is required (the model to evaluate; or --engine FILE)");
  }
  if (!args.has("data")) {
    return invalid_argument("--data is required (the labelled data set, e.g. idx:IMAGES,LABELS)");
  }
  const std::string model = args.has("onnx") ? args.get("onnx") : args.get("engine");
  int64_t predictions = 0;
  if (args.has("predictions")) {
    INT8RT_ASSIGN_OR_RETURN(predictions, parse_count("predictions", args.get("predictions")));
  }
  int64_t limit = -1;
  if (args.has("limit")) {
    INT8RT_ASSIGN_OR_RETURN(limit, parse_count("limit", args.get("limit")));
  }
  int64_t batch = 0;
  if (args.has("batch")) {
    INT8RT_ASSIGN_OR_RETURN(batch, parse_count("batch", args.get("batch")));
    if (batch == 0) return invalid_argument("--batch must be at least 1");
  }
  std::unique_ptr<Engine> engine;
  if (args.has("engine")) {
    INT8RT_ASSIGN_OR_RETURN(engine, load_built_engine(args, "calib-data", logger));
  }
  INT8RT_ASSIGN_OR_RETURN(std::unique_ptr<DataSource> source, open_data_source(args.get("data")));
  if (!source->has_labels()) {
    return invalid_argument("--data ", source->name(), ": has no labels; eval needs them");
  }

  std::unique_ptr<Network> network;
  if (!engine) {
    INT8RT_ASSIGN_OR_RETURN(network, load_onnx(model, logger));
  }
  const int num_inputs = engine ? engine->num_inputs() : network->num_inputs();
  if (num_inputs != 1) {
    return invalid_argument(model, ": eval needs a model with one input, this one has ",
                            num_inputs);
  }
  const std::string input_name = engine ? engine->input(0).name : network->input(0)->name();
  const Dims declared = engine ? engine->input(0).dims : network->input(0)->dims();
  const Dims& sample = source->sample_dims();
  // The input must be [batch, sample...], each axis dynamic or equal to the sample's.
  bool fits = declared.rank() == sample.rank() + 1;
  for (int axis = 0; fits && axis < sample.rank(); ++axis) {
    fits = declared[axis + 1] == Dims::kDynamic || declared[axis + 1] == sample[axis];
  }
  if (!fits) {
    return invalid_argument("--data ", source->name(), ": samples are ", sample.to_string(),
                            ", but input \"", input_name, "\" of ", model, " is ",
                            declared.to_string(), " (expected a batch axis, then ",
                            sample.to_string(), ")");
  }
  if (engine) {
    // A plan runs any batch up to the one it was built for.
    if (batch > declared[0]) {
      return invalid_argument("--batch ", batch, ": ", model, " was built for batch ", declared[0],
                              " (input \"", input_name, "\"); it runs 1 to ", declared[0]);
    }
    if (batch == 0) batch = declared[0];
  } else if (declared[0] != Dims::kDynamic) {
    if (batch != 0 && batch != declared[0]) {
      return invalid_argument("--batch ", batch, ": input \"", input_name, "\" of ", model,
                              " has a fixed batch of ", declared[0]);
    }
    batch = declared[0];
  } else if (batch == 0) {
    batch = kDefaultBatch;
  }

  Int8Setup setup;
  if (!engine) {
    INT8RT_ASSIGN_OR_RETURN(EngineTarget target, parse_engine_target(args));
    Builder builder(logger);
    auto config = builder.create_config();
    target.apply(*config);
    std::vector<int64_t> extents = {batch};
    extents.insert(extents.end(), sample.extents().begin(), sample.extents().end());
    config->set_input_shape(input_name, Dims(extents));
    INT8RT_RETURN_IF_ERROR(configure_int8(args, "calib-data", batch, *network, *config, setup));
    INT8RT_ASSIGN_OR_RETURN(engine, builder.build(*network, *config));
  }
  if (engine->input(0).dtype != DataType::kFloat) {
    return invalid_argument("input \"", input_name, "\" of ", model, " is ",
                            to_string(engine->input(0).dtype), "; eval feeds float32 samples");
  }
  EvalResult result;
  result.batch = batch;
  result.backend = engine->backend();
  for (const LayerInfo& layer : engine->layers())
    result.int8_layers += layer.precision == DataType::kInt8;
  result.calibration = calibration_summary(setup);
  EvalProgress progress(limit < 0 ? source->size() : std::min(limit, source->size()));
  EvaluateOptions options;
  options.batch_size = batch;
  options.max_samples = limit;
  options.progress = &progress;
  options.on_prediction = [&](int64_t index, int64_t label, int64_t predicted) {
    if (index >= predictions) return;
    result.expected.push_back(label);
    result.actual.push_back(predicted);
  };
  const auto start = std::chrono::steady_clock::now();
  auto accuracy = evaluate_top1(*engine, *source, options);
  if (!accuracy.is_ok()) return accuracy.status().with_context(model);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.count = accuracy->total;
  result.correct = accuracy->correct;
  return result;
}

}  // namespace

int eval_command(const std::vector<std::string>& argv) {
  const std::vector<Flag> flags = eval_flags();
  if (wants_help(argv)) {
    std::printf("%s%s\nSPEC forms:\n%s", kUsage, flags_help(flags).c_str(),
                std::string(data_spec_help()).c_str());
    return kExitOk;
  }
  auto args = Args::parse(argv, flags);
  if (!args.is_ok()) return report_error("eval", args.status());
  StderrLogger logger(log_severity(*args));
  auto result = evaluate(*args, logger);
  if (!result.is_ok()) return report_error("eval", result.status());
  const EvalResult& r = *result;
  auto list = [](const std::vector<int64_t>& values, const char* separator) {
    std::string text = "[";
    for (size_t i = 0; i < values.size(); ++i)
      text += (i ? separator : "") + std::to_string(values[i]);
    return text + "]";
  };
  const double accuracy = static_cast<double>(r.correct) / static_cast<double>(r.count);
  const double rate = r.seconds > 0 ? static_cast<double>(r.count) / r.seconds : 0.0;
  if (args->has("json")) {
    std::printf(
        "{\"model\": %s, \"data\": %s, \"backend\": %s, \"batch\": %lld, \"int8_layers\": %d, "
        "\"count\": %lld, \"correct\": %lld, \"accuracy\": %s, \"seconds\": %s, "
        "\"images_per_second\": %s, "
        "\"expected\": %s, \"actual\": %s}\n",
        json_string(args->has("onnx") ? args->get("onnx") : args->get("engine")).c_str(),
        json_string(args->get("data")).c_str(), json_string(r.backend).c_str(),
        static_cast<long long>(r.batch), r.int8_layers, static_cast<long long>(r.count),
        static_cast<long long>(r.correct), json_number(accuracy).c_str(),
        json_number(r.seconds).c_str(), json_number(rate).c_str(), list(r.expected, ", ").c_str(),
        list(r.actual, ", ").c_str());
  } else {
    if (!r.calibration.empty()) std::printf("%s\n", r.calibration.c_str());
    if (!r.expected.empty()) {
      std::printf("Expected Predictions:\n%s\nActual Predictions:\n%s\n",
                  list(r.expected, " ").c_str(), list(r.actual, " ").c_str());
    }
    std::printf("top-1 accuracy: %.2f%% (%lld/%lld)\n", 100.0 * accuracy,
                static_cast<long long>(r.correct), static_cast<long long>(r.count));
    std::printf("throughput:     %.0f images/s (%.2f s, batch %lld, backend %s, %d INT8 layers)\n",
                rate, r.seconds, static_cast<long long>(r.batch), r.backend.c_str(), r.int8_layers);
  }
  return kExitOk;
}

}  // namespace int8rt::cli
