// repair_precision on a classifier whose answer is known: an MLP x -> fc1+relu -> fc2+relu -> fc3
// with ranges set by hand from a naive float forward pass, and the labels its float argmax. Giving
// the input of fc2 (or fc3) a range ten thousand times too large quantizes it to 0, so only that
// layer running FP32 repairs the engine: it must be ranked first and chosen alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "analysis/repair_measure.h"
#include "int8rt/repair.h"

namespace int8rt {
namespace {

constexpr int64_t kIn = 8, kHidden = 32, kClasses = 4, kSamples = 512, kBatch = 32;

struct Mlp {
  std::vector<float> w1, b1, w2, b2, w3, b3;  // w: [out, in] (Gemm with trans_b)
};

Mlp random_mlp(uint32_t seed) {
  std::mt19937 rng(seed);
  auto normal = [&](int64_t count, float stddev) {
    std::normal_distribution<float> dist(0.0f, stddev);
    std::vector<float> values(static_cast<size_t>(count));
    for (float& v : values)
      v = dist(rng);
    return values;
  };
  Mlp m;
  m.w1 = normal(kHidden * kIn, 1.0f / std::sqrt(float(kIn)));
  m.b1 = normal(kHidden, 0.1f);
  m.w2 = normal(kHidden * kHidden, 1.0f / std::sqrt(float(kHidden)));
  m.b2 = normal(kHidden, 0.1f);
  m.w3 = normal(kClasses * kHidden, 1.0f / std::sqrt(float(kHidden)));
  m.b3 = normal(kClasses, 0.1f);
  return m;
}

// y[o] = b[o] + Σ_i w[o, i] x[i], then max(y, 0) when `relu`.
std::vector<float> dense(const std::vector<float>& x, const std::vector<float>& w,
                         const std::vector<float>& b, bool relu) {
  const size_t out = b.size(), in = x.size();
  std::vector<float> y(out);
  for (size_t o = 0; o < out; ++o) {
    double acc = b[o];
    for (size_t i = 0; i < in; ++i)
      acc += static_cast<double>(w[o * in + i]) * x[i];
    y[o] = relu ? std::max(0.0f, static_cast<float>(acc)) : static_cast<float>(acc);
  }
  return y;
}

struct Case {
  Mlp mlp;
  Dataset data;
  // max |value| over the samples of each activation: x, fc1 (after relu), fc2 (after relu), fc3.
  float amax[4] = {0, 0, 0, 0};
};

// Samples, labels (the float argmax) and ranges from a naive forward pass.
Case make_case(uint32_t seed) {
  Case c;
  c.mlp = random_mlp(seed);
  std::mt19937 rng(seed + 1);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  c.data.sample_dims = Dims{kIn};
  c.data.name = "mlp-samples";
  for (int64_t n = 0; n < kSamples; ++n) {
    std::vector<float> x(kIn);
    for (float& v : x)
      v = dist(rng);
    const auto h1 = dense(x, c.mlp.w1, c.mlp.b1, true);
    const auto h2 = dense(h1, c.mlp.w2, c.mlp.b2, true);
    const auto y = dense(h2, c.mlp.w3, c.mlp.b3, false);
    const std::vector<float>* acts[] = {&x, &h1, &h2, &y};
    for (int a = 0; a < 4; ++a) {
      for (float v : *acts[a])
        c.amax[a] = std::max(c.amax[a], std::fabs(v));
    }
    c.data.data.insert(c.data.data.end(), x.begin(), x.end());
    c.data.labels.push_back(std::max_element(y.begin(), y.end()) - y.begin());
  }
  return c;
}

// The MLP as a network; `scale[a]` multiplies the range of activation a (1: the true one).
std::unique_ptr<Network> make_network(const Case& c, const float (&scale)[4]) {
  auto net = std::make_unique<Network>();
  auto constant = [&](const std::string& name, Dims dims, const std::vector<float>& v) {
    return net->add_constant(name, Weights::from_vector(DataType::kFloat, dims, v)).value();
  };
  Tensor* x = net->add_input("x", DataType::kFloat, Dims{Dims::kDynamic, kIn}).value();
  GemmAttrs gemm;
  gemm.trans_b = true;
  auto fc = [&](const std::string& name, Tensor* in, const std::vector<float>& w,
                const std::vector<float>& b, int64_t out, int64_t inner) {
    Tensor* wt = constant(name + ".w", Dims{out, inner}, w);
    Tensor* bt = constant(name + ".b", Dims{out}, b);
    return net->add_layer(OpType::kGemm, name, {in, wt, bt}, gemm, {name + "_out"})
        .value()
        ->output(0);
  };
  auto relu = [&](const std::string& name, Tensor* in) {
    return net->add_layer(OpType::kRelu, name, {in}, NoAttrs{}, {name + "_out"}).value()->output(0);
  };
  Tensor* g1 = fc("fc1", x, c.mlp.w1, c.mlp.b1, kHidden, kIn);
  Tensor* h1 = relu("relu1", g1);
  Tensor* g2 = fc("fc2", h1, c.mlp.w2, c.mlp.b2, kHidden, kHidden);
  Tensor* h2 = relu("relu2", g2);
  Tensor* y = fc("fc3", h2, c.mlp.w3, c.mlp.b3, kClasses, kHidden);
  EXPECT_TRUE(net->mark_output(y).is_ok());
  // The Gemm outputs before the Relu get the Relu output's range (fusion removes them anyway).
  const std::pair<Tensor*, int> ranges[] = {{x, 0}, {g1, 1}, {h1, 1}, {g2, 2}, {h2, 2}, {y, 3}};
  for (auto [t, a] : ranges) {
    const float amax = c.amax[a] * scale[a];
    EXPECT_TRUE(t->set_dynamic_range(-amax, amax).is_ok());
  }
  return net;
}

class RepairTest : public ::testing::Test {
 protected:
  Result<RepairResult> repair(const Network& net, const RepairOptions& options) {
    Builder builder(logger_);
    auto config = builder.create_config();
    config->set_backend("reference");
    config->set_flag(BuilderFlag::kInt8);
    config->set_input_shape("x", Dims{kBatch, kIn});
    DatasetSource source(case_.data);
    return repair_precision(builder, net, *config, source, options);
  }

  static RepairOptions options(double max_drop) {
    RepairOptions o;
    o.max_drop = max_drop;
    o.batch_size = kBatch;
    o.sensitivity_samples = 256;
    o.latency_iterations = 3;
    o.measure = SensitivityMeasure::kAccuracy;
    o.isolation = Isolation::kLayerFp32;
    return o;
  }

  static bool has_member(const LayerSensitivity& layer, const std::string& name) {
    return std::find(layer.members.begin(), layer.members.end(), name) != layer.members.end();
  }

  static std::string describe(const RepairResult& r) {
    std::string text = "seed=" + std::to_string(kSeed) + " fp32 " +
                       std::to_string(r.fp32_accuracy.value()) + " int8 " +
                       std::to_string(r.int8_accuracy.value()) + " repaired " +
                       std::to_string(r.repaired_accuracy.value()) + "\nranking:";
    for (const LayerSensitivity& s : r.sensitivities)
      text += " " + s.layer + "(" + std::to_string(s.sensitivity) + ")";
    text += "\nchosen:";
    for (const std::string& layer : r.chosen)
      text += " " + layer;
    return text + "\n" + r.message;
  }

  static constexpr uint32_t kSeed = 7;
  StderrLogger logger_{Logger::Severity::kError};
  Case case_ = make_case(kSeed);
};

TEST_F(RepairTest, TrueRangesNeedNoRepair) {
  auto net = make_network(case_, {1, 1, 1, 1});
  auto result = repair(*net, options(0.05));
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  const RepairResult& r = *result;
  // Labels are the float argmax: the FP32 engine gets (nearly) every sample right.
  EXPECT_GE(r.fp32_accuracy.correct, kSamples - 2) << describe(r);
  EXPECT_EQ(r.fp32_accuracy.total, kSamples);
  EXPECT_TRUE(r.target_met) << describe(r);
  EXPECT_TRUE(r.chosen.empty()) << describe(r);
  EXPECT_TRUE(r.precisions.empty());
  EXPECT_TRUE(r.sensitivities.empty()) << "no ranking is needed when INT8 meets the target";
  EXPECT_EQ(r.builds, 2) << "FP32 and INT8 only";
  EXPECT_EQ(r.repaired_accuracy.correct, r.int8_accuracy.correct);
  EXPECT_GT(r.int8_layers, 0);
}

TEST_F(RepairTest, BrokenRangeChoosesItsReaderFirst) {
  auto net = make_network(case_, {1, 1e4f, 1, 1});  // fc2's input quantizes to 0
  auto result = repair(*net, options(0.03));
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  const RepairResult& r = *result;
  EXPECT_LT(r.int8_accuracy.value(), r.fp32_accuracy.value() - 0.2) << describe(r);
  ASSERT_FALSE(r.sensitivities.empty()) << describe(r);
  EXPECT_TRUE(has_member(r.sensitivities[0], "fc2")) << describe(r);
  EXPECT_GT(r.sensitivities[0].sensitivity, 0.2) << describe(r);
  ASSERT_EQ(r.chosen.size(), 1u) << describe(r);
  EXPECT_EQ(r.chosen[0], r.sensitivities[0].layer);
  EXPECT_TRUE(r.target_met) << describe(r);
  EXPECT_GE(r.repaired_accuracy.value(), r.fp32_accuracy.value() - 0.03) << describe(r);
  EXPECT_TRUE(r.message.empty());
  ASSERT_EQ(r.steps.size(), 1u);
  EXPECT_EQ(r.steps[0].accuracy.correct, r.repaired_accuracy.correct);
  // The file names fc2 (and what was fused with it) as fp32, nothing else.
  bool names_fc2 = false;
  for (const auto& [name, precision] : r.precisions) {
    EXPECT_EQ(precision, DataType::kFloat) << name;
    EXPECT_TRUE(has_member(r.sensitivities[0], name)) << name << "\n" << describe(r);
    names_fc2 = names_fc2 || name == "fc2";
  }
  EXPECT_TRUE(names_fc2) << describe(r);
  EXPECT_EQ(r.int8_layers, 3) << "fc1+relu1, fc2+relu2, fc3";
  EXPECT_EQ(r.repaired_int8_layers, 2) << describe(r);
  // One build per INT8 layer to rank, FP32 and INT8 references, one per greedy step.
  EXPECT_EQ(r.builds, 2 + static_cast<int>(r.sensitivities.size()) + 1);

  // The file, read back and applied to the broken network, gives the repaired engine's accuracy.
  const std::string text = format_layer_precisions(r.precisions, "repair test\nsecond line");
  EXPECT_EQ(text.rfind("# repair test\n# second line\n", 0), 0u) << text;
  auto parsed = parse_layer_precisions(text, "repair_test");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(*parsed, r.precisions);
  ASSERT_TRUE(set_layer_precisions(*net, *parsed).is_ok());
  Builder builder(logger_);
  auto config = builder.create_config();
  config->set_backend("reference");
  config->set_flag(BuilderFlag::kInt8);
  config->set_input_shape("x", Dims{kBatch, kIn});
  auto engine = builder.build(*net, *config);
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  DatasetSource source(case_.data);
  auto accuracy = evaluate_top1(**engine, source, {.batch_size = kBatch});
  ASSERT_TRUE(accuracy.is_ok()) << accuracy.status().to_string();
  EXPECT_EQ(accuracy->correct, r.repaired_accuracy.correct) << describe(r);
}

TEST_F(RepairTest, OutputErrorMeasureRanksTheSameLayerFirst) {
  auto net = make_network(case_, {1, 1, 1e4f, 1});  // fc3's input quantizes to 0
  RepairOptions o = options(0.03);
  o.measure = SensitivityMeasure::kOutputError;
  auto result = repair(*net, o);
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  const RepairResult& r = *result;
  ASSERT_FALSE(r.sensitivities.empty()) << describe(r);
  EXPECT_TRUE(has_member(r.sensitivities[0], "fc3")) << describe(r);
  // The all-INT8 output is the bias alone; fc3 in FP32 leaves only small errors.
  EXPECT_LT(r.sensitivities[0].output_error, 0.2) << describe(r);
  for (size_t i = 1; i < r.sensitivities.size(); ++i) {
    EXPECT_GT(r.sensitivities[i].output_error, 0.5) << describe(r);
  }
  ASSERT_EQ(r.chosen.size(), 1u) << describe(r);
  EXPECT_TRUE(r.target_met) << describe(r);
}

TEST_F(RepairTest, UnreachableTargetReportsTheBestFound) {
  auto net = make_network(case_, {1, 1e4f, 1e4f, 1});  // both fc2 and fc3 must run FP32
  RepairOptions o = options(0.03);
  o.max_layers = 1;
  auto result = repair(*net, o);
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  const RepairResult& r = *result;
  EXPECT_FALSE(r.target_met) << describe(r);
  EXPECT_NE(r.message.find("not reached with up to 1 FP32 layer"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("the best found is"), std::string::npos) << r.message;
  EXPECT_EQ(r.steps.size(), 1u);
  // No single layer helps (each leaves the other range broken): the best is no change.
  EXPECT_TRUE(r.chosen.empty()) << describe(r);
  EXPECT_TRUE(r.precisions.empty());
  EXPECT_EQ(r.repaired_accuracy.correct, r.int8_accuracy.correct);
}

TEST_F(RepairTest, LayersThatOnlyHelpTogetherNeedTheInt8Isolation) {
  auto net = make_network(case_, {1, 1e4f, 1e4f, 1});  // both fc2 and fc3 must run FP32
  RepairOptions o = options(0.03);
  o.max_layers = 2;
  // Each alone in FP32 leaves the other broken: no layer gains anything, the ranking is flat.
  auto flat = repair(*net, o);
  ASSERT_TRUE(flat.is_ok()) << flat.status().to_string();
  for (const LayerSensitivity& s : flat->sensitivities)
    EXPECT_NEAR(s.sensitivity, 0.0, 1e-9) << describe(*flat);

  // Each alone in INT8 (the rest FP32) breaks the network: fc2 and fc3 rank first, and the two of
  // them in FP32 meet the target.
  o.isolation = Isolation::kLayerInt8;
  auto two = repair(*net, o);
  ASSERT_TRUE(two.is_ok()) << two.status().to_string();
  ASSERT_GE(two->sensitivities.size(), 3u) << describe(*two);
  bool fc2 = false, fc3 = false;
  for (size_t i = 0; i < 2; ++i) {
    fc2 = fc2 || has_member(two->sensitivities[i], "fc2");
    fc3 = fc3 || has_member(two->sensitivities[i], "fc3");
    EXPECT_GT(two->sensitivities[i].sensitivity, 0.2) << describe(*two);
  }
  EXPECT_TRUE(fc2 && fc3) << describe(*two);
  EXPECT_TRUE(has_member(two->sensitivities[2], "fc1")) << describe(*two);
  EXPECT_LT(two->sensitivities[2].sensitivity, 0.03) << describe(*two);
  EXPECT_TRUE(two->target_met) << describe(*two);
  EXPECT_EQ(two->chosen.size(), 2u) << describe(*two);
  EXPECT_EQ(two->steps.size(), 2u) << describe(*two);
  // Neither can go: one pruning try (without the first), which fails.
  EXPECT_TRUE(two->pruned.empty()) << describe(*two);
  EXPECT_EQ(two->builds, 2 + static_cast<int>(two->sensitivities.size()) + 2 + 1);
}

TEST_F(RepairTest, InjectedEvaluationIsUsedForTheTarget) {
  auto net = make_network(case_, {1, 1, 1, 1});
  RepairOptions o = options(-1);
  o.target_accuracy = 0.5;
  int calls = 0;
  o.evaluate = [&](const Engine&, DataSource& data, int64_t batch) -> Result<Accuracy> {
    ++calls;
    EXPECT_EQ(batch, kBatch);
    return Accuracy{data.size() / 2, data.size()};
  };
  auto result = repair(*net, o);
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(result->int8_accuracy.correct, kSamples / 2);
  EXPECT_TRUE(result->target_met);
}

TEST_F(RepairTest, LayersTheTargetIsMetWithoutArePruned) {
  // fc2's input is broken, so the ranking puts fc2 first; the (injected) metric, though, is met
  // exactly when fc3 runs FP32. The greedy steps go down the ranking until fc3 is in; pruning
  // then drops every other layer.
  auto net = make_network(case_, {1, 1e4f, 1, 1});
  RepairOptions o = options(-1);
  o.target_accuracy = 0.9;
  o.evaluate = [](const Engine& engine, DataSource& data, int64_t) -> Result<Accuracy> {
    for (const LayerInfo& layer : engine.layers()) {
      if (layer.name == "fc3" && layer.precision == DataType::kFloat) {
        return Accuracy{data.size(), data.size()};
      }
    }
    return Accuracy{0, data.size()};
  };
  auto result = repair(*net, o);
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  const RepairResult& r = *result;
  ASSERT_TRUE(r.target_met) << describe(r);
  ASSERT_FALSE(r.sensitivities.empty());
  EXPECT_TRUE(has_member(r.sensitivities[0], "fc2")) << describe(r);
  ASSERT_GE(r.steps.size(), 2u) << describe(r);
  ASSERT_EQ(r.chosen, std::vector<std::string>{"fc3"}) << describe(r);
  EXPECT_EQ(r.precisions, (std::vector<LayerPrecision>{{"fc3", DataType::kFloat}}));
  EXPECT_EQ(r.pruned.size(), r.steps.size() - 1) << describe(r);
  EXPECT_NE(std::find(r.pruned.begin(), r.pruned.end(), r.sensitivities[0].layer), r.pruned.end())
      << describe(r);
  EXPECT_EQ(r.repaired_accuracy.correct, kSamples);

  o.prune = false;
  auto unpruned = repair(*net, o);
  ASSERT_TRUE(unpruned.is_ok()) << unpruned.status().to_string();
  EXPECT_EQ(unpruned->chosen.size(), unpruned->steps.size()) << describe(*unpruned);
  EXPECT_TRUE(unpruned->pruned.empty());
}

TEST(RepairMeasure, RelativeL2ByHand) {
  // e = (0, 1, -2), ref = (1, 1, 2): sqrt((0 + 1 + 4) / (1 + 1 + 4)).
  EXPECT_DOUBLE_EQ(analysis::relative_l2({1, 2, 0}, {1, 1, 2}), std::sqrt(5.0 / 6.0));
  EXPECT_EQ(analysis::relative_l2({0, 0}, {0, 0}), 0.0);
  EXPECT_EQ(analysis::relative_l2({3, 4}, {3, 4}), 0.0);
  EXPECT_TRUE(std::isinf(analysis::relative_l2({1, 0}, {0, 0})));
}

TEST(RepairMeasure, LoadSamplesCopiesTheFirstNWithLabels) {
  Dataset d;
  d.sample_dims = Dims{2};
  d.data = {0, 1, 2, 3, 4, 5};
  d.labels = {7, 8, 9};
  d.name = "three";
  DatasetSource source(d);
  auto two = analysis::load_samples(source, 2);
  ASSERT_TRUE(two.is_ok()) << two.status().to_string();
  EXPECT_EQ((*two)->dataset().data, (std::vector<float>{0, 1, 2, 3}));
  EXPECT_EQ((*two)->dataset().labels, (std::vector<int64_t>{7, 8}));
  auto all = analysis::load_samples(source, -1);
  ASSERT_TRUE(all.is_ok());
  EXPECT_EQ((*all)->size(), 3);
  auto more = analysis::load_samples(source, 10);
  ASSERT_TRUE(more.is_ok());
  EXPECT_EQ((*more)->size(), 3);
}

TEST_F(RepairTest, ErrorsNameWhatIsWrong) {
  auto net = make_network(case_, {1, 1, 1, 1});
  RepairOptions both = options(0.01);
  both.target_accuracy = 0.9;
  auto r1 = repair(*net, both);
  ASSERT_FALSE(r1.is_ok());
  EXPECT_NE(r1.status().to_string().find("one target"), std::string::npos)
      << r1.status().to_string();

  RepairOptions percent = options(-1);
  percent.target_accuracy = 99;
  auto r2 = repair(*net, percent);
  ASSERT_FALSE(r2.is_ok());
  EXPECT_NE(r2.status().to_string().find("fraction"), std::string::npos) << r2.status().to_string();

  Builder builder(logger_);
  auto config = builder.create_config();  // no kInt8
  DatasetSource source(case_.data);
  auto r3 = repair_precision(builder, *net, *config, source, options(0.01));
  ASSERT_FALSE(r3.is_ok());
  EXPECT_NE(r3.status().to_string().find("kInt8"), std::string::npos) << r3.status().to_string();

  config->set_flag(BuilderFlag::kInt8);
  Dataset unlabelled = case_.data;
  unlabelled.labels.clear();
  DatasetSource no_labels(unlabelled);
  auto r4 = repair_precision(builder, *net, *config, no_labels, options(0.01));
  ASSERT_FALSE(r4.is_ok());
  EXPECT_NE(r4.status().to_string().find("no labels"), std::string::npos)
      << r4.status().to_string();
}

}  // namespace
}  // namespace int8rt
