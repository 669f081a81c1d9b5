// compare_engines on x [N,4] -> Gemm "fc1" (W = identity) -> y -> Gemm "fc2" (W [4,3] random,
// bias 3) -> logits, whose INT8 error on y the test computes itself. x's range is ±1 (scale
// s_x = 1/127), y's is ±a (s_y = a/127). The identity quantizes exactly (per-channel weight scale
// 1/127, q_w = 127), so the INT8 fc1 computes q_x = clamp(rne(x / s_x), ±127), then requantizes:
// y = clamp(rne(q_x · s_x / s_y), ±127) · s_y, while the FP32 y is x itself. With a = 0.25, y clips
// at ±0.25: the deliberately bad range.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "int8rt/analysis.h"
#include "unit/analysis/analysis_testing.h"

namespace int8rt {
namespace {

using analysis_testing::Samples;

constexpr int64_t kWidth = 4, kClasses = 3;

std::unique_ptr<Network> tiny_network(float y_amax, uint32_t seed) {
  auto net = std::make_unique<Network>();
  Tensor* x = net->add_input("x", DataType::kFloat, Dims{Dims::kDynamic, kWidth}).value();
  std::vector<float> identity(kWidth * kWidth, 0.0f);
  for (int64_t i = 0; i < kWidth; ++i)
    identity[static_cast<size_t>(i * kWidth + i)] = 1.0f;
  Tensor* eye =
      net->add_constant("I", Weights::from_vector(DataType::kFloat, Dims{kWidth, kWidth}, identity))
          .value();
  Layer* fc1 = net->add_layer(OpType::kGemm, "fc1", {x, eye}, GemmAttrs{}, {"y"}).value();
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-0.5f, 0.5f);
  std::vector<float> w(kWidth * kClasses), b(kClasses, 3.0f);
  for (float& v : w)
    v = dist(rng);
  Tensor* wt =
      net->add_constant("W", Weights::from_vector(DataType::kFloat, Dims{kWidth, kClasses}, w))
          .value();
  Tensor* bt =
      net->add_constant("b", Weights::from_vector(DataType::kFloat, Dims{kClasses}, b)).value();
  Layer* fc2 =
      net->add_layer(OpType::kGemm, "fc2", {fc1->output(0), wt, bt}, GemmAttrs{}, {"logits"})
          .value();
  EXPECT_TRUE(net->mark_output(fc2->output(0)).is_ok());
  EXPECT_TRUE(x->set_dynamic_range(-1.0f, 1.0f).is_ok());
  EXPECT_TRUE(fc1->output(0)->set_dynamic_range(-y_amax, y_amax).is_ok());
  EXPECT_TRUE(fc2->output(0)->set_dynamic_range(-8.0f, 8.0f).is_ok());
  return net;
}

struct Expected {
  double sqnr_db, cosine, max_abs, relative_l2;
};

// The statistics of y over all samples, from the formula in the file comment.
Expected expected_y(const Samples& samples, float y_amax) {
  const double s_x = 1.0 / 127.0, s_y = static_cast<double>(y_amax) / 127.0;
  double ref2 = 0, int2 = 0, dot = 0, err2 = 0, max_abs = 0;
  for (float x : samples.values) {
    const double r = x;
    const double q_x = std::clamp(std::nearbyint(r / s_x), -127.0, 127.0);
    const double q = std::clamp(std::nearbyint(q_x * s_x / s_y), -127.0, 127.0) * s_y;
    ref2 += r * r;
    int2 += q * q;
    dot += r * q;
    err2 += (q - r) * (q - r);
    max_abs = std::max(max_abs, std::abs(q - r));
  }
  return {10 * std::log10(ref2 / err2), dot / std::sqrt(ref2 * int2), max_abs,
          std::sqrt(err2 / ref2)};
}

const TensorComparison* find(const Comparison& c, const std::string& name) {
  for (const TensorComparison& t : c.tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

TEST(CompareEngines, TensorStatisticsMatchAHandComputation) {
  const Samples samples(50, kWidth, /*seed=*/7, kClasses);
  for (std::string_view backend : {"cpu", "reference"}) {
    for (float y_amax : {0.25f, 1.0f}) {
      const std::string config =
          "x[N,4] -> fc1 -> y -> fc2, 50 samples (seed 7) in batches of "
          "8, y range " +
          std::to_string(y_amax) + ", backend " + std::string(backend);
      auto net = tiny_network(y_amax, 11);
      auto fp32 = analysis_testing::build(*net, "x", Dims{8, kWidth}, backend, false);
      auto int8 = analysis_testing::build(*net, "x", Dims{8, kWidth}, backend, true);
      ASSERT_TRUE(fp32 && int8) << config;
      auto source = samples.source();
      CompareOptions options;
      options.batch_size = 100;  // cut to the built 8: 6 full batches and one of 2
      auto result = compare_engines(*fp32, *int8, *source, options);
      ASSERT_TRUE(result.is_ok()) << config << ": " << result.status().to_string();
      EXPECT_EQ(result->samples, 50) << config;

      const TensorComparison* y = find(*result, "y");
      ASSERT_NE(y, nullptr) << config;
      const Expected e = expected_y(samples, y_amax);
      EXPECT_EQ(y->count, 50 * kWidth) << config;
      EXPECT_EQ(y->dims, (Dims{1, kWidth})) << config;
      EXPECT_EQ(y->precision, DataType::kInt8) << config;
      EXPECT_NEAR(y->sqnr_db, e.sqnr_db, 1e-4 * std::abs(e.sqnr_db)) << config;
      EXPECT_NEAR(y->cosine, e.cosine, 1e-9) << config;
      EXPECT_NEAR(y->max_abs_error, e.max_abs, 1e-6) << config;
      EXPECT_NEAR(y->relative_l2, e.relative_l2, 1e-5 * e.relative_l2) << config;

      const TensorComparison* logits = find(*result, "logits");
      ASSERT_NE(logits, nullptr) << config;
      EXPECT_EQ(logits->count, 50 * kClasses) << config;
      EXPECT_TRUE(std::isfinite(logits->sqnr_db)) << config;
      for (size_t i = 1; i < result->tensors.size(); ++i) {
        EXPECT_LE(result->tensors[i - 1].sqnr_db, result->tensors[i].sqnr_db) << config;
      }
      if (y_amax < 1.0f) {
        // Clipping at ±0.25: y is the worst tensor, by far.
        EXPECT_EQ(result->tensors.front().name, "y") << config;
        EXPECT_LT(e.sqnr_db, 10.0) << config;
      } else {
        EXPECT_GT(e.sqnr_db, 30.0) << config;
      }

      // Top-1 agreement and accuracies from the engines' own outputs.
      const auto a = analysis_testing::run_all(*fp32, samples, 8, kClasses);
      const auto b = analysis_testing::run_all(*int8, samples, 8, kClasses);
      int64_t agree = 0, fp32_correct = 0, int8_correct = 0;
      for (int64_t i = 0; i < 50; ++i) {
        const int64_t pa = analysis_testing::first_max(a.data() + i * kClasses, kClasses);
        const int64_t pb = analysis_testing::first_max(b.data() + i * kClasses, kClasses);
        agree += pa == pb;
        fp32_correct += pa == samples.labels[static_cast<size_t>(i)];
        int8_correct += pb == samples.labels[static_cast<size_t>(i)];
      }
      EXPECT_EQ(result->top1_agreement, agree) << config;
      EXPECT_TRUE(result->labelled) << config;
      EXPECT_EQ(result->fp32_accuracy.correct, fp32_correct) << config;
      EXPECT_EQ(result->int8_accuracy.correct, int8_correct) << config;
      EXPECT_EQ(result->fp32_accuracy.total, 50) << config;
      EXPECT_EQ(result->int8_accuracy.total, 50) << config;
    }
  }
}

// A NaN in the input: FP32 carries it into every value of that sample's y (NaN · 0 is NaN in the
// identity Gemm) and logits; INT8 quantizes it to 0 and stays finite. The non-finite pairs are
// counted and left out of the sums, which then equal the hand computation over the other samples
// (zeros in that sample's place add nothing).
TEST(CompareEngines, NonFiniteValuesAreCountedApart) {
  Samples samples(20, kWidth, /*seed=*/9, kClasses);
  samples.values[5] = std::numeric_limits<float>::quiet_NaN();  // sample 1, x[1]
  auto net = tiny_network(1.0f, 11);
  auto fp32 = analysis_testing::build(*net, "x", Dims{4, kWidth}, "cpu", false);
  auto int8 = analysis_testing::build(*net, "x", Dims{4, kWidth}, "cpu", true);
  ASSERT_TRUE(fp32 && int8);
  auto source = samples.source();
  auto result = compare_engines(*fp32, *int8, *source);
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();

  const TensorComparison* y = find(*result, "y");
  const TensorComparison* logits = find(*result, "logits");
  ASSERT_TRUE(y && logits);
  EXPECT_EQ(y->nonfinite, kWidth);
  EXPECT_EQ(logits->nonfinite, kClasses);
  EXPECT_EQ(y->count, 20 * kWidth);
  Samples finite = samples;
  std::fill_n(finite.values.begin() + kWidth, kWidth, 0.0f);
  const Expected e = expected_y(finite, 1.0f);
  EXPECT_NEAR(y->sqnr_db, e.sqnr_db, 1e-4 * std::abs(e.sqnr_db));
  EXPECT_NEAR(y->cosine, e.cosine, 1e-9);
  EXPECT_NEAR(y->max_abs_error, e.max_abs, 1e-6);
  EXPECT_TRUE(std::isfinite(logits->sqnr_db)) << logits->sqnr_db;
}

// x [N,4] -> Reshape [-1] -> flat [N·4] -> Reshape [-1, 4] -> Gemm -> logits: "flat" has no
// batch axis. 10 samples in batches of 4: the last batch of 2 runs at batch 2, so every tensor
// counts exactly the values of the 10 samples (a zero-padded run would add 2 rows to "flat").
TEST(CompareEngines, ShortLastBatchCountsOnlyItsSamples) {
  auto net = std::make_unique<Network>();
  Tensor* x = net->add_input("x", DataType::kFloat, Dims{Dims::kDynamic, kWidth}).value();
  auto shape = [&](const char* name, std::vector<int64_t> extents) {
    const auto rank = static_cast<int64_t>(extents.size());
    return net->add_constant(name, Weights::from_vector(DataType::kInt64, Dims{rank}, extents))
        .value();
  };
  Tensor* flat =
      net->add_layer(OpType::kReshape, "flatten", {x, shape("s1", {-1})}, ReshapeAttrs{}, {"flat"})
          .value()
          ->output(0);
  Tensor* rows = net->add_layer(OpType::kReshape, "unflatten", {flat, shape("s2", {-1, kWidth})},
                                ReshapeAttrs{}, {"rows"})
                     .value()
                     ->output(0);
  std::vector<float> w(kWidth * kClasses, 0.25f);
  Tensor* wt =
      net->add_constant("W", Weights::from_vector(DataType::kFloat, Dims{kWidth, kClasses}, w))
          .value();
  Layer* fc = net->add_layer(OpType::kGemm, "fc", {rows, wt}, GemmAttrs{}, {"logits"}).value();
  ASSERT_TRUE(net->mark_output(fc->output(0)).is_ok());

  const Samples samples(10, kWidth, /*seed=*/4, kClasses);
  auto engine = analysis_testing::build(*net, "x", Dims{4, kWidth}, "cpu", false);
  ASSERT_NE(engine, nullptr);
  auto source = samples.source();
  auto result = compare_engines(*engine, *engine, *source);
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  EXPECT_EQ(result->samples, 10);
  const TensorComparison* flat_stats = find(*result, "flat");
  ASSERT_NE(flat_stats, nullptr);
  EXPECT_EQ(flat_stats->count, 10 * kWidth);
  const TensorComparison* logits = find(*result, "logits");
  ASSERT_NE(logits, nullptr);
  EXPECT_EQ(logits->count, 10 * kClasses);
}

TEST(CompareEngines, IdenticalEnginesHaveNoError) {
  const Samples samples(20, kWidth, 5, kClasses);
  auto net = tiny_network(1.0f, 3);
  auto fp32 = analysis_testing::build(*net, "x", Dims{4, kWidth}, "cpu", false);
  ASSERT_NE(fp32, nullptr);
  auto source = samples.source(/*labelled=*/false);
  auto result = compare_engines(*fp32, *fp32, *source);
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  EXPECT_EQ(result->samples, 20);
  EXPECT_EQ(result->top1_agreement, 20);
  EXPECT_FALSE(result->labelled);
  EXPECT_EQ(result->fp32_accuracy.total, 0);
  ASSERT_EQ(result->tensors.size(), 2u);
  for (const TensorComparison& t : result->tensors) {
    EXPECT_EQ(t.sqnr_db, std::numeric_limits<double>::infinity()) << t.name;
    EXPECT_DOUBLE_EQ(t.cosine, 1.0) << t.name;
    EXPECT_EQ(t.max_abs_error, 0.0) << t.name;
    EXPECT_EQ(t.relative_l2, 0.0) << t.name;
    EXPECT_EQ(t.precision, DataType::kFloat) << t.name;
  }
  // Ties in SQNR are ordered by name.
  EXPECT_EQ(result->tensors[0].name, "logits");
  EXPECT_EQ(result->tensors[1].name, "y");
}

// The bundled ResNet with every range ±6: the INT8 engine's fused layers keep their last output's
// name, and the tensors compared are those both engines compute.
TEST(CompareEngines, FusedInt8EngineComparesTheSharedTensors) {
  std::mt19937 rng(23);
  std::uniform_real_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> images(12 * 28 * 28);
  for (float& v : images)
    v = dist(rng);
  CallbackSource source("random-images", 12, Dims{1, 28, 28}, [&](int64_t i, std::span<float> out) {
    std::copy_n(images.begin() + i * 784, 784, out.begin());
    return Status::ok();
  });
  auto net = analysis_testing::load_model("resnet_fmnist");
  for (int i = 0; i < net->num_tensors(); ++i) {
    Tensor* t = net->tensor(i);
    if (!t->is_constant()) {
      ASSERT_TRUE(t->set_dynamic_range(-6.0f, 6.0f).is_ok()) << t->name();
    }
  }
  auto fp32 = analysis_testing::build(*net, "input", Dims{5, 1, 28, 28}, "cpu", false);
  auto int8 = analysis_testing::build(*net, "input", Dims{5, 1, 28, 28}, "cpu", true);
  ASSERT_TRUE(fp32 && int8);
  CompareOptions options;
  options.batch_size = 5;
  auto result = compare_engines(*fp32, *int8, source, options);
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  EXPECT_EQ(result->samples, 12);
  EXPECT_FALSE(result->labelled);
  ASSERT_GT(result->tensors.size(), 5u);
  int int8_tensors = 0;
  for (const TensorComparison& t : result->tensors) {
    EXPECT_EQ(t.count, 12 * t.dims.volume()) << t.name;
    EXPECT_EQ(t.dims[0], 1) << t.name;
    // FP32 layers ahead of the first INT8 one (the input normalization) compute what the FP32
    // engine does: +inf. INT8 ones round.
    if (t.precision == DataType::kInt8) {
      EXPECT_TRUE(std::isfinite(t.sqnr_db)) << t.name;
    } else {
      EXPECT_FALSE(std::isnan(t.sqnr_db)) << t.name;
    }
    EXPECT_GT(t.cosine, 0.5) << t.name;
    EXPECT_LE(t.cosine, 1.0 + 1e-12) << t.name;
    int8_tensors += t.precision == DataType::kInt8;
  }
  EXPECT_GT(int8_tensors, 3);
  EXPECT_NE(find(*result, fp32->output(0).name), nullptr);
}

TEST(CompareEngines, ErrorsNameWhatDiffers) {
  const Samples samples(6, kWidth, 1, kClasses);
  auto net = tiny_network(1.0f, 3);
  auto fp32 = analysis_testing::build(*net, "x", Dims{4, kWidth}, "reference", false);
  auto other_net = std::make_unique<Network>();
  Tensor* z = other_net->add_input("z", DataType::kFloat, Dims{Dims::kDynamic, kWidth}).value();
  Layer* relu = other_net->add_layer(OpType::kRelu, "r", {z}, NoAttrs{}, {"out"}).value();
  ASSERT_TRUE(other_net->mark_output(relu->output(0)).is_ok());
  auto other = analysis_testing::build(*other_net, "z", Dims{4, kWidth}, "reference", false);
  ASSERT_TRUE(fp32 && other);
  auto result = compare_engines(*fp32, *other, *samples.source());
  ASSERT_FALSE(result.is_ok());
  EXPECT_NE(result.status().message().find("inputs differ"), std::string::npos)
      << result.status().message();
  EXPECT_NE(result.status().message().find("\"z\""), std::string::npos)
      << result.status().message();
  const Samples wide(6, 7, 1, kClasses);
  auto mismatch = compare_engines(*fp32, *fp32, *wide.source());
  ASSERT_FALSE(mismatch.is_ok());
  EXPECT_NE(mismatch.status().message().find("samples are 7"), std::string::npos)
      << mismatch.status().message();
  CompareOptions none;
  none.max_samples = 0;
  auto empty = compare_engines(*fp32, *fp32, *samples.source(), none);
  ASSERT_FALSE(empty.is_ok());
  EXPECT_NE(empty.status().message().find("no samples"), std::string::npos);
}

}  // namespace
}  // namespace int8rt
