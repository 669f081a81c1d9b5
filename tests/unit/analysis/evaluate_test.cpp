// evaluate_top1 on a network whose scores the test computes itself: x [N,3] -> Relu -> scores.
#include <gtest/gtest.h>

#include "int8rt/analysis.h"
#include "unit/analysis/analysis_testing.h"

namespace int8rt {
namespace {

using analysis_testing::Samples;

std::unique_ptr<Network> relu_network() {
  auto net = std::make_unique<Network>();
  Tensor* x = net->add_input("x", DataType::kFloat, Dims{Dims::kDynamic, 3}).value();
  Layer* relu = net->add_layer(OpType::kRelu, "relu", {x}, NoAttrs{}, {"scores"}).value();
  EXPECT_TRUE(net->mark_output(relu->output(0)).is_ok());
  return net;
}

// Correct when the label is the first largest of max(x, 0) (all-negative rows predict class 0).
int64_t expected_correct(const Samples& samples, int64_t limit) {
  int64_t correct = 0;
  for (int64_t i = 0; i < limit; ++i) {
    float relu[3];
    for (int c = 0; c < 3; ++c)
      relu[c] = std::max(samples.sample(i)[c], 0.0f);
    correct += analysis_testing::first_max(relu, 3) == samples.labels[static_cast<size_t>(i)];
  }
  return correct;
}

class CountingProgress final : public ProgressMonitor {
 public:
  explicit CountingProgress(int64_t stop_after = -1) : stop_after_(stop_after) {}
  void phase_start(std::string_view phase, int64_t total) override {
    phase_ = phase;
    total_ = total;
  }
  bool step_complete(std::string_view, int64_t done, int64_t items) override {
    steps_ = done;
    items_ = items;
    return stop_after_ < 0 || done < stop_after_;
  }
  void phase_finish(std::string_view) override { finished_ = true; }
  std::string phase_;
  int64_t total_ = 0, steps_ = 0, items_ = 0;
  bool finished_ = false;

 private:
  int64_t stop_after_;
};

TEST(EvaluateTop1, CountsTheSamplesWhoseLargestScoreIsTheLabel) {
  const Samples samples(45, 3, /*seed=*/17, /*classes=*/3);
  auto net = relu_network();
  for (std::string_view backend : {"cpu", "reference"}) {
    auto engine = analysis_testing::build(*net, "x", Dims{8, 3}, backend, false);
    ASSERT_NE(engine, nullptr);
    for (int64_t limit : {-1, 20, 8, 1}) {
      const std::string config = "45 samples (seed 17), engine batch 8, backend " +
                                 std::string(backend) + ", max_samples " + std::to_string(limit);
      auto source = samples.source();
      CountingProgress progress;
      std::vector<int64_t> indices, labels, predicted;
      EvaluateOptions options;
      options.batch_size = 32;  // cut to the built 8
      options.max_samples = limit;
      options.progress = &progress;
      options.on_prediction = [&](int64_t i, int64_t label, int64_t p) {
        indices.push_back(i);
        labels.push_back(label);
        predicted.push_back(p);
      };
      auto accuracy = evaluate_top1(*engine, *source, options);
      ASSERT_TRUE(accuracy.is_ok()) << config << ": " << accuracy.status().to_string();
      const int64_t n = limit < 0 ? 45 : limit;
      EXPECT_EQ(accuracy->total, n) << config;
      EXPECT_EQ(accuracy->correct, expected_correct(samples, n)) << config;
      EXPECT_DOUBLE_EQ(accuracy->value(), static_cast<double>(accuracy->correct) / n) << config;
      ASSERT_EQ(static_cast<int64_t>(indices.size()), n) << config;
      for (int64_t i = 0; i < n; ++i) {
        EXPECT_EQ(indices[static_cast<size_t>(i)], i) << config;
        EXPECT_EQ(labels[static_cast<size_t>(i)], samples.labels[static_cast<size_t>(i)]);
      }
      EXPECT_EQ(progress.phase_, "evaluation") << config;
      EXPECT_EQ(progress.total_, (n + 7) / 8) << config;
      EXPECT_EQ(progress.steps_, (n + 7) / 8) << config;
      EXPECT_EQ(progress.items_, n) << config;
      EXPECT_TRUE(progress.finished_) << config;
    }
  }
}

TEST(EvaluateTop1, ErrorsNameTheSourceAndWhatIsWrong) {
  auto net = relu_network();
  auto engine = analysis_testing::build(*net, "x", Dims{4, 3}, "reference", false);
  ASSERT_NE(engine, nullptr);
  auto expect_error = [&](DataSource& source, const EvaluateOptions& options,
                          std::vector<std::string> parts) {
    auto result = evaluate_top1(*engine, source, options);
    ASSERT_FALSE(result.is_ok());
    for (const std::string& part : parts) {
      EXPECT_NE(result.status().message().find(part), std::string::npos)
          << "\"" << part << "\" missing from: " << result.status().message();
    }
  };
  const Samples samples(10, 3, 3, 3);
  expect_error(*samples.source(/*labelled=*/false), {}, {"\"samples\"", "no labels"});
  Samples bad = samples;
  bad.labels[6] = 3;
  expect_error(*bad.source(), {}, {"\"samples\"", "sample 6", "label 3", "3 classes"});
  const Samples wide(10, 5, 3, 3);
  expect_error(*wide.source(), {}, {"\"samples\"", "samples are 5", "input \"x\""});
  EvaluateOptions none;
  none.max_samples = 0;
  expect_error(*samples.source(), none, {"no samples"});
  EvaluateOptions zero;
  zero.batch_size = 0;
  expect_error(*samples.source(), zero, {"batch size 0"});
  CountingProgress stop(/*stop_after=*/2);
  EvaluateOptions cancelled;
  cancelled.progress = &stop;
  expect_error(*samples.source(), cancelled, {"cancelled after 2 batches"});
  EXPECT_TRUE(stop.finished_);
}

}  // namespace
}  // namespace int8rt
