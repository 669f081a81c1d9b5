// int8rt inspect: what a plan file holds: inputs, outputs, and per layer the precision, kernel
// and the layers fused into it.
#include <cstdio>

#include "commands.h"
#include "common.h"
#include "int8rt/engine.h"

namespace int8rt::cli {

namespace {

std::vector<Flag> inspect_flags() {
  return {
      {"engine", "FILE", "the plan file (required; int8rt build --save-engine)"},
      {"json", "", "print the result as JSON"},
      {"verbose", "", "log while loading; twice (-v -v) for detail", true, 'v'},
      {"help", "", "show this help", false, 'h'},
  };
}

constexpr char kUsage[] =
    "usage: int8rt inspect --engine FILE.plan [--json] [--verbose]\n"
    "\n"
    "Loads a plan file and lists the engine's inputs and outputs, then each layer: its op,\n"
    "precision, kernel, and the network layers fused into it (the layer name joins them with\n"
    "'+').\n"
    "\n"
    "flags:\n";

std::vector<std::string> fused_layers(const std::string& name) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const size_t plus = name.find('+', start);
    parts.push_back(name.substr(start, plus - start));
    if (plus == std::string::npos) return parts;
    start = plus + 1;
  }
}

void print_text(const std::string& path, const Engine& engine) {
  std::printf("engine %s: backend %s\n", path.c_str(), engine.backend().c_str());
  for (int i = 0; i < engine.num_inputs(); ++i) {
    std::printf("input \"%s\": %s %s\n", engine.input(i).name.c_str(),
                std::string(to_string(engine.input(i).dtype)).c_str(),
                engine.input(i).dims.to_string().c_str());
  }
  for (int i = 0; i < engine.num_outputs(); ++i) {
    std::printf("output \"%s\": %s %s\n", engine.output(i).name.c_str(),
                std::string(to_string(engine.output(i).dtype)).c_str(),
                engine.output(i).dims.to_string().c_str());
  }
  int int8 = 0;
  const std::vector<LayerInfo> layers = engine.layers();
  for (const LayerInfo& layer : layers) {
    int8 += layer.precision == DataType::kInt8;
    std::printf("%s \"%s\": %s, %s", layer.op.c_str(), layer.name.c_str(),
                std::string(to_string(layer.precision)).c_str(), layer.kernel.c_str());
    const std::vector<std::string> fused = fused_layers(layer.name);
    if (fused.size() > 1) {
      std::printf(" (fused:");
      for (const std::string& part : fused)
        std::printf(" %s", part.c_str());
      std::printf(")");
    }
    std::printf("\n");
    for (const TensorScale& t : layer.int8_inputs)
      std::printf("    in  \"%s\": scale %.9g (amax %.6g)\n", t.name.c_str(), t.scale,
                  t.scale * 127.0);
    for (const TensorScale& t : layer.int8_outputs)
      std::printf("    out \"%s\": scale %.9g (amax %.6g)\n", t.name.c_str(), t.scale,
                  t.scale * 127.0);
  }
  std::printf("layers: %d int8, %d float32 (%zu in all)\n", int8,
              static_cast<int>(layers.size()) - int8, layers.size());
}

void print_io(const char* key, const Engine& engine, bool inputs) {
  std::printf("\"%s\": [", key);
  const int count = inputs ? engine.num_inputs() : engine.num_outputs();
  for (int i = 0; i < count; ++i) {
    const IoTensor& io = inputs ? engine.input(i) : engine.output(i);
    std::printf("%s{\"name\": %s, \"dtype\": %s, \"shape\": [", i ? ", " : "",
                json_string(io.name).c_str(), json_string(to_string(io.dtype)).c_str());
    for (int axis = 0; axis < io.dims.rank(); ++axis)
      std::printf("%s%lld", axis ? ", " : "", static_cast<long long>(io.dims[axis]));
    std::printf("]}");
  }
  std::printf("]");
}

std::string json_scales(const std::vector<TensorScale>& scales) {
  std::string text;
  for (const TensorScale& t : scales) {
    if (!text.empty()) text += ", ";
    text += "{\"name\": " + json_string(t.name) + ", \"scale\": " + json_number(t.scale) + "}";
  }
  return text;
}

void print_json(const std::string& path, const Engine& engine) {
  std::printf("{\"engine\": %s, \"backend\": %s, ", json_string(path).c_str(),
              json_string(engine.backend()).c_str());
  print_io("inputs", engine, true);
  std::printf(", ");
  print_io("outputs", engine, false);
  std::printf(", \"layers\": [");
  int int8 = 0;
  const std::vector<LayerInfo> layers = engine.layers();
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerInfo& layer = layers[i];
    int8 += layer.precision == DataType::kInt8;
    std::printf("%s\n  {\"name\": %s, \"op\": %s, \"precision\": %s, \"kernel\": %s, \"fused\": [",
                i ? "," : "", json_string(layer.name).c_str(), json_string(layer.op).c_str(),
                json_string(to_string(layer.precision)).c_str(), json_string(layer.kernel).c_str());
    const std::vector<std::string> fused = fused_layers(layer.name);
    for (size_t j = 0; j < fused.size(); ++j)
      std::printf("%s%s", j ? ", " : "", json_string(fused[j]).c_str());
    std::printf("], \"int8_inputs\": [%s], \"int8_outputs\": [%s]}",
                json_scales(layer.int8_inputs).c_str(), json_scales(layer.int8_outputs).c_str());
  }
  std::printf("\n], \"int8_layers\": %d, \"float_layers\": %d}\n", int8,
              static_cast<int>(layers.size()) - int8);
}

}  // namespace

int inspect_command(const std::vector<std::string>& argv) {
  const std::vector<Flag> flags = inspect_flags();
  if (wants_help(argv)) {
    std::printf("%s%s", kUsage, flags_help(flags).c_str());
    return kExitOk;
  }
  auto args = Args::parse(argv, flags);
  if (!args.is_ok()) return report_error("inspect", args.status());
  if (!args->has("engine")) {
    return report_error("inspect", invalid_argument("--engine is required (the plan file)"));
  }
  StderrLogger logger(log_severity(*args));
  const std::string path = args->get("engine");
  auto engine = Engine::load(path, logger);
  if (!engine.is_ok()) return report_error("inspect", engine.status());
  if (args->has("json")) {
    print_json(path, **engine);
  } else {
    print_text(path, **engine);
  }
  return kExitOk;
}

}  // namespace int8rt::cli
