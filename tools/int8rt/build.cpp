// int8rt build: builds an engine (FP32, or INT8 from a calibrator and/or hand-set ranges), prints
// what the builder made of each layer and saves the plan file.
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "common.h"
#include "int8_build.h"
#include "int8rt/data.h"
#include "int8rt/engine.h"

namespace int8rt::cli {

namespace {

std::vector<Flag> build_flags() {
  std::vector<Flag> flags = engine_flags();
  std::vector<Flag> own = {
      {"save-engine", "FILE", "write the engine's plan file (run/eval/inspect --engine FILE)"},
      {"shapes", "NAME:DIMS,...", "build shapes of inputs with dynamic axes", true},
      {"batch", "B",
       "the batch of a single input with a dynamic axis 0 (default: " +
           std::to_string(kDefaultBatch) + "); also the calibration batch"},
      {"json", "", "print the layers and summary as JSON"}};
  add_command_flags(flags, std::move(own), "data");
  return flags;
}

constexpr char kUsage[] =
    "usage: int8rt build --onnx MODEL.onnx [--shapes NAME:DIMS,...] [--batch B]\n"
    "                    [--int8 [--calibrator NAME --data SPEC --cache FILE [--max-batches K]]\n"
    "                            [--ranges FILE]] [--layer-precisions FILE]\n"
    "                    [--obey-precision-constraints] [--backend NAME] [--fp16]\n"
    "                    [--save-engine FILE.plan] [--json] [--verbose]\n"
    "\n"
    "Builds an engine for the model: FP32, or with --int8 INT8 wherever a layer has an INT8\n"
    "kernel and ranges for its tensors. Ranges come from --ranges (set by hand), else the\n"
    "calibration cache when it matches the model, data and algorithm, else calibration over the\n"
    "data (the cache is written afterwards). Prints one line per layer (precision and kernel),\n"
    "a summary and whether calibration ran, and saves the plan file.\n"
    "\n"
    "flags:\n";

struct Built {
  std::unique_ptr<Engine> engine;
  std::string calibration;
  size_t manual_ranges = 0;
  int64_t plan_bytes = -1;
  Int8Speed speed = Int8Speed::kNone;
};

// A single input whose axis 0 is dynamic (and the rest static) is built at `batch`.
Status bind_batch(const Network& network, int64_t batch, BuilderConfig& config) {
  if (network.num_inputs() != 1) return Status::ok();
  const Tensor& input = *network.input(0);
  if (config.input_shapes().count(input.name()) != 0 || input.dims().rank() == 0 ||
      input.dims()[0] != Dims::kDynamic) {
    return Status::ok();
  }
  std::vector<int64_t> extents = input.dims().extents();
  extents[0] = batch;
  config.set_input_shape(input.name(), Dims(extents));
  return Status::ok();
}

Result<Built> build(const Args& args, Logger& logger) {
  if (!args.has("onnx")) return invalid_argument("--onnx is required (the model to build)");
  const std::string model = args.get("onnx");
  INT8RT_ASSIGN_OR_RETURN(EngineTarget target, parse_engine_target(args));
  if (args.has("save-engine")) {
    INT8RT_RETURN_IF_ERROR(check_writable_location("save-engine", args.get("save-engine")));
  }
  INT8RT_ASSIGN_OR_RETURN(std::unique_ptr<Network> network, load_onnx(model, logger));
  Builder builder(logger);
  auto config = builder.create_config();
  target.apply(*config);
  INT8RT_RETURN_IF_ERROR(apply_shapes(args.all("shapes"), *config));
  INT8RT_ASSIGN_OR_RETURN(int64_t batch, model_batch(args, *network, model));
  INT8RT_RETURN_IF_ERROR(bind_batch(*network, batch, *config));
  Int8Setup setup;
  INT8RT_RETURN_IF_ERROR(configure_int8(args, "data", batch, *network, *config, setup));

  Built built;
  INT8RT_ASSIGN_OR_RETURN(built.engine, builder.build(*network, *config));
  built.calibration = calibration_summary(setup);
  built.manual_ranges = setup.manual_ranges;
  built.speed = builder.platform_int8_speed();
  if (args.has("save-engine")) {
    const std::string path = args.get("save-engine");
    INT8RT_RETURN_IF_ERROR(built.engine->save(path));
    std::error_code error;
    built.plan_bytes = static_cast<int64_t>(std::filesystem::file_size(path, error));
  }
  return built;
}

void print_text(const Args& args, const Built& built) {
  int int8 = 0;
  const std::vector<LayerInfo> layers = built.engine->layers();
  for (const LayerInfo& layer : layers) {
    int8 += layer.precision == DataType::kInt8;
    std::printf("%s \"%s\": %s, %s\n", layer.op.c_str(), layer.name.c_str(),
                std::string(to_string(layer.precision)).c_str(), layer.kernel.c_str());
  }
  std::printf("layers: %d int8, %d float32 (%zu in all); backend %s; platform INT8: %s\n", int8,
              static_cast<int>(layers.size()) - int8, layers.size(),
              built.engine->backend().c_str(), std::string(to_string(built.speed)).c_str());
  if (built.manual_ranges > 0) {
    std::printf("ranges set by hand: %zu tensors (--ranges %s)\n", built.manual_ranges,
                args.get("ranges").c_str());
  }
  if (!built.calibration.empty()) std::printf("%s\n", built.calibration.c_str());
  if (args.has("save-engine")) {
    std::printf("engine saved to %s (%lld bytes)\n", args.get("save-engine").c_str(),
                static_cast<long long>(built.plan_bytes));
  }
}

void print_json(const Args& args, const Built& built) {
  int int8 = 0;
  const std::vector<LayerInfo> layers = built.engine->layers();
  std::printf("{\"model\": %s, \"backend\": %s, \"platform_int8\": %s, \"layers\": [",
              json_string(args.get("onnx")).c_str(), json_string(built.engine->backend()).c_str(),
              json_string(to_string(built.speed)).c_str());
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerInfo& layer = layers[i];
    int8 += layer.precision == DataType::kInt8;
    std::printf("%s\n  {\"name\": %s, \"op\": %s, \"precision\": %s, \"kernel\": %s}", i ? "," : "",
                json_string(layer.name).c_str(), json_string(layer.op).c_str(),
                json_string(to_string(layer.precision)).c_str(), json_string(layer.kernel).c_str());
  }
  std::printf(
      "\n], \"int8_layers\": %d, \"float_layers\": %d, \"manual_ranges\": %zu, "
      "\"calibration\": %s, \"engine\": %s, \"plan_bytes\": %lld}\n",
      int8, static_cast<int>(layers.size()) - int8, built.manual_ranges,
      built.calibration.empty() ? "null" : json_string(built.calibration).c_str(),
      args.has("save-engine") ? json_string(args.get("save-engine")).c_str() : "null",
      static_cast<long long>(built.plan_bytes));
}

}  // namespace

int build_command(const std::vector<std::string>& argv) {
  const std::vector<Flag> flags = build_flags();
  if (wants_help(argv)) {
    std::printf("%s%s\nSPEC forms:\n%s", kUsage, flags_help(flags).c_str(),
                std::string(data_spec_help()).c_str());
    return kExitOk;
  }
  auto args = Args::parse(argv, flags);
  if (!args.is_ok()) return report_error("build", args.status());
  StderrLogger logger(log_severity(*args));
  auto built = build(*args, logger);
  if (!built.is_ok()) return report_error("build", built.status());
  if (args->has("json")) {
    print_json(*args, *built);
  } else {
    print_text(*args, *built);
  }
  return kExitOk;
}

}  // namespace int8rt::cli
