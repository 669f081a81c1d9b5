// int8rt compare: where INT8 loses accuracy, tensor by tensor (docs/debugging.md).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "commands.h"
#include "common.h"
#include "int8_build.h"
#include "int8rt/analysis.h"
#include "int8rt/data.h"

namespace int8rt::cli {

namespace {

constexpr int64_t kDefaultTop = 20;

std::vector<Flag> compare_flags() {
  std::vector<Flag> flags = engine_flags();
  flags[0].help = "the ONNX model (required): its FP32 engine is the reference";
  std::vector<Flag> own = {
      {"engine", "FILE",
       "the INT8 engine (int8rt build --int8 --save-engine); else it is\n"
       "built from --onnx with the INT8 flags below"},
      {"data", "SPEC", "the samples both engines run (required; labels optional; forms below)"},
      {"batch", "B",
       "samples per run (default: the model's fixed batch, else " + std::to_string(kDefaultBatch) +
           "; with --engine its built batch)"},
      {"max-samples", "N", "compare on the first N samples only"},
      {"top", "N",
       "print the N worst tensors (default " + std::to_string(kDefaultTop) + "; 0: all)"},
      {"json", "", "print the result as JSON (every tensor unless --top is given)"}};
  add_command_flags(flags, std::move(own), "calib-data");
  for (Flag& flag : flags) {
    if (flag.name == "int8") flag.help = "build the INT8 engine (implied without --engine)";
  }
  return flags;
}

constexpr char kUsage[] =
    "usage: int8rt compare --onnx MODEL.onnx --data SPEC (--engine INT8.plan |\n"
    "                      [--calib-data SPEC --cache FILE --calibrator NAME] [--ranges FILE])\n"
    "                      [--batch B] [--max-samples N] [--top N] [--json]\n"
    "                      [--backend NAME] [--fp16] [--verbose]\n"
    "\n"
    "Runs the FP32 engine of MODEL and the INT8 engine (--engine, or built from MODEL as\n"
    "int8rt build --int8 does) side by side on the samples of --data, observes every tensor both\n"
    "compute, and prints them worst first: SQNR = 10 log10(sum fp32^2 / sum (int8 - fp32)^2) in\n"
    "dB, cosine similarity, largest absolute error and relative L2 error, over all samples. Then\n"
    "the share of samples whose INT8 top-1 class is FP32's and, when --data has labels, both\n"
    "accuracies. Fused layers keep their last output's name: tensors the INT8 engine fused away\n"
    "are not listed.\n"
    "\n"
    "flags:\n";

struct CompareRun {
  Comparison comparison;
  std::string backend;
  int64_t batch = 0;
  double seconds = 0;
  std::string calibration;
};

// A TerminalProgress that shows nothing but the comparison (and the calibration before it).
Result<CompareRun> compare(const Args& args, Logger& logger) {
  if (!args.has("onnx")) {
    return invalid_argument("--onnx is required (the model whose FP32 engine is the reference)");
  }
  if (!args.has("data")) {
    return invalid_argument("--data is required (the samples to compare on, e.g. idx:IMAGES)");
  }
  const std::string model = args.get("onnx");
  int64_t max_samples = -1;
  if (args.has("max-samples")) {
    INT8RT_ASSIGN_OR_RETURN(max_samples, parse_count("max-samples", args.get("max-samples")));
    if (max_samples == 0) return invalid_argument("--max-samples must be at least 1");
  }
  std::unique_ptr<Engine> int8;
  if (args.has("engine")) {
    INT8RT_ASSIGN_OR_RETURN(int8, load_built_engine(args, "calib-data", logger));
  }
  INT8RT_ASSIGN_OR_RETURN(std::unique_ptr<DataSource> source, open_data_source(args.get("data")));
  INT8RT_ASSIGN_OR_RETURN(std::unique_ptr<Network> network, load_onnx(model, logger));
  if (network->num_inputs() != 1) {
    return invalid_argument(model, ": compare needs a model with one input, this one has ",
                            network->num_inputs());
  }
  const std::string input_name = network->input(0)->name();
  int64_t batch = 0;
  if (int8) {
    if (int8->num_inputs() != 1 || int8->input(0).name != input_name ||
        int8->input(0).dims.rank() == 0) {
      return invalid_argument("--engine ", args.get("engine"), ": its input is not input \"",
                              input_name, "\" of ", model, " (is it built from this model?)");
    }
    const int64_t built = int8->input(0).dims[0];
    batch = built;
    if (args.has("batch")) {
      INT8RT_ASSIGN_OR_RETURN(batch, parse_count("batch", args.get("batch")));
      if (batch == 0) return invalid_argument("--batch must be at least 1");
      if (batch > built) {
        return invalid_argument("--batch ", batch, ": ", args.get("engine"),
                                " was built for batch ", built, "; it runs 1 to ", built);
      }
    }
  } else {
    INT8RT_ASSIGN_OR_RETURN(batch, model_batch(args, *network, model));
  }
  const Dims& sample = source->sample_dims();
  std::vector<int64_t> extents = {batch};
  extents.insert(extents.end(), sample.extents().begin(), sample.extents().end());
  const Dims input_dims(extents);
  const Dims& declared = network->input(0)->dims();
  bool fits = declared.rank() == input_dims.rank();
  for (int axis = 1; fits && axis < declared.rank(); ++axis)
    fits = declared[axis] == Dims::kDynamic || declared[axis] == input_dims[axis];
  if (!fits) {
    return invalid_argument("--data ", source->name(), ": samples are ", sample.to_string(),
                            ", but input \"", input_name, "\" of ", model, " is ",
                            declared.to_string(), " (expected a batch axis, then ",
                            sample.to_string(), ")");
  }

  INT8RT_ASSIGN_OR_RETURN(
      EngineTarget target,
      parse_engine_target(args, int8 ? int8->backend() : std::string(kDefaultBackend)));
  Builder builder(logger);
  auto fp32_config = builder.create_config();
  fp32_config->set_backend(target.backend);  // the FP32 reference: no FP16
  fp32_config->set_input_shape(input_name, input_dims);
  INT8RT_ASSIGN_OR_RETURN(std::unique_ptr<Engine> fp32, builder.build(*network, *fp32_config));

  CompareRun run;
  Int8Setup setup;
  if (!int8) {
    auto config = builder.create_config();
    target.apply(*config);
    config->set_input_shape(input_name, input_dims);
    INT8RT_RETURN_IF_ERROR(configure_int8(args, "calib-data", batch, *network, *config, setup));
    INT8RT_ASSIGN_OR_RETURN(int8, builder.build(*network, *config));
    run.calibration = calibration_summary(setup);
  }
  run.backend = int8->backend();
  run.batch = batch;
  TerminalProgress progress;
  CompareOptions options;
  options.batch_size = batch;
  options.max_samples = max_samples;
  options.progress = &progress;
  const auto start = std::chrono::steady_clock::now();
  auto comparison = compare_engines(*fp32, *int8, *source, options);
  if (!comparison.is_ok()) {
    return comparison.status().with_context(args.has("engine") ? "--engine " + args.get("engine")
                                                               : model);
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.comparison = std::move(comparison).value();
  return run;
}

std::string percent(const Accuracy& a) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.2f%% (%lld/%lld)", 100.0 * a.value(),
                static_cast<long long>(a.correct), static_cast<long long>(a.total));
  return text;
}

std::string fixed(double value, int digits) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", digits, value);
  return text;
}

std::string scientific(double value) {
  if (std::isinf(value)) return "inf";
  char text[64];
  std::snprintf(text, sizeof(text), "%.3g", value);
  return text;
}

// A fused layer "a+b+c" as "a (+2 fused)" when its full name would widen the table too much.
std::string short_layer(const std::string& layer) {
  constexpr size_t kWide = 48;
  const size_t plus = layer.find('+');
  if (layer.size() <= kWide || plus == std::string::npos) return layer;
  const auto fused = std::count(layer.begin(), layer.end(), '+');
  return layer.substr(0, plus) + " (+" + std::to_string(fused) + " fused)";
}

void print_table(const CompareRun& run, size_t rows) {
  const Comparison& c = run.comparison;
  const std::vector<std::string> head = {"tensor", "layer",   "precision", "SQNR dB",
                                         "cosine", "max abs", "rel L2"};
  std::vector<std::vector<std::string>> cells;
  for (size_t i = 0; i < rows; ++i) {
    const TensorComparison& t = c.tensors[i];
    cells.push_back({t.name, short_layer(t.layer), std::string(to_string(t.precision)),
                     fixed(t.sqnr_db, 2), fixed(t.cosine, 5), scientific(t.max_abs_error),
                     scientific(t.relative_l2)});
  }
  std::vector<size_t> width(head.size());
  for (size_t k = 0; k < head.size(); ++k) {
    width[k] = head[k].size();
    for (const auto& row : cells)
      width[k] = std::max(width[k], row[k].size());
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t k = 0; k < row.size(); ++k) {
      const size_t pad = width[k] - row[k].size();
      // Text columns left-aligned, numbers right-aligned.
      if (k < 3) {
        line += row[k] + std::string(pad, ' ');
      } else {
        line += std::string(pad, ' ') + row[k];
      }
      if (k + 1 < row.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    std::printf("%s\n", line.c_str());
  };
  print_row(head);
  for (const auto& row : cells)
    print_row(row);
  if (rows < c.tensors.size()) {
    std::printf("(the %zu worst of %zu tensors; --top 0 lists all)\n", rows, c.tensors.size());
  }
  for (const TensorComparison& t : c.tensors) {
    if (t.nonfinite == 0) continue;
    std::printf(
        "non-finite: %s has %lld NaN or infinite values of %lld (left out of its "
        "statistics)\n",
        t.name.c_str(), static_cast<long long>(t.nonfinite), static_cast<long long>(t.count));
  }
}

void print_summary(const CompareRun& run) {
  const Comparison& c = run.comparison;
  const Accuracy agreement{c.top1_agreement, c.samples};
  std::printf("\nsamples:         %lld (batch %lld, backend %s, %.2f s)\n",
              static_cast<long long>(c.samples), static_cast<long long>(run.batch),
              run.backend.c_str(), run.seconds);
  std::printf("top-1 agreement: %s\n", percent(agreement).c_str());
  if (c.labelled) {
    std::printf("FP32 accuracy:   %s\n", percent(c.fp32_accuracy).c_str());
    std::printf("INT8 accuracy:   %s\n", percent(c.int8_accuracy).c_str());
  }
}

std::string json_dims(const Dims& dims) {
  std::string text = "[";
  for (int i = 0; i < dims.rank(); ++i)
    text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

void print_json(const Args& args, const CompareRun& run, size_t rows) {
  const Comparison& c = run.comparison;
  auto accuracy = [&](const Accuracy& a) {
    return c.labelled ? json_number(a.value()) : std::string("null");
  };
  std::printf(
      "{\"model\": %s, \"engine\": %s, \"data\": %s, \"backend\": %s, \"batch\": %lld, "
      "\"samples\": %lld, \"seconds\": %s, \"top1_agreement\": %lld, "
      "\"top1_agreement_rate\": %s, \"labelled\": %s, \"fp32_correct\": %lld, "
      "\"int8_correct\": %lld, \"fp32_accuracy\": %s, \"int8_accuracy\": %s,\n"
      " \"tensors\": [",
      json_string(args.get("onnx")).c_str(),
      args.has("engine") ? json_string(args.get("engine")).c_str() : "null",
      json_string(args.get("data")).c_str(), json_string(run.backend).c_str(),
      static_cast<long long>(run.batch), static_cast<long long>(c.samples),
      json_number(run.seconds).c_str(), static_cast<long long>(c.top1_agreement),
      json_number(c.samples ? static_cast<double>(c.top1_agreement) / c.samples : 0).c_str(),
      c.labelled ? "true" : "false", static_cast<long long>(c.fp32_accuracy.correct),
      static_cast<long long>(c.int8_accuracy.correct), accuracy(c.fp32_accuracy).c_str(),
      accuracy(c.int8_accuracy).c_str());
  for (size_t i = 0; i < rows; ++i) {
    const TensorComparison& t = c.tensors[i];
    std::printf(
        "%s\n  {\"name\": %s, \"layer\": %s, \"precision\": %s, \"dims\": %s, "
        "\"count\": %lld, \"sqnr_db\": %s, \"cosine\": %s, \"max_abs_error\": %s, "
        "\"relative_l2\": %s, \"nonfinite\": %lld, \"identical\": %s}",
        i ? "," : "", json_string(t.name).c_str(), json_string(t.layer).c_str(),
        json_string(to_string(t.precision)).c_str(), json_dims(t.dims).c_str(),
        static_cast<long long>(t.count), json_number(t.sqnr_db).c_str(),
        json_number(t.cosine).c_str(), json_number(t.max_abs_error).c_str(),
        json_number(t.relative_l2).c_str(), static_cast<long long>(t.nonfinite),
        t.max_abs_error == 0 && t.nonfinite == 0 ? "true" : "false");
  }
  std::printf("]}\n");
}

}  // namespace

int compare_command(const std::vector<std::string>& argv) {
  const std::vector<Flag> flags = compare_flags();
  if (wants_help(argv)) {
    std::printf("%s%s\nSPEC forms:\n%s", kUsage, flags_help(flags).c_str(),
                std::string(data_spec_help()).c_str());
    return kExitOk;
  }
  // Without --engine the INT8 engine is built: --int8 is implied.
  std::vector<std::string> with_int8 = argv;
  const bool has_engine = std::any_of(argv.begin(), argv.end(), [](const std::string& a) {
    return a == "--engine" || a.rfind("--engine=", 0) == 0;
  });
  if (!has_engine && std::find(argv.begin(), argv.end(), "--int8") == argv.end()) {
    with_int8.push_back("--int8");
  }
  auto args = Args::parse(with_int8, flags);
  if (!args.is_ok()) return report_error("compare", args.status());
  size_t top = 0;  // 0: all
  if (args->has("top")) {
    auto parsed = parse_count("top", args->get("top"));
    if (!parsed.is_ok()) return report_error("compare", parsed.status());
    top = static_cast<size_t>(*parsed);
  } else if (!args->has("json")) {
    top = kDefaultTop;
  }
  StderrLogger logger(log_severity(*args));
  auto result = compare(*args, logger);
  if (!result.is_ok()) return report_error("compare", result.status());
  const CompareRun& run = *result;
  const size_t total = run.comparison.tensors.size();
  const size_t rows = top == 0 ? total : std::min(top, total);
  if (args->has("json")) {
    print_json(*args, run, rows);
  } else {
    if (!run.calibration.empty()) std::printf("%s\n", run.calibration.c_str());
    print_table(run, rows);
    print_summary(run);
  }
  return kExitOk;
}

}  // namespace int8rt::cli
