// Builds an FP32 engine for LeNet-5 with an installed int8rt, runs it over the 2,000 held-out
// digits and checks the logits against PyTorch's (models/reference/lenet5_mnist_logits.npy, rows in
// the same order) and the top-1 count against the labels; then saves the plan, loads it back and
// checks the loaded engine gives the same logits bit for bit.
//
//   consumer MODEL.onnx DATA_SPEC REFERENCE_LOGITS.npy PLAN_FILE
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "int8rt/int8rt.h"

namespace {

constexpr int64_t kBatch = 100;

int fail(const int8rt::Status& status) {
  std::fprintf(stderr, "%s\n", status.to_string().c_str());
  return 1;
}

// Logits of every sample of DATA_SPEC, in order, and the labels.
int8rt::Status run_all(const int8rt::Engine& engine, const char* spec, std::vector<float>& logits,
                       std::vector<int64_t>& labels) {
  auto source = int8rt::open_data_source(spec);
  if (!source.is_ok()) return source.status();
  auto context = engine.create_execution_context();
  const int64_t classes = engine.output(0).dims[1];
  std::vector<float> out(static_cast<size_t>(kBatch * classes));
  int8rt::BatchStream stream(**source, kBatch);
  int8rt::Batch batch;
  for (;;) {
    auto more = stream.next(batch);
    if (!more.is_ok()) return more.status();
    if (!*more) break;
    const void* inputs[] = {batch.data.data()};
    void* outputs[] = {out.data()};
    if (auto status = context->execute(inputs, outputs); !status.is_ok()) return status;
    logits.insert(logits.end(), out.begin(), out.begin() + batch.count * classes);
    labels.insert(labels.end(), batch.labels.begin(), batch.labels.end());
  }
  return int8rt::Status::ok();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s MODEL.onnx DATA_SPEC REFERENCE_LOGITS.npy PLAN_FILE\n",
                 argv[0]);
    return 2;
  }
  int8rt::StderrLogger logger(int8rt::Logger::Severity::kWarning);
  int8rt::Builder builder(logger);
  auto network = builder.create_network();
  if (auto status = int8rt::OnnxParser(*network, logger).parse_from_file(argv[1]); !status.is_ok())
    return fail(status);
  auto config = builder.create_config();
  int8rt::Dims shape = network->input(0)->dims();
  shape[0] = kBatch;
  config->set_input_shape(network->input(0)->name(), shape);
  auto engine = builder.build(*network, *config);
  if (!engine.is_ok()) return fail(engine.status());

  std::vector<float> logits;
  std::vector<int64_t> labels;
  if (auto status = run_all(**engine, argv[2], logits, labels); !status.is_ok())
    return fail(status);
  auto reference = int8rt::read_npy(argv[3]);
  if (!reference.is_ok()) return fail(reference.status());
  const int64_t classes = 10;
  const auto rows = static_cast<int64_t>(labels.size());
  if (reference->dtype() != int8rt::DataType::kFloat || reference->count() != rows * classes) {
    std::fprintf(stderr, "FAIL: %s holds %s %s, expected float32 [%lld,%lld]\n", argv[3],
                 std::string(int8rt::to_string(reference->dtype())).c_str(),
                 reference->dims().to_string().c_str(), static_cast<long long>(rows),
                 static_cast<long long>(classes));
    return 1;
  }
  const float* expected = reference->data_as<float>();
  double max_diff = 0.0;
  int64_t correct = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = logits.data() + r * classes;
    for (int64_t c = 0; c < classes; ++c)
      max_diff = std::max(max_diff, std::fabs(double(row[c]) - double(expected[r * classes + c])));
    int64_t best = 0;
    for (int64_t c = 1; c < classes; ++c)
      if (row[c] > row[best]) best = c;
    correct += best == labels[static_cast<size_t>(r)];
  }
  std::printf("rows %lld, max |logit - PyTorch| %.3g, top-1 %lld/%lld\n",
              static_cast<long long>(rows), max_diff, static_cast<long long>(correct),
              static_cast<long long>(rows));
  if (rows != 2000 || max_diff > 1e-4) {
    std::fprintf(stderr, "FAIL: expected 2000 rows within 1e-4 of the reference logits\n");
    return 1;
  }

  if (auto status = (*engine)->save(argv[4]); !status.is_ok()) return fail(status);
  auto loaded = int8rt::Engine::load(argv[4], logger);
  if (!loaded.is_ok()) return fail(loaded.status());
  std::vector<float> again;
  std::vector<int64_t> labels_again;
  if (auto status = run_all(**loaded, argv[2], again, labels_again); !status.is_ok())
    return fail(status);
  if (again.size() != logits.size() ||
      std::memcmp(again.data(), logits.data(), logits.size() * sizeof(float)) != 0) {
    std::fprintf(stderr, "FAIL: the plan loaded from %s gives other logits\n", argv[4]);
    return 1;
  }
  std::printf("plan %s: same logits after save and load\n", argv[4]);
  return 0;
}
