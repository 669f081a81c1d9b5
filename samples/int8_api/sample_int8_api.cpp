// sample_int8_api: TensorRT's sampleINT8API in int8rt. No calibrator: every tensor's dynamic range
// comes from a ranges file ("name: amax" per line) and is set through the API, each layer's
// precision is requested by hand, and the INT8 engine is scored next to FP32 on Fashion-MNIST.
//
//   sample_int8_api [--model FILE] [--data DIR] [--ranges FILE] [--limit N] [--batch N]
//   sample_int8_api --write-tensors FILE     (the network's tensor names, for the user to fill in)
//
// Run from the repository root the defaults find everything (README.md).
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/sample_common.h"
#include "int8rt/int8rt.h"

namespace {

using namespace int8rt::samples;  // parse_flags, fail, report_result, ...

constexpr std::string_view kProgram = "sample_int8_api";

struct Options {
  std::string model = "models/resnet_fmnist.onnx";
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  std::string ranges = "samples/int8_api/resnet_fmnist.ranges";
  std::string write_tensors;
  int64_t limit = 1000;
  int64_t batch = 32;
  bool verbose = false;
};

// INT8 top-1 may be this many points below FP32's.
constexpr double kTolerancePoints = 1.0;

void print_usage(std::FILE* out) {
  std::fprintf(
      out,
      "usage: sample_int8_api [--model FILE] [--data DIR] [--ranges FILE] [--limit N] [--batch N]\n"
      "                       [--verbose]\n"
      "       sample_int8_api [--model FILE] --write-tensors FILE\n"
      "\n"
      "Builds an INT8 engine without a calibrator: the dynamic range of each tensor comes from\n"
      "the ranges file and is set with the API, layer precisions are requested per layer. Prints\n"
      "the engine's layers and the top-1 accuracy of FP32 and INT8 on Fashion-MNIST t10k.\n"
      "Tensors the ranges file leaves out are named; layers that need them run FP32.\n"
      "\n"
      "  --model FILE          the ONNX model (default models/resnet_fmnist.onnx)\n"
      "  --data DIR            Fashion-MNIST's IDX files (default "
      "/usr/share/datasets/fashion-mnist)\n"
      "  --ranges FILE         \"tensor: amax\" per line (default "
      "samples/int8_api/resnet_fmnist.ranges)\n"
      "  --write-tensors FILE  write the network's tensor names as a ranges file to fill in, and "
      "exit\n"
      "  --limit N             score the first N t10k images (default 1000)\n"
      "  --batch N             batch size of the engines (default 32)\n"
      "  -v, --verbose         log what the builder decides\n"
      "  -h, --help            show this help\n");
}

// The tensors an INT8 build may need a range for, in network order: the inputs, then every
// layer's outputs (sampleINT8API's list; weights and other constants are quantized by the
// kernels that read them).
std::vector<const int8rt::Tensor*> activation_tensors(const int8rt::Network& network) {
  std::vector<const int8rt::Tensor*> tensors;
  for (int i = 0; i < network.num_inputs(); ++i)
    tensors.push_back(network.input(i));
  for (int i = 0; i < network.num_layers(); ++i) {
    const int8rt::Layer& layer = *network.layer(i);
    for (int j = 0; j < layer.num_outputs(); ++j) {
      if (layer.output(j) != nullptr && !layer.output(j)->is_constant()) {
        tensors.push_back(layer.output(j));
      }
    }
  }
  return tensors;
}

int8rt::Status write_tensor_names(const int8rt::Network& network, const Options& options) {
  std::ofstream out(options.write_tensors, std::ios::trunc);
  out << "# The tensors of " << options.model << ", in network order, as a ranges file.\n"
      << "# Fill in each tensor's amax after the ':' (the largest |value| it takes; the INT8\n"
      << "# scale is amax / 127), or delete its line: layers that need a tensor without a range\n"
      << "# run FP32. Then: sample_int8_api --ranges FILE, or int8rt build --int8 --ranges FILE.\n";
  const auto tensors = activation_tensors(network);
  for (const int8rt::Tensor* t : tensors)
    out << t->name() << ":\n";
  out.close();
  if (!out) return int8rt::io_error("cannot write \"", options.write_tensors, "\"");
  std::printf("Wrote %zu tensor names of %s to %s\n", tensors.size(), options.model.c_str(),
              options.write_tensors.c_str());
  return int8rt::Status::ok();
}

// sampleINT8API's setLayerPrecision: INT8 for the layers of ops the INT8 path runs (a fused
// layer carries its parts' requests), FP32 for the rest (here the input normalization,
// Sub and Div by constants). Returns how many layers were asked for INT8.
int request_layer_precisions(int8rt::Network& network) {
  static const std::set<int8rt::OpType> kInt8Ops = {
      int8rt::OpType::kConv,    int8rt::OpType::kBatchNormalization,
      int8rt::OpType::kRelu,    int8rt::OpType::kAdd,
      int8rt::OpType::kMaxPool, int8rt::OpType::kGlobalAveragePool,
      int8rt::OpType::kFlatten, int8rt::OpType::kGemm};
  int requested = 0;
  for (int i = 0; i < network.num_layers(); ++i) {
    int8rt::Layer& layer = *network.layer(i);
    const bool int8 = kInt8Ops.count(layer.type()) > 0;
    layer.set_precision(int8 ? int8rt::DataType::kInt8 : int8rt::DataType::kFloat);
    requested += int8;
  }
  return requested;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  const ParseResult parsed = parse_flags(kProgram, argc, argv,
                                         {{{"--model"}, &options.model},
                                          {{"--data"}, &options.data_dir},
                                          {{"--ranges"}, &options.ranges},
                                          {{"--write-tensors"}, &options.write_tensors},
                                          {{"--limit"}, &options.limit},
                                          {{"--batch"}, &options.batch},
                                          {{"-v", "--verbose"}, &options.verbose}},
                                         print_usage);
  if (parsed != ParseResult::kRun) return parsed == ParseResult::kHelp ? 0 : 1;
  int8rt::samples::StdoutLogger logger(options.verbose ? int8rt::Logger::Severity::kInfo
                                                       : int8rt::Logger::Severity::kWarning);
  int8rt::Builder builder(logger);
  auto network = builder.create_network();
  if (auto status = int8rt::OnnxParser(*network, logger).parse_from_file(options.model);
      !status.is_ok()) {
    return fail(kProgram, status);
  }
  if (!options.write_tensors.empty()) {
    if (auto status = write_tensor_names(*network, options); !status.is_ok())
      return fail(kProgram, status);
    return 0;
  }
  report_start(kProgram);

  // Per-tensor dynamic ranges, set through the API. A name the network lacks is an error;
  // tensors the file leaves out are listed.
  auto ranges = int8rt::read_ranges_file(options.ranges);
  if (!ranges.is_ok()) return fail(kProgram, ranges.status());
  if (auto status = int8rt::set_dynamic_ranges(*network, *ranges); !status.is_ok()) {
    return fail(kProgram, status.with_context(options.ranges));
  }
  const auto tensors = activation_tensors(*network);
  std::vector<std::string> missing;
  for (const int8rt::Tensor* t : tensors) {
    if (!t->dynamic_range_is_set()) missing.push_back(t->name());
  }
  std::printf("Dynamic ranges: %zu of %zu network tensors set from %s\n",
              tensors.size() - missing.size(), tensors.size(), options.ranges.c_str());
  if (!missing.empty()) {
    std::printf("Missing dynamic ranges for %zu tensors (layers that need them run FP32):\n",
                missing.size());
    for (const std::string& name : missing)
      std::printf("  %s\n", name.c_str());
  }
  const int requested = request_layer_precisions(*network);
  std::printf("Layer precisions requested: %d INT8, %d FP32\n", requested,
              network->num_layers() - requested);

  int8rt::Dims shape = network->input(0)->dims();
  shape[0] = options.batch;
  auto fp32_config = builder.create_config();
  fp32_config->set_input_shape(network->input(0)->name(), shape);
  auto fp32 = builder.build(*network, *fp32_config);
  if (!fp32.is_ok()) return fail(kProgram, fp32.status());
  auto int8_config = builder.create_config();
  int8_config->set_input_shape(network->input(0)->name(), shape);
  int8_config->set_flag(int8rt::BuilderFlag::kInt8);
  auto int8 = builder.build(*network, *int8_config);
  if (!int8.is_ok()) return fail(kProgram, int8.status());

  int int8_layers = 0;
  const auto layers = (*int8)->layers();
  std::printf("INT8 engine layers:\n");
  for (const int8rt::LayerInfo& layer : layers) {
    int8_layers += layer.precision == int8rt::DataType::kInt8;
    std::printf("  %-7s %-17s %s\n", std::string(int8rt::to_string(layer.precision)).c_str(),
                layer.op.c_str(), layer.name.c_str());
  }
  std::printf("INT8 engine: %d of %zu layers run INT8\n", int8_layers, layers.size());

  const std::string& dir = options.data_dir;
  auto test_set =
      int8rt::load_idx(dir + "/t10k-images-idx3-ubyte.gz", dir + "/t10k-labels-idx1-ubyte.gz");
  if (!test_set.is_ok()) return fail(kProgram, test_set.status());
  int8rt::DatasetSource source(std::move(test_set).value());
  auto passed =
      int8rt::samples::compare_top1(**fp32, **int8, source, options.limit, kTolerancePoints);
  if (!passed.is_ok()) return fail(kProgram, passed.status());
  if (!*passed) {
    report_result(kProgram, false);
    return 1;
  }
  report_result(kProgram, true);
  return 0;
}
