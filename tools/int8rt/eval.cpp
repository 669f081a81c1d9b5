// int8rt eval: top-1 accuracy of a classifier on a labelled data source.
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "commands.h"
#include "common.h"
#include "int8_build.h"
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
  for (Flag& flag : int8_flags("calib-data"))
    own.push_back(std::move(flag));
  flags.insert(flags.begin() + 1, own.begin(), own.end());
  return flags;
}

constexpr char kUsage[] =
    "usage: int8rt eval (--onnx MODEL.onnx | --engine FILE.plan) --data SPEC [--batch B]\n"
    "                   [--limit N] [--json] [--backend cpu|reference] [--verbose]\n"
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
class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled) {}
  void update(int64_t done, int64_t total) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (done < total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    std::fprintf(stderr, "\reval: %lld/%lld images", static_cast<long long>(done),
                 static_cast<long long>(total));
    std::fflush(stderr);
    shown_ = true;
  }
  ~Progress() {
    if (shown_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  bool enabled_;
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
    INT8RT_ASSIGN_OR_RETURN(Backend backend, parse_backend(args.get("backend", "cpu")));
    Builder builder(logger);
    auto config = builder.create_config();
    config->set_backend(backend);
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
  auto context = engine->create_execution_context();
  std::vector<int64_t> run_extents = {batch};
  run_extents.insert(run_extents.end(), sample.extents().begin(), sample.extents().end());
  INT8RT_RETURN_IF_ERROR(context->set_input_shape(input_name, Dims(run_extents)));
  INT8RT_ASSIGN_OR_RETURN(Dims output_dims, context->output_shape(0));
  const IoTensor output{engine->output(0).name, engine->output(0).dtype, output_dims};
  if (output.dtype != DataType::kFloat || output.dims.rank() < 2 || output.dims[0] != batch) {
    return invalid_argument("output \"", output.name, "\" of ", model, " is ",
                            to_string(output.dtype), " ", output.dims.to_string(),
                            "; eval needs float32 scores [", batch, ", classes]");
  }
  const int64_t classes = output.dims.volume() / batch;

  BatchStream stream(*source, batch, limit);
  std::vector<float> scores(static_cast<size_t>(output.dims.volume()));
  EvalResult result;
  result.batch = batch;
  result.backend = engine->backend();
  result.int8_layers = 0;
  for (const LayerInfo& layer : engine->layers())
    result.int8_layers += layer.precision == DataType::kInt8;
  result.calibration = calibration_summary(setup);
  Progress progress(isatty(fileno(stderr)) != 0);
  Batch data;
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    INT8RT_ASSIGN_OR_RETURN(bool more, stream.next(data));
    if (!more) break;
    const void* inputs[] = {data.data.data()};
    void* outputs[] = {scores.data()};
    INT8RT_RETURN_IF_ERROR(context->execute(inputs, outputs));
    for (int64_t i = 0; i < data.count; ++i) {
      const float* row = scores.data() + i * classes;
      int64_t best = 0;  // the first maximum, as numpy's argmax
      for (int64_t c = 1; c < classes; ++c) {
        if (row[c] > row[best]) best = c;
      }
      const int64_t label = data.labels[static_cast<size_t>(i)];
      if (label < 0 || label >= classes) {
        return invalid_argument("--data ", source->name(), ": sample ", data.first + i,
                                " has label ", label, ", outside the ", classes, " classes of \"",
                                output.name, "\"");
      }
      result.correct += best == label;
      if (data.first + i < predictions) {
        result.expected.push_back(label);
        result.actual.push_back(best);
      }
    }
    result.count += data.count;
    progress.update(result.count, stream.size());
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (result.count == 0) return invalid_argument("--data ", source->name(), ": no samples");
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
