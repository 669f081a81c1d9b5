// int8rt inspect: what a plan file holds (inputs, outputs, and per layer the precision, kernel and
// the layers fused into it), or what an ONNX model holds before any build: its layers, and the
// tensors that take INT8 ranges, optionally written as a ranges file to fill in.
#include <cstdio>
#include <fstream>

#include "commands.h"
#include "common.h"
#include "int8_build.h"
#include "int8rt/data.h"
#include "int8rt/engine.h"

namespace int8rt::cli {

namespace {

std::vector<Flag> inspect_flags() {
  return {
      {"engine", "FILE", "a plan file (int8rt build --save-engine)"},
      {"onnx", "FILE", "an ONNX model instead: its layers and tensors, before any build"},
      {"tensors", "", "--onnx: list the tensors that take INT8 ranges instead of the layers"},
      {"write-tensors", "FILE",
       "--onnx: write those tensors' names as a ranges file to fill in\n(\"name: amax\" per "
       "line; build --int8 --ranges FILE reads it)"},
      {"backend", "NAME", "--engine: the plan must be for this backend (" + backend_list() + ")"},
      {"json", "", "print the result as JSON"},
      {"verbose", "", "log while loading; twice (-v -v) for detail", true, 'v'},
      {"help", "", "show this help", false, 'h'},
  };
}

constexpr char kUsage[] =
    "usage: int8rt inspect --engine FILE.plan [--backend NAME] [--json] [--verbose]\n"
    "       int8rt inspect --onnx MODEL.onnx [--tensors] [--write-tensors FILE] [--json]\n"
    "\n"
    "--engine: loads a plan file and lists the engine's inputs and outputs, then each layer: its\n"
    "op, precision, kernel, the network layers fused into it (the layer name joins them with\n"
    "'+') and the scales of its INT8 tensors.\n"
    "--onnx: parses the model and lists its inputs, outputs and layers (op, name, input and "
    "output\n"
    "tensors); with --tensors, the tensors that take an INT8 range (every float32 tensor computed\n"
    "or fed at run time, the ones calibration measures). --write-tensors FILE writes their names\n"
    "in the ranges-file format with the amax left blank (TensorRT's sampleINT8API\n"
    "--write_tensors): fill in the ranges you know, delete the other lines (the calibrator fills\n"
    "them in), and pass the file to build --int8 --ranges FILE.\n"
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
  std::printf("engine %s: backend %s, inputs and outputs in %s memory\n", path.c_str(),
              engine.backend().c_str(), std::string(to_string(engine.io_location())).c_str());
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
    // A layer on another memory space than the engine's (a GPU engine's host layers) says so.
    const bool elsewhere = layer.location != engine.io_location();
    std::printf("%s \"%s\": %s, %s%s%s", layer.op.c_str(), layer.name.c_str(),
                std::string(to_string(layer.precision)).c_str(), layer.kernel.c_str(),
                elsewhere ? ", on the " : "",
                elsewhere ? std::string(to_string(layer.location)).c_str() : "");
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
  std::printf("{\"engine\": %s, \"backend\": %s, \"io_location\": %s, ", json_string(path).c_str(),
              json_string(engine.backend()).c_str(),
              json_string(to_string(engine.io_location())).c_str());
  print_io("inputs", engine, true);
  std::printf(", ");
  print_io("outputs", engine, false);
  std::printf(", \"layers\": [");
  int int8 = 0;
  const std::vector<LayerInfo> layers = engine.layers();
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerInfo& layer = layers[i];
    int8 += layer.precision == DataType::kInt8;
    std::printf(
        "%s\n  {\"name\": %s, \"op\": %s, \"precision\": %s, \"kernel\": %s, \"backend\": %s, "
        "\"location\": %s, \"fused\": [",
        i ? "," : "", json_string(layer.name).c_str(), json_string(layer.op).c_str(),
        json_string(to_string(layer.precision)).c_str(), json_string(layer.kernel).c_str(),
        json_string(layer.backend).c_str(), json_string(to_string(layer.location)).c_str());
    const std::vector<std::string> fused = fused_layers(layer.name);
    for (size_t j = 0; j < fused.size(); ++j)
      std::printf("%s%s", j ? ", " : "", json_string(fused[j]).c_str());
    std::printf("], \"int8_inputs\": [%s], \"int8_outputs\": [%s]}",
                json_scales(layer.int8_inputs).c_str(), json_scales(layer.int8_outputs).c_str());
  }
  std::printf("\n], \"int8_layers\": %d, \"float_layers\": %d}\n", int8,
              static_cast<int>(layers.size()) - int8);
}

// ------------------------------------------------------------------ --onnx

// An input's declared shape; null for a dynamic axis.
std::string shape_json(const Dims& dims) {
  std::string text = "[";
  for (int axis = 0; axis < dims.rank(); ++axis) {
    text += axis ? ", " : "";
    text += dims[axis] == Dims::kDynamic ? "null" : std::to_string(dims[axis]);
  }
  return text + "]";
}

// The tensors calibration gives a range: not constants, float32 (Builder::calibrate's choice).
std::vector<const Tensor*> range_tensors(const Network& network) {
  std::vector<const Tensor*> tensors;
  for (int i = 0; i < network.num_tensors(); ++i) {
    const Tensor* t = network.tensor(i);
    if (!t->is_constant() && t->dtype() == DataType::kFloat) tensors.push_back(t);
  }
  return tensors;
}

std::string tensor_names(const Layer& layer, bool inputs) {
  std::string text;
  const int count = inputs ? layer.num_inputs() : layer.num_outputs();
  for (int i = 0; i < count; ++i) {
    const Tensor* t = inputs ? layer.input(i) : layer.output(i);
    text += (i ? ", " : "") + (t == nullptr ? std::string("(none)") : t->name());
  }
  return text;
}

std::string tensor_names_json(const Layer& layer, bool inputs) {
  std::string text = "[";
  const int count = inputs ? layer.num_inputs() : layer.num_outputs();
  for (int i = 0; i < count; ++i) {
    const Tensor* t = inputs ? layer.input(i) : layer.output(i);
    text += (i ? ", " : "") + (t == nullptr ? std::string("null") : json_string(t->name()));
  }
  return text + "]";
}

std::string ranges_template(const std::string& model, const std::vector<const Tensor*>& tensors) {
  std::string text =
      "# INT8 dynamic ranges for " + model +
      ": one \"tensor: amax\" per line (values in\n"
      "# [-amax, amax] map onto INT8 [-127, 127]). Fill in the amax of the tensors you know and\n"
      "# delete the other lines (a calibrator fills them in), then:\n"
      "#   int8rt build --onnx " +
      model + " --int8 --ranges FILE\n";
  for (const Tensor* t : tensors)
    text += t->name() + ": \n";
  return text;
}

Status write_text_file(const std::string& flag, const std::string& path, const std::string& text) {
  INT8RT_RETURN_IF_ERROR(check_writable_location(flag, path));
  Status written = write_file_atomic(path, text);
  return written.is_ok() ? written : written.with_context("--" + flag);
}

// Shapes past the inputs are known once the builder binds the inputs: not shown here.
void print_network_text(const std::string& path, const Network& network, bool tensors) {
  std::printf("model %s: %d inputs, %d outputs, %d layers\n", path.c_str(), network.num_inputs(),
              network.num_outputs(), network.num_layers());
  for (int i = 0; i < network.num_inputs(); ++i) {
    const Tensor& t = *network.input(i);
    std::printf("input \"%s\": %s %s\n", t.name().c_str(),
                std::string(to_string(t.dtype())).c_str(), t.dims().to_string().c_str());
  }
  for (int i = 0; i < network.num_outputs(); ++i) {
    const Tensor& t = *network.output(i);
    std::printf("output \"%s\": %s\n", t.name().c_str(), std::string(to_string(t.dtype())).c_str());
  }
  if (tensors) {
    const std::vector<const Tensor*> list = range_tensors(network);
    for (const Tensor* t : list) {
      const std::string from =
          t->producer() ? "layer \"" + t->producer()->name() + "\"" : "the network's input";
      std::printf("tensor \"%s\": %s, from %s\n", t->name().c_str(),
                  std::string(to_string(t->dtype())).c_str(), from.c_str());
    }
    std::printf("tensors taking INT8 ranges: %zu\n", list.size());
    return;
  }
  for (int i = 0; i < network.num_layers(); ++i) {
    const Layer& layer = *network.layer(i);
    std::printf("%s \"%s\": %s -> %s\n", std::string(to_string(layer.type())).c_str(),
                layer.name().c_str(), tensor_names(layer, true).c_str(),
                tensor_names(layer, false).c_str());
  }
}

void print_network_json(const std::string& path, const Network& network,
                        const std::string& written) {
  std::printf("{\"model\": %s, \"inputs\": [", json_string(path).c_str());
  for (int i = 0; i < network.num_inputs(); ++i) {
    const Tensor& t = *network.input(i);
    std::printf("%s{\"name\": %s, \"dtype\": %s, \"shape\": %s}", i ? ", " : "",
                json_string(t.name()).c_str(), json_string(to_string(t.dtype())).c_str(),
                shape_json(t.dims()).c_str());
  }
  std::printf("], \"outputs\": [");
  for (int i = 0; i < network.num_outputs(); ++i) {
    const Tensor& t = *network.output(i);
    std::printf("%s{\"name\": %s, \"dtype\": %s}", i ? ", " : "", json_string(t.name()).c_str(),
                json_string(to_string(t.dtype())).c_str());
  }
  std::printf("], \"layers\": [");
  for (int i = 0; i < network.num_layers(); ++i) {
    const Layer& layer = *network.layer(i);
    std::printf("%s\n  {\"name\": %s, \"op\": %s, \"inputs\": %s, \"outputs\": %s}", i ? "," : "",
                json_string(layer.name()).c_str(), json_string(to_string(layer.type())).c_str(),
                tensor_names_json(layer, true).c_str(), tensor_names_json(layer, false).c_str());
  }
  std::printf("\n], \"tensors\": [");
  const std::vector<const Tensor*> list = range_tensors(network);
  for (size_t i = 0; i < list.size(); ++i) {
    const Tensor& t = *list[i];
    std::printf("%s\n  {\"name\": %s, \"dtype\": %s, \"producer\": %s}", i ? "," : "",
                json_string(t.name()).c_str(), json_string(to_string(t.dtype())).c_str(),
                t.producer() ? json_string(t.producer()->name()).c_str() : "null");
  }
  std::printf("\n], \"tensors_file\": %s}\n",
              written.empty() ? "null" : json_string(written).c_str());
}

int inspect_onnx(const Args& args, Logger& logger) {
  for (const char* flag : {"backend"}) {
    if (args.has(flag)) {
      return report_error("inspect",
                          invalid_argument("--", flag, " applies to --engine, not --onnx"));
    }
  }
  const std::string path = args.get("onnx");
  auto network = load_onnx(path, logger);
  if (!network.is_ok()) return report_error("inspect", network.status());
  std::string written;
  if (args.has("write-tensors")) {
    written = args.get("write-tensors");
    Status status =
        write_text_file("write-tensors", written, ranges_template(path, range_tensors(**network)));
    if (!status.is_ok()) return report_error("inspect", status);
  }
  if (args.has("json")) {
    print_network_json(path, **network, written);
    return kExitOk;
  }
  // --write-tensors alone prints only what it wrote.
  if (!written.empty() && !args.has("tensors")) {
    std::printf("%zu tensor names written to %s\n", range_tensors(**network).size(),
                written.c_str());
    return kExitOk;
  }
  print_network_text(path, **network, args.has("tensors"));
  if (!written.empty()) std::printf("tensor names written to %s\n", written.c_str());
  return kExitOk;
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
  if (args->has("engine") == args->has("onnx")) {
    return report_error("inspect",
                        invalid_argument(args->has("engine") ? "give --engine or --onnx, not both"
                                                             : "--engine FILE.plan or --onnx "
                                                               "MODEL.onnx is required"));
  }
  StderrLogger logger(log_severity(*args));
  if (args->has("onnx")) return inspect_onnx(*args, logger);
  for (const char* flag : {"tensors", "write-tensors"}) {
    if (args->has(flag)) {
      return report_error("inspect", invalid_argument("--", flag,
                                                      " applies to --onnx (a plan file "
                                                      "keeps no tensor list)"));
    }
  }
  const std::string path = args->get("engine");
  auto engine = load_engine(*args, logger);
  if (!engine.is_ok()) return report_error("inspect", engine.status());
  if (args->has("json")) {
    print_json(path, **engine);
  } else {
    print_text(path, **engine);
  }
  return kExitOk;
}

}  // namespace int8rt::cli
