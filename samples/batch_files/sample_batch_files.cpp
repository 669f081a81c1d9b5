// sample_batch_files: calibration from TensorRT batch files (the files sampleINT8 reads). Writes
// shuffled Fashion-MNIST training images as batch files, reads them back through the `batches:`
// data source, calibrates the ResNet-style model on them (Entropy2) and scores FP32 and INT8 on
// t10k.
//
//   sample_batch_files [--data DIR] [--model FILE] [--out PREFIX] [--batch N] [--batches K]
//                      [--limit N] [--verbose] [--help]
//
// Run from the repository root the defaults find everything (README.md).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/sample_common.h"
#include "int8rt/int8rt.h"

namespace {

using namespace int8rt::samples;  // parse_flags, fail, report_result, ...

constexpr std::string_view kProgram = "sample_batch_files";

struct Options {
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  std::string model = "models/resnet_fmnist.onnx";
  std::string prefix = "fmnist_batches/batch";
  int64_t batch = 50;
  int64_t batches = 10;
  int64_t limit = 1000;
  bool verbose = false;
};

// The training images are shuffled with this seed, so the batches mix the classes (the same
// 500 images as `idx:...train...,shuffle=1,limit=500`).
constexpr uint64_t kShuffleSeed = 1;
constexpr double kTolerancePoints = 1.0;

void print_usage(std::FILE* out) {
  std::fprintf(
      out,
      "usage: sample_batch_files [--data DIR] [--model FILE] [--out PREFIX] [--batch N]\n"
      "                          [--batches K] [--limit N] [--verbose] [--help]\n"
      "\n"
      "Writes K batch files of N shuffled Fashion-MNIST training images (TensorRT's format:\n"
      "int32 N,C,H,W, then N*C*H*W float32 values, then N float32 labels) as PREFIX0,\n"
      "PREFIX1, ..., reads them back, calibrates the model on them (Entropy2) and prints the\n"
      "top-1 accuracy of FP32 and INT8 on the first t10k images.\n"
      "\n"
      "  --data DIR      Fashion-MNIST's IDX files (default /usr/share/datasets/fashion-mnist)\n"
      "  --model FILE    the ONNX model (default models/resnet_fmnist.onnx)\n"
      "  --out PREFIX    the batch files' prefix; its folder is created (default "
      "fmnist_batches/batch)\n"
      "  --batch N       images per batch file, also the calibration and engine batch (default "
      "50)\n"
      "  --batches K     batch files to write (default 10)\n"
      "  --limit N       score the first N t10k images (default 1000)\n"
      "  -v, --verbose   log what the builder decides\n"
      "  -h, --help      show this help\n");
}

// The header of one batch file, read by hand to show the format: four int32 N, C, H, W in host
// byte order; the file then holds N·C·H·W float32 values and, optionally, N float32 labels.
int8rt::Status describe_batch_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  int32_t header[4] = {};
  if (!in.read(reinterpret_cast<char*>(header), sizeof(header))) {
    return int8rt::io_error("cannot read the header of \"", path, "\"");
  }
  const auto size = static_cast<int64_t>(std::filesystem::file_size(path));
  const int64_t values = int64_t{header[0]} * header[1] * header[2] * header[3];
  const int64_t data_bytes = 16 + values * 4;
  const bool labelled = size == data_bytes + int64_t{header[0]} * 4;
  if (size != data_bytes && !labelled) {
    return int8rt::parse_error(path, ": ", size, " bytes, expected ", data_bytes, " or ",
                               data_bytes + int64_t{header[0]} * 4, " for N,C,H,W = ", header[0],
                               ",", header[1], ",", header[2], ",", header[3]);
  }
  std::printf("  %s: N=%d C=%d H=%d W=%d, %lld float32 values%s, %lld bytes\n", path.c_str(),
              header[0], header[1], header[2], header[3], static_cast<long long>(values),
              labelled ? " + N float32 labels" : "", static_cast<long long>(size));
  return int8rt::Status::ok();
}

// Samples `count` of both sources equal, bit for bit, labels included.
int8rt::Result<bool> same_samples(int8rt::DataSource& a, int8rt::DataSource& b, int64_t count) {
  if (a.sample_dims() != b.sample_dims() || a.size() < count || b.size() < count) return false;
  const auto volume = static_cast<size_t>(a.sample_dims().volume());
  std::vector<float> x(volume), y(volume);
  for (int64_t i = 0; i < count; ++i) {
    INT8RT_RETURN_IF_ERROR(a.read(i, x.data()));
    INT8RT_RETURN_IF_ERROR(b.read(i, y.data()));
    if (std::memcmp(x.data(), y.data(), volume * sizeof(float)) != 0) return false;
    if (a.label(i) != b.label(i)) return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  const ParseResult parsed = parse_flags(kProgram, argc, argv,
                                         {{{"--data"}, &options.data_dir},
                                          {{"--model"}, &options.model},
                                          {{"--out"}, &options.prefix},
                                          {{"--batch"}, &options.batch},
                                          {{"--batches"}, &options.batches},
                                          {{"--limit"}, &options.limit},
                                          {{"-v", "--verbose"}, &options.verbose}},
                                         print_usage);
  if (parsed != ParseResult::kRun) return parsed == ParseResult::kHelp ? 0 : 1;
  report_start(kProgram);
  int8rt::StderrLogger logger(options.verbose ? int8rt::Logger::Severity::kInfo
                                              : int8rt::Logger::Severity::kWarning);
  const std::string& dir = options.data_dir;

  // 1. Training images, shuffled, written as batch files.
  auto train = int8rt::open_data_source("idx:" + dir + "/train-images-idx3-ubyte.gz," + dir +
                                        "/train-labels-idx1-ubyte.gz");
  if (!train.is_ok()) return fail(kProgram, train.status());
  auto selected = int8rt::select_samples(
      std::move(train).value(),
      {.shuffle_seed = kShuffleSeed, .limit = options.batch * options.batches});
  const std::filesystem::path folder = std::filesystem::path(options.prefix).parent_path();
  std::error_code error;
  if (!folder.empty()) std::filesystem::create_directories(folder, error);
  if (error) {
    return fail(kProgram,
                int8rt::io_error("cannot create \"", folder.string(), "\": ", error.message()));
  }
  auto written = int8rt::write_batch_files(*selected, options.prefix, options.batch);
  if (!written.is_ok()) return fail(kProgram, written.status());
  std::printf(
      "Wrote %lld batch files %s0 .. %s%lld: %lld shuffled training images, %lld per file\n",
      static_cast<long long>(*written), options.prefix.c_str(), options.prefix.c_str(),
      static_cast<long long>(*written - 1), static_cast<long long>(*written * options.batch),
      static_cast<long long>(options.batch));
  if (auto status = describe_batch_file(options.prefix + "0"); !status.is_ok()) {
    return fail(kProgram, status);
  }

  // 2. Read back through the `batches:` data source: the same images and labels, bit for bit.
  auto batches = int8rt::open_data_source("batches:" + options.prefix);
  if (!batches.is_ok()) return fail(kProgram, batches.status());
  auto same = same_samples(**batches, *selected, selected->size());
  if (!same.is_ok()) return fail(kProgram, same.status());
  std::printf(
      "Read back %lld samples of %s%s: %s the images written\n",
      static_cast<long long>((*batches)->size()), (*batches)->sample_dims().to_string().c_str(),
      (*batches)->has_labels() ? " with labels" : "", *same ? "identical to" : "DIFFERENT from");
  if (!*same)
    return fail(kProgram, int8rt::internal_error("the batch files do not hold what was written"));

  // 3. Calibration on the batch files; FP32 and INT8 engines for batches of the same size.
  int8rt::Builder builder(logger);
  auto network = builder.create_network();
  if (auto status = int8rt::OnnxParser(*network, logger).parse_from_file(options.model);
      !status.is_ok()) {
    return fail(kProgram, status);
  }
  int8rt::Dims shape = network->input(0)->dims();
  shape[0] = options.batch;
  auto fp32_config = builder.create_config();
  fp32_config->set_input_shape(network->input(0)->name(), shape);
  auto fp32 = builder.build(*network, *fp32_config);
  if (!fp32.is_ok()) return fail(kProgram, fp32.status());

  int8rt::StreamCalibrator calibrator(
      std::move(batches).value(),
      {.algorithm = int8rt::CalibrationAlgorithm::kEntropy2, .batch_size = options.batch});
  auto int8_config = builder.create_config();
  int8_config->set_input_shape(network->input(0)->name(), shape);
  int8_config->set_flag(int8rt::BuilderFlag::kInt8);
  int8_config->set_int8_calibrator(&calibrator);
  auto int8 = builder.build(*network, *int8_config);
  if (!int8.is_ok()) return fail(kProgram, int8.status());
  int int8_layers = 0;
  const auto layers = (*int8)->layers();
  for (const int8rt::LayerInfo& layer : layers) {
    int8_layers += layer.precision == int8rt::DataType::kInt8;
  }
  std::printf(
      "Calibrated (Entropy2) on %lld batches from the batch files; INT8 engine: %d of %zu "
      "layers run INT8\n",
      static_cast<long long>(calibrator.batches_served()), int8_layers, layers.size());

  // 4. Scores on the first t10k images.
  auto test_set = int8rt::open_data_source("idx:" + dir + "/t10k-images-idx3-ubyte.gz," + dir +
                                           "/t10k-labels-idx1-ubyte.gz");
  if (!test_set.is_ok()) return fail(kProgram, test_set.status());
  auto passed =
      int8rt::samples::compare_top1(**fp32, **int8, **test_set, options.limit, kTolerancePoints);
  if (!passed.is_ok()) return fail(kProgram, passed.status());
  if (!*passed) {
    report_result(kProgram, false);
    return 1;
  }
  report_result(kProgram, true);
  return 0;
}
