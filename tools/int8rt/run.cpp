// int8rt run: runs a network once on inputs from .npy files and writes/prints its outputs.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <set>

#include "commands.h"
#include "common.h"
#include "int8_build.h"
#include "int8rt/data.h"
#include "int8rt/engine.h"

namespace int8rt::cli {

namespace {

std::vector<Flag> run_flags() {
  std::vector<Flag> flags = engine_flags();
  flags[0].help = "the ONNX model (or --engine)";
  std::vector<Flag> own = {
      {"engine", "FILE", "a plan file (int8rt build --save-engine) instead of --onnx"},
      {"input", "NAME=FILE.npy",
       "data for network input NAME; repeat for each input. NAME= may be\n"
       "left out when the network has one input. Dynamic axes of the input\n"
       "take the file's shape unless --shapes gives them.",
       true},
      {"shapes", "NAME:DIMS,...", "build shapes of inputs, e.g. input:1x3x224x224", true},
      {"output-dir", "DIR", "write each output to DIR/<name>.npy (created if missing)"},
      {"json", "", "print the summary as JSON"}};
  add_command_flags(flags, std::move(own), "data");
  return flags;
}

constexpr char kUsage[] =
    "usage: int8rt run (--onnx MODEL.onnx | --engine FILE.plan) --input NAME=FILE.npy ...\n"
    "                  [--shapes NAME:DIMS,...] [--output-dir DIR] [--json]\n"
    "                  [--int8 [--data SPEC --cache FILE --calibrator NAME] [--ranges FILE]]\n"
    "                  [--backend NAME] [--fp16] [--verbose]\n"
    "\n"
    "Builds an engine for the model (FP32, or INT8 with --int8 as int8rt build does) or loads a\n"
    "plan file, runs it once on the given inputs and prints a summary of every output (shape,\n"
    "first values, top-5 of each row of a 2-d output). A plan runs inputs whose axis 0 is at\n"
    "most its built batch.\n"
    "\n"
    "flags:\n";

// A file name for a tensor name: characters outside [A-Za-z0-9._-] become '_'.
std::string sanitize(const std::string& name, int index, std::set<std::string>& used) {
  std::string file;
  for (char c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    file += keep ? c : '_';
  }
  if (file.empty() || file == "." || file == "..") file = "output" + std::to_string(index);
  // Two names that sanitize alike ("a/b" and "a:b") get the output index appended.
  if (used.count(file) != 0) file += "_" + std::to_string(index);
  used.insert(file);
  return file + ".npy";
}

double element(const IoTensor& tensor, const std::vector<std::byte>& bytes, int64_t i) {
  const auto* p = bytes.data() + static_cast<size_t>(i) * element_size(tensor.dtype);
  switch (tensor.dtype) {
    case DataType::kFloat:
      return *reinterpret_cast<const float*>(p);
    case DataType::kInt8:
      return *reinterpret_cast<const int8_t*>(p);
    case DataType::kUInt8:
      return *reinterpret_cast<const uint8_t*>(p);
    case DataType::kInt32:
      return *reinterpret_cast<const int32_t*>(p);
    case DataType::kInt64:
      return static_cast<double>(*reinterpret_cast<const int64_t*>(p));
    case DataType::kBool:
      return *reinterpret_cast<const uint8_t*>(p) != 0;
  }
  return 0;
}

constexpr int64_t kFirstValues = 10;
constexpr int64_t kTopRows = 8;
constexpr int64_t kTopK = 5;

struct OutputSummary {
  std::vector<double> first;
  // Per row of a 2-d output (at most kTopRows rows): (index, value), largest first.
  std::vector<std::vector<std::pair<int64_t, double>>> top;
  std::string file;
};

OutputSummary summarize(const IoTensor& tensor, const std::vector<std::byte>& bytes) {
  OutputSummary summary;
  const int64_t count = tensor.dims.volume();
  for (int64_t i = 0; i < std::min(count, kFirstValues); ++i) {
    summary.first.push_back(element(tensor, bytes, i));
  }
  if (tensor.dims.rank() == 2 && tensor.dims[1] > 0) {
    const int64_t rows = tensor.dims[0], cols = tensor.dims[1];
    for (int64_t r = 0; r < std::min(rows, kTopRows); ++r) {
      std::vector<int64_t> order(static_cast<size_t>(cols));
      std::iota(order.begin(), order.end(), 0);
      const int64_t k = std::min(cols, kTopK);
      // Largest first; ties keep the lower index first (as numpy's argmax picks).
      std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int64_t a, int64_t b) {
        const double va = element(tensor, bytes, r * cols + a);
        const double vb = element(tensor, bytes, r * cols + b);
        return va > vb || (va == vb && a < b);
      });
      auto& row = summary.top.emplace_back();
      for (int64_t j = 0; j < k; ++j) {
        row.emplace_back(order[static_cast<size_t>(j)],
                         element(tensor, bytes, r * cols + order[static_cast<size_t>(j)]));
      }
    }
  }
  return summary;
}

std::string shape_json(const Dims& dims) {
  std::string text = "[";
  for (int axis = 0; axis < dims.rank(); ++axis) {
    text += (axis ? ", " : "") + std::to_string(dims[axis]);
  }
  return text + "]";
}

void print_text(const std::vector<IoTensor>& outputs, const std::vector<OutputSummary>& summaries) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    const IoTensor& tensor = outputs[i];
    const OutputSummary& s = summaries[i];
    std::printf("output \"%s\": %s %s%s%s\n", tensor.name.c_str(),
                std::string(to_string(tensor.dtype)).c_str(), tensor.dims.to_string().c_str(),
                s.file.empty() ? "" : " -> ", s.file.c_str());
    std::printf("  first values:");
    for (double v : s.first)
      std::printf(" %s", format_value(v).c_str());
    if (tensor.dims.volume() > static_cast<int64_t>(s.first.size())) std::printf(" ...");
    std::printf("\n");
    for (size_t r = 0; r < s.top.size(); ++r) {
      std::printf("  top-%zu of row %zu:", s.top[r].size(), r);
      for (auto [index, value] : s.top[r]) {
        std::printf(" %lld (%s)", static_cast<long long>(index), format_value(value).c_str());
      }
      std::printf("\n");
    }
    if (tensor.dims.rank() == 2 && tensor.dims[0] > kTopRows) {
      std::printf("  ... %lld rows in all\n", static_cast<long long>(tensor.dims[0]));
    }
  }
}

void print_json(const std::string& model, const Engine& engine,
                const std::vector<IoTensor>& outputs, const std::vector<OutputSummary>& summaries) {
  std::printf("{\"model\": %s, \"backend\": %s, \"outputs\": [", json_string(model).c_str(),
              json_string(engine.backend()).c_str());
  for (size_t i = 0; i < outputs.size(); ++i) {
    const IoTensor& tensor = outputs[i];
    const OutputSummary& s = summaries[i];
    std::printf(
        "%s\n  {\"name\": %s, \"dtype\": %s, \"shape\": %s, \"file\": %s, \"first_values\": [",
        i ? "," : "", json_string(tensor.name).c_str(),
        json_string(to_string(tensor.dtype)).c_str(), shape_json(tensor.dims).c_str(),
        s.file.empty() ? "null" : json_string(s.file).c_str());
    for (size_t j = 0; j < s.first.size(); ++j) {
      std::printf("%s%s", j ? ", " : "", json_number(s.first[j]).c_str());
    }
    std::printf("], \"top5\": [");
    for (size_t r = 0; r < s.top.size(); ++r) {
      std::printf("%s[", r ? ", " : "");
      for (size_t j = 0; j < s.top[r].size(); ++j) {
        std::printf("%s{\"index\": %lld, \"value\": %s}", j ? ", " : "",
                    static_cast<long long>(s.top[r][j].first),
                    json_number(s.top[r][j].second).c_str());
      }
      std::printf("]");
    }
    std::printf("]}");
  }
  std::printf("\n]}\n");
}

// A model input as --input matches it: from the ONNX network or the plan file.
struct InputDecl {
  std::string name;
  DataType dtype = DataType::kFloat;
  Dims dims;
};

Status run(const Args& args, Logger& logger) {
  if (args.has("onnx") == args.has("engine")) {
    return invalid_argument(args.has("onnx")
                                ? "give --onnx or --engine, not both"
                                : "--onnx is required (the model to run; or --engine FILE)");
  }
  const std::string model = args.has("onnx") ? args.get("onnx") : args.get("engine");
  std::unique_ptr<Network> network;
  std::unique_ptr<Engine> engine;
  std::vector<InputDecl> decls;
  if (args.has("engine")) {
    for (const char* flag : {"shapes"}) {
      if (args.has(flag)) return invalid_argument("--", flag, ": --engine ", model, " is built");
    }
    INT8RT_ASSIGN_OR_RETURN(engine, load_built_engine(args, "data", logger));
    for (int i = 0; i < engine->num_inputs(); ++i)
      decls.push_back({engine->input(i).name, engine->input(i).dtype, engine->input(i).dims});
  } else {
    INT8RT_ASSIGN_OR_RETURN(network, load_onnx(model, logger));
    for (int i = 0; i < network->num_inputs(); ++i) {
      const Tensor& t = *network->input(i);
      decls.push_back({t.name(), t.dtype(), t.dims()});
    }
  }

  auto input_names = [&] {
    std::string names;
    for (size_t i = 0; i < decls.size(); ++i) {
      names += (i ? ", " : "") + std::string("\"") + decls[i].name + "\"";
    }
    return names.empty() ? std::string("none") : names;
  };
  auto find_decl = [&](const std::string& name) -> const InputDecl* {
    for (const InputDecl& d : decls) {
      if (d.name == name) return &d;
    }
    return nullptr;
  };

  // --input NAME=FILE: read every file before building, so shapes can come from them.
  std::map<std::string, std::pair<std::string, Weights>> inputs;
  for (const std::string& value : args.all("input")) {
    std::string name, path;
    const size_t eq = value.find('=');
    if (eq == std::string::npos) {
      if (decls.size() != 1) {
        return invalid_argument("--input \"", value, "\": give it as NAME=FILE.npy (the model has ",
                                decls.size(), " inputs: ", input_names(), ")");
      }
      name = decls[0].name;
      path = value;
    } else {
      name = value.substr(0, eq);
      path = value.substr(eq + 1);
    }
    if (find_decl(name) == nullptr) {
      return invalid_argument("--input \"", value, "\": \"", name, "\" is not an input of ", model,
                              " (inputs: ", input_names(), ")");
    }
    if (inputs.count(name) != 0) return invalid_argument("--input: \"", name, "\" given twice");
    auto array = read_npy(path);
    if (!array.is_ok()) return array.status().with_context("--input " + name);
    if (array->dims().rank() > 0 && array->dims().volume() == 0) {
      return invalid_argument("--input ", name, "=", path, ": the file holds no values (",
                              to_string(array->dtype()), " ", array->dims().to_string(),
                              "); an input needs at least one sample");
    }
    inputs[name] = {path, std::move(array).value()};
  }
  for (const InputDecl& decl : decls) {
    if (inputs.count(decl.name) == 0) {
      return invalid_argument("no --input for network input \"", decl.name, "\" (",
                              to_string(decl.dtype), " ", decl.dims.to_string(), "); give --input ",
                              decl.name, "=FILE.npy");
    }
  }

  if (!engine) {
    INT8RT_ASSIGN_OR_RETURN(EngineTarget target, parse_engine_target(args));
    Builder builder(logger);
    auto config = builder.create_config();
    target.apply(*config);
    INT8RT_RETURN_IF_ERROR(apply_shapes(args.all("shapes"), *config));
    for (int i = 0; i < network->num_inputs(); ++i) {
      const Tensor& tensor = *network->input(i);
      const auto& [path, array] = inputs[tensor.name()];
      // Dynamic axes without --shapes take the .npy file's extents.
      if (tensor.dims().is_static() || config->input_shapes().count(tensor.name()) != 0) continue;
      if (array.dims().rank() != tensor.dims().rank()) {
        return invalid_argument("--input ", tensor.name(), "=", path, ": the file holds ",
                                to_string(array.dtype()), " ", array.dims().to_string(),
                                ", input \"", tensor.name(), "\" is ", to_string(tensor.dtype()),
                                " ", tensor.dims().to_string());
      }
      config->set_input_shape(tensor.name(), array.dims());
    }
    // Calibration batches have the build's batch (axis 0 of the single input).
    int64_t batch = kDefaultBatch;
    if (network->num_inputs() == 1) {
      auto bound = config->input_shapes().find(network->input(0)->name());
      const Dims& dims =
          bound != config->input_shapes().end() ? bound->second : network->input(0)->dims();
      if (dims.rank() > 0 && dims[0] != Dims::kDynamic) batch = dims[0];
    }
    Int8Setup setup;
    INT8RT_RETURN_IF_ERROR(configure_int8(args, "data", batch, *network, *config, setup));
    INT8RT_ASSIGN_OR_RETURN(engine, builder.build(*network, *config));
    const std::string calibration = calibration_summary(setup);
    if (!calibration.empty()) std::fprintf(stderr, "%s\n", calibration.c_str());
  }

  auto context = engine->create_execution_context();
  std::vector<const void*> input_data(static_cast<size_t>(engine->num_inputs()));
  for (int i = 0; i < engine->num_inputs(); ++i) {
    const IoTensor& io = engine->input(i);
    const auto& [path, array] = inputs.at(io.name);
    // A plan runs a smaller batch: axis 0 from 1 to the built extent, the other axes as built.
    bool fits = array.dtype() == io.dtype && array.dims().rank() == io.dims.rank();
    for (int axis = 0; fits && axis < io.dims.rank(); ++axis) {
      fits = axis == 0 ? array.dims()[0] >= 1 && array.dims()[0] <= io.dims[0]
                       : array.dims()[axis] == io.dims[axis];
    }
    if (!fits) {
      return invalid_argument("--input ", io.name, "=", path, ": the file holds ",
                              to_string(array.dtype()), " ", array.dims().to_string(),
                              ", the engine expects ", to_string(io.dtype), " ",
                              io.dims.to_string(),
                              io.dims.rank() > 0 && io.dims[0] > 1 ? " (or a smaller axis 0)" : "");
    }
    if (array.dims() != io.dims)
      INT8RT_RETURN_IF_ERROR(context->set_input_shape(io.name, array.dims()));
    input_data[static_cast<size_t>(i)] = array.data();
  }
  std::vector<IoTensor> outputs;
  std::vector<std::vector<std::byte>> output_bytes;
  std::vector<void*> output_data;
  for (int i = 0; i < engine->num_outputs(); ++i) {
    IoTensor io = engine->output(i);
    INT8RT_ASSIGN_OR_RETURN(io.dims, context->output_shape(i));
    output_bytes.emplace_back(static_cast<size_t>(io.dims.volume()) * element_size(io.dtype));
    output_data.push_back(output_bytes.back().data());
    outputs.push_back(std::move(io));
  }
  INT8RT_RETURN_IF_ERROR(context->execute(input_data, output_data));

  std::vector<OutputSummary> summaries;
  std::set<std::string> used_names;
  const std::string dir = args.get("output-dir");
  if (!dir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) return io_error("--output-dir ", dir, ": cannot create it: ", error.message());
  }
  for (int i = 0; i < engine->num_outputs(); ++i) {
    const IoTensor& io = outputs[static_cast<size_t>(i)];
    OutputSummary summary = summarize(io, output_bytes[static_cast<size_t>(i)]);
    if (!dir.empty()) {
      summary.file = (std::filesystem::path(dir) / sanitize(io.name, i, used_names)).string();
      INT8RT_RETURN_IF_ERROR(
          write_npy(summary.file, io.dtype, io.dims, output_bytes[static_cast<size_t>(i)].data()));
    }
    summaries.push_back(std::move(summary));
  }
  if (args.has("json")) {
    print_json(model, *engine, outputs, summaries);
  } else {
    print_text(outputs, summaries);
  }
  return Status::ok();
}

}  // namespace

int run_command(const std::vector<std::string>& argv) {
  const std::vector<Flag> flags = run_flags();
  if (wants_help(argv)) {
    std::printf("%s%s", kUsage, flags_help(flags).c_str());
    return kExitOk;
  }
  auto args = Args::parse(argv, flags);
  if (!args.is_ok()) return report_error("run", args.status());
  StderrLogger logger(log_severity(*args));
  Status status = run(*args, logger);
  return status.is_ok() ? kExitOk : report_error("run", status);
}

}  // namespace int8rt::cli
