// Small networks and data sources for the evaluate_top1 and compare_engines tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "int8rt/builder.h"
#include "int8rt/data.h"
#include "int8rt/engine.h"
#include "int8rt/network.h"
#include "int8rt/onnx_parser.h"
#include "testing/testing.h"

namespace int8rt::analysis_testing {

// `count` samples of `width` values uniform in [-1, 1) (seeded), labels (label(i) when given).
struct Samples {
  int64_t count = 0;
  int64_t width = 0;
  std::vector<float> values;
  std::vector<int64_t> labels;

  Samples(int64_t n, int64_t w, uint32_t seed, int64_t classes) : count(n), width(w) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    values.resize(static_cast<size_t>(n * w));
    for (float& v : values)
      v = dist(rng);
    std::uniform_int_distribution<int64_t> label(0, classes - 1);
    for (int64_t i = 0; i < n; ++i)
      labels.push_back(label(rng));
  }
  const float* sample(int64_t i) const { return values.data() + i * width; }

  std::unique_ptr<CallbackSource> source(bool labelled = true) const {
    auto read = [this](int64_t i, std::span<float> out) {
      std::copy(sample(i), sample(i) + width, out.begin());
      return Status::ok();
    };
    CallbackSource::LabelFunction label;
    if (labelled) label = [this](int64_t i) { return labels[static_cast<size_t>(i)]; };
    return std::make_unique<CallbackSource>("samples", count, Dims{width}, read, label);
  }
};

inline std::unique_ptr<Engine> build(const Network& net, const std::string& input, Dims dims,
                                     std::string_view backend, bool int8) {
  static StderrLogger logger(Logger::Severity::kError);
  Builder builder(logger);
  auto config = builder.create_config();
  config->set_backend(backend);
  config->set_input_shape(input, std::move(dims));
  if (int8) config->set_flag(BuilderFlag::kInt8);
  auto engine = builder.build(net, *config);
  EXPECT_TRUE(engine.is_ok()) << engine.status().to_string();
  return engine.is_ok() ? std::move(engine).value() : nullptr;
}

inline std::unique_ptr<Network> load_model(const std::string& name) {
  auto net = std::make_unique<Network>();
  OnnxParser parser(*net);
  Status status = parser.parse_from_file(testing::source_path("models/" + name + ".onnx"));
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  return net;
}

// The outputs [count, classes] of `engine` (built for batch `batch`) over all samples, one sample
// per run at a time in rows of `batch` (the last rows zero-padded).
inline std::vector<float> run_all(const Engine& engine, const Samples& samples, int64_t batch,
                                  int64_t classes) {
  auto context = engine.create_execution_context();
  std::vector<float> result;
  for (int64_t first = 0; first < samples.count; first += batch) {
    const int64_t rows = std::min(batch, samples.count - first);
    std::vector<float> in(static_cast<size_t>(batch * samples.width), 0.0f);
    std::copy(samples.sample(first), samples.sample(first) + rows * samples.width, in.begin());
    std::vector<float> out(static_cast<size_t>(batch * classes));
    const void* inputs[] = {in.data()};
    void* outputs[] = {out.data()};
    Status status = context->execute(inputs, outputs);
    EXPECT_TRUE(status.is_ok()) << status.to_string();
    result.insert(result.end(), out.begin(), out.begin() + rows * classes);
  }
  return result;
}

// The first index of the largest of `n` values, by a plain scan.
inline int64_t first_max(const float* row, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (row[i] > row[best]) best = i;
  }
  return best;
}

}  // namespace int8rt::analysis_testing
