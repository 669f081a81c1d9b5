#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>

#include "int8rt/builder.h"
#include "unit/passes/pass_testing.h"

namespace int8rt {
namespace {

using pass_testing::CapturingLogger;

constexpr auto kInfo = Logger::Severity::kInfo;
constexpr auto kWarning = Logger::Severity::kWarning;

// ------------------------------------------------------------------ builds with BuilderFlag::kInt8

// x [2, 6] -> Erf "erf" -> e -> Softmax "prob" -> prob (output): ops without INT8 kernels.
std::unique_ptr<Network> float_only_network() {
  auto net = std::make_unique<Network>();
  Tensor* x = net->add_input("x", DataType::kFloat, Dims{2, 6}).value();
  net->add_layer(OpType::kErf, "erf", {x}, NoAttrs{}, {"e"}).value();
  net->add_layer(OpType::kSoftmax, "prob", {net->find_tensor("e")}, SoftmaxAttrs{}, {"prob"})
      .value();
  EXPECT_TRUE(net->mark_output(net->find_tensor("prob")).is_ok());
  return net;
}

std::vector<float> run(const Engine& engine, const std::vector<float>& input) {
  auto context = engine.create_execution_context();
  std::vector<float> output(static_cast<size_t>(engine.output(0).dims.volume()));
  const void* inputs[] = {input.data()};
  void* outputs[] = {output.data()};
  Status status = context->execute(inputs, outputs);
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  return output;
}

TEST(Int8Build, LayersWithoutInt8KernelsRunFloat32AndSaySo) {
  auto net = float_only_network();
  for (const char* name : {"x", "e", "prob"})
    ASSERT_TRUE(net->find_tensor(name)->set_dynamic_range(-1.0f, 1.0f).is_ok());
  CapturingLogger logger;
  Builder builder(logger);
  BuilderConfig config;
  config.set_backend("reference");
  config.set_flag(BuilderFlag::kInt8);
  auto engine = builder.build(*net, config);
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  EXPECT_EQ(logger.find(kInfo, "Erf \"erf\": float32 (no INT8 kernel)").size(), 1u)
      << logger.dump();
  EXPECT_EQ(logger.find(kInfo, "Softmax \"prob\": float32 (no INT8 kernel)").size(), 1u)
      << logger.dump();
  EXPECT_EQ(
      logger.find(kInfo, "precision: 0 layers int8, 2 float32; reformats: 0 Quantize, 0 Dequantize")
          .size(),
      1u)
      << logger.dump();

  // The same numbers as a float32 build.
  BuilderConfig fp32;
  fp32.set_backend("reference");
  auto reference = builder.build(*net, fp32);
  ASSERT_TRUE(reference.is_ok()) << reference.status().to_string();
  std::vector<float> input(12);
  for (size_t i = 0; i < input.size(); ++i)
    input[i] = 0.3f * static_cast<float>(i) - 1.7f;
  EXPECT_EQ(run(**engine, input), run(**reference, input));
  // The caller's network is untouched: ranges and dtypes as they were.
  EXPECT_EQ(net->num_layers(), 2);
  EXPECT_EQ(net->find_tensor("e")->dtype(), DataType::kFloat);
  EXPECT_EQ(net->find_tensor("e")->dynamic_range_max(), 1.0f);
}

TEST(Int8Build, MissingRangesAreReported) {
  auto net = float_only_network();
  ASSERT_TRUE(net->find_tensor("x")->set_dynamic_range(-1.0f, 1.0f).is_ok());
  CapturingLogger logger;
  Builder builder(logger);
  BuilderConfig config;
  config.set_flag(BuilderFlag::kInt8);
  auto engine = builder.build(*net, config);
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  EXPECT_EQ(logger.find(kWarning, "tensor \"e\" has no dynamic range").size(), 1u) << logger.dump();
}

TEST(Int8Build, UnmetInt8RequestFailsTheBuildOnlyWhenConstraintsAreObeyed) {
  auto net = float_only_network();
  for (const char* name : {"x", "e", "prob"})
    ASSERT_TRUE(net->find_tensor(name)->set_dynamic_range(-1.0f, 1.0f).is_ok());
  net->find_layer("prob")->set_precision(DataType::kInt8);
  CapturingLogger logger;
  Builder builder(logger);
  BuilderConfig config;
  config.set_flag(BuilderFlag::kInt8);
  auto engine = builder.build(*net, config);
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  EXPECT_EQ(logger.find(kWarning, "Softmax \"prob\": INT8 requested").size(), 1u) << logger.dump();

  config.set_flag(BuilderFlag::kObeyPrecisionConstraints);
  auto refused = builder.build(*net, config);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("Softmax \"prob\""), std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("no INT8 kernel"), std::string::npos)
      << refused.status().message();
}

// Feeds the same batch `count` times.
class CountingCalibrator : public MinMaxCalibrator {
 public:
  explicit CountingCalibrator(int count) : count_(count) {}
  int64_t batch_size() const override { return 2; }
  Result<bool> get_batch(std::span<const std::string>, std::span<const void*> bindings) override {
    if (served >= count_) return false;
    ++served;
    bindings[0] = data_.data();
    return true;
  }
  Status write_calibration_cache(std::string_view text) override {
    cache = std::string(text);
    return Status::ok();
  }
  int served = 0;
  std::string cache;

 private:
  int count_;
  std::vector<float> data_ = std::vector<float>(12, 0.5f);
};

TEST(Int8Build, CalibratesWithTheConfigsCalibrator) {
  auto net = float_only_network();
  CapturingLogger logger;
  Builder builder(logger);
  BuilderConfig config;
  config.set_flag(BuilderFlag::kInt8);
  CountingCalibrator calibrator(3);
  config.set_int8_calibrator(&calibrator);
  auto engine = builder.build(*net, config);
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  EXPECT_EQ(calibrator.served, 3);
  EXPECT_NE(calibrator.cache.find("prob:"), std::string::npos) << calibrator.cache;
  EXPECT_TRUE(logger.find(kWarning, "has no dynamic range").empty()) << logger.dump();
  // A float32 build never calibrates.
  CountingCalibrator unused(3);
  BuilderConfig fp32;
  fp32.set_int8_calibrator(&unused);
  ASSERT_TRUE(builder.build(*net, fp32).is_ok());
  EXPECT_EQ(unused.served, 0);
}

TEST(Int8Build, FloatRequestOnAFusedAwayLayerKeepsTheFusedLayerFloat) {
  auto net = std::make_unique<Network>();
  Tensor* x = net->add_input("x", DataType::kFloat, Dims{1, 2, 3, 3}).value();
  std::vector<float> w(8, 0.25f);
  Tensor* weight =
      net->add_constant("w", Weights::from_vector(DataType::kFloat, Dims{4, 2, 1, 1}, w)).value();
  net->add_layer(OpType::kConv, "conv1", {x, weight}, ConvAttrs{}, {"c"}).value();
  net->add_layer(OpType::kRelu, "relu1", {net->find_tensor("c")}, NoAttrs{}, {"y"}).value();
  ASSERT_TRUE(net->mark_output(net->find_tensor("y")).is_ok());
  ASSERT_TRUE(set_layer_precisions(*net, {{"relu1", DataType::kFloat}}).is_ok());
  for (const char* name : {"x", "c", "y"})
    ASSERT_TRUE(net->find_tensor(name)->set_dynamic_range(-1.0f, 1.0f).is_ok());
  CapturingLogger logger;
  Builder builder(logger);
  BuilderConfig config;
  config.set_flag(BuilderFlag::kInt8);
  config.set_backend("reference");
  auto engine = builder.build(*net, config);
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  EXPECT_EQ(logger.find(kInfo, "Conv \"conv1+relu1\": float32 (requested float32)").size(), 1u)
      << logger.dump();
}

// ------------------------------------------------------------------ end to end, INT8 kernels

// x [1,2,5,5] -> Conv 3x3 (3 channels, bias) -> Relu -> r [1,3,3,3] -> Flatten -> f [1,27]
//   -> Gemm (B [27,4], C [4]) -> logits (output); r is an output too. Built INT8 with ranges from
// the float32 values: a Quantize for x, INT8 Conv+Relu, Flatten and Gemm (writing float32 logits),
// and a Dequantize giving the float32 output r.
struct SmallConvNet {
  std::vector<float> x, w, b, fc_w, fc_b;
  static constexpr int kCin = 2, kCout = 3, kSize = 5, kOut = 3, kK = 3, kFlat = 27, kClasses = 4;

  explicit SmallConvNet(uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
    auto fill = [&](std::vector<float>& v, size_t n, float scale) {
      v.resize(n);
      for (float& e : v)
        e = scale * unit(rng);
    };
    fill(x, kCin * kSize * kSize, 1.0f);
    fill(w, kCout * kCin * kK * kK, 0.5f);
    fill(b, kCout, 0.2f);
    fill(fc_w, kFlat * kClasses, 0.3f);
    fill(fc_b, kClasses, 0.1f);
  }

  // relu(conv(x)) by naive loops, NCHW / OIHW, stride 1, no padding.
  std::vector<float> relu_conv() const {
    std::vector<float> r(kCout * kOut * kOut);
    for (int o = 0; o < kCout; ++o)
      for (int i = 0; i < kOut; ++i)
        for (int j = 0; j < kOut; ++j) {
          double acc = b[o];
          for (int c = 0; c < kCin; ++c)
            for (int di = 0; di < kK; ++di)
              for (int dj = 0; dj < kK; ++dj)
                acc += double(x[(c * kSize + i + di) * kSize + j + dj]) *
                       w[((o * kCin + c) * kK + di) * kK + dj];
          r[(o * kOut + i) * kOut + j] = static_cast<float>(std::max(acc, 0.0));
        }
    return r;
  }

  std::vector<float> logits(const std::vector<float>& f) const {
    std::vector<float> y(kClasses);
    for (int n = 0; n < kClasses; ++n) {
      double acc = fc_b[n];
      for (int k = 0; k < kFlat; ++k)
        acc += double(f[k]) * fc_w[k * kClasses + n];
      y[n] = static_cast<float>(acc);
    }
    return y;
  }

  std::unique_ptr<Network> network() const {
    auto net = std::make_unique<Network>();
    Tensor* in = net->add_input("x", DataType::kFloat, Dims{1, kCin, kSize, kSize}).value();
    auto constant = [&](const char* name, Dims dims, const std::vector<float>& v) {
      return net->add_constant(name, Weights::from_vector(DataType::kFloat, dims, v)).value();
    };
    Tensor* wt = constant("conv1.weight", Dims{kCout, kCin, kK, kK}, w);
    Tensor* bt = constant("conv1.bias", Dims{kCout}, b);
    net->add_layer(OpType::kConv, "conv1", {in, wt, bt}, ConvAttrs{}, {"c"}).value();
    net->add_layer(OpType::kRelu, "relu1", {net->find_tensor("c")}, NoAttrs{}, {"r"}).value();
    FlattenAttrs flatten;
    flatten.axis = 1;
    net->add_layer(OpType::kFlatten, "flat", {net->find_tensor("r")}, flatten, {"f"}).value();
    Tensor* fw = constant("fc.weight", Dims{kFlat, kClasses}, fc_w);
    Tensor* fb = constant("fc.bias", Dims{kClasses}, fc_b);
    net->add_layer(OpType::kGemm, "fc", {net->find_tensor("f"), fw, fb}, GemmAttrs{}, {"logits"})
        .value();
    EXPECT_TRUE(net->mark_output(net->find_tensor("logits")).is_ok());
    EXPECT_TRUE(net->mark_output(net->find_tensor("r")).is_ok());
    return net;
  }
};

float max_abs(const float* v, size_t n) {
  float m = 0.0f;
  for (size_t i = 0; i < n; ++i)
    m = std::max(m, std::fabs(v[i]));
  return m;
}

// One batch (batch size 1) of the model's input, for a MinMax calibration.
class InputCalibrator : public MinMaxCalibrator {
 public:
  explicit InputCalibrator(const std::vector<float>& x) : x_(x) {}
  int64_t batch_size() const override { return 1; }
  Result<bool> get_batch(std::span<const std::string>, std::span<const void*> bindings) override {
    if (done_) return false;
    done_ = true;
    bindings[0] = x_.data();
    return true;
  }

 private:
  const std::vector<float>& x_;
  bool done_ = false;
};

// Ranges set by hand (x: 1, r: its largest value), or calibrated with MinMax on the one input
// (x: max |x| <= 1, r: the same largest value): the tolerances below hold for both.
void expect_small_conv_net_close_to_float32(std::string_view backend, bool calibrate) {
  const uint32_t seed = 2024;
  const SmallConvNet model(seed);
  const std::vector<float> r = model.relu_conv();
  const float r_amax = max_abs(r.data(), r.size());
  const std::vector<float> expected = model.logits(r);
  auto net = model.network();
  CapturingLogger logger;
  Builder builder(logger);
  BuilderConfig config;
  InputCalibrator calibrator(model.x);
  if (calibrate) {
    config.set_int8_calibrator(&calibrator);
  } else {
    ASSERT_TRUE(net->find_tensor("x")->set_dynamic_range(-1.0f, 1.0f).is_ok());
    ASSERT_TRUE(net->find_tensor("r")->set_dynamic_range(0.0f, r_amax).is_ok());
  }

  config.set_backend(backend);
  config.set_flag(BuilderFlag::kInt8);
  auto engine = builder.build(*net, config);
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string() << "\n" << logger.dump();
  for (const char* line :
       {"Conv \"conv1+relu1\": int8", "Flatten \"flat\": int8", "Gemm \"fc\": int8",
        "precision: 3 layers int8, 0 float32; reformats: 1 Quantize, 1 Dequantize"}) {
    EXPECT_EQ(logger.find(kInfo, line).size(), 1u) << line << "\n" << logger.dump();
  }
  // A layout reorder runs in the precision of the data it moves.
  for (const LayerInfo& layer : (*engine)->layers()) {
    if (layer.op != "Reorder") continue;
    EXPECT_EQ(layer.precision, layer.int8_inputs.empty() ? DataType::kFloat : DataType::kInt8)
        << layer.name;
  }
  ASSERT_EQ((*engine)->num_outputs(), 2);
  EXPECT_EQ((*engine)->output(0).name, "logits");
  EXPECT_EQ((*engine)->output(1).name, "r");
  EXPECT_EQ((*engine)->output(1).dtype, DataType::kFloat);
  std::vector<float> actual(SmallConvNet::kClasses), actual_r(r.size());
  {
    auto context = (*engine)->create_execution_context();
    const void* inputs[] = {model.x.data()};
    void* outputs[] = {actual.data(), actual_r.data()};
    Status status = context->execute(inputs, outputs);
    ASSERT_TRUE(status.is_ok()) << status.to_string();
  }

  // Two tolerances from the scales. The worst case (every rounding error at half a step, all of
  // the same sign) always holds:
  //   conv: |x̂ŵ - xw| <= |w| s_x/2 + |x̂| s_w,o/2 per product, then r is rounded to s_r/2;
  //   Flatten keeps r's scale; the Gemm dequantizes itself:
  //   |Δlogit_n| <= Σ_k |W_kn| e_r + Σ_k (|f_k| + e_r) s_W,n/2.
  // It is loose (the errors are independent and mostly cancel), so a scale off by a few percent
  // would pass it. The typical error is tighter: rounding errors are uniform in ±step/2, of
  // variance step²/12, so var(e_r) <= Σ w² s_x²/12 + Σ x² s_w²/12 + s_r²/12 and
  // var(Δlogit_n) <= Σ_k W_kn² var(e_r) + Σ_k f_k² s_W,n²/12; every logit must be within 6σ.
  // Float32 rounding adds far less than 1e-4 at these sizes.
  const float s_x = 1.0f / 127.0f, s_r = r_amax / 127.0f;
  const int taps = SmallConvNet::kCin * SmallConvNet::kK * SmallConvNet::kK;
  float e_r = 0.0f, var_r = 0.0f;
  for (int o = 0; o < SmallConvNet::kCout; ++o) {
    const float* wo = model.w.data() + o * taps;
    float sum_w = 0.0f, sum_w2 = 0.0f;
    for (int k = 0; k < taps; ++k) {
      sum_w += std::fabs(wo[k]);
      sum_w2 += wo[k] * wo[k];
    }
    const float s_w = max_abs(wo, static_cast<size_t>(taps)) / 127.0f;
    e_r = std::max(e_r, sum_w * s_x / 2 + taps * (1.0f + s_x / 2) * s_w / 2 + s_r / 2);
    // Σ x² <= taps (|x| <= 1).
    var_r = std::max(var_r, (sum_w2 * s_x * s_x + taps * s_w * s_w + s_r * s_r) / 12.0f);
  }
  std::string config_text = "SmallConvNet on " + std::string(backend) +
                            (calibrate ? ", MinMax ranges" : ", manual ranges") + ", seed " +
                            std::to_string(seed) + ", r amax " + std::to_string(r_amax) + ", e_r " +
                            std::to_string(e_r);
  for (size_t i = 0; i < r.size(); ++i) {
    const float error = std::fabs(actual_r[i] - r[i]);
    EXPECT_LE(error, e_r) << config_text << ": r[" << i << "] = " << actual_r[i] << ", float32 "
                          << r[i];
    EXPECT_LE(error, 6.0f * std::sqrt(var_r) + 1e-5f)
        << config_text << ": r[" << i << "] = " << actual_r[i] << ", float32 " << r[i];
  }
  float max_error = 0.0f;
  ASSERT_EQ(actual.size(), expected.size());
  for (int n = 0; n < SmallConvNet::kClasses; ++n) {
    float sum_w = 0.0f, sum_w2 = 0.0f, col_max = 0.0f, sum_f = 0.0f, sum_f2 = 0.0f;
    for (int k = 0; k < SmallConvNet::kFlat; ++k) {
      const float wkn = std::fabs(model.fc_w[k * SmallConvNet::kClasses + n]);
      sum_w += wkn;
      sum_w2 += wkn * wkn;
      col_max = std::max(col_max, wkn);
      sum_f += std::fabs(r[k]) + e_r;
      sum_f2 += r[k] * r[k];
    }
    const float s_fc = col_max / 127.0f;
    const float worst = sum_w * e_r + sum_f * s_fc / 2 + 1e-4f;
    const float sigma = std::sqrt(sum_w2 * var_r + sum_f2 * s_fc * s_fc / 12.0f);
    const float error = std::fabs(actual[n] - expected[n]);
    max_error = std::max(max_error, error);
    EXPECT_LE(error, worst) << config_text << ": logit " << n << " = " << actual[n] << ", float32 "
                            << expected[n];
    EXPECT_LE(error, 6.0f * sigma + 1e-4f) << config_text << ": logit " << n << " = " << actual[n]
                                           << ", float32 " << expected[n] << ", sigma " << sigma;
  }
  // The INT8 path ran: rounding to 8 bits leaves a visible difference.
  EXPECT_GT(max_error, 0.0f) << config_text;
}

TEST(Int8Build, SmallConvNetIsCloseToFloat32OnReference) {
  expect_small_conv_net_close_to_float32("reference", false);
}

TEST(Int8Build, SmallConvNetIsCloseToFloat32OnCpu) {
  expect_small_conv_net_close_to_float32("cpu", false);
}

TEST(Int8Build, SmallConvNetWithCalibratedRangesIsCloseToFloat32) {
  expect_small_conv_net_close_to_float32("reference", true);
  expect_small_conv_net_close_to_float32("cpu", true);
}

// ------------------------------------------------------------------ layer-precision files

TEST(LayerPrecisions, ParsesNamesPrecisionsAndComments) {
  const std::string text =
      "# per-layer precisions\n"
      "conv1: int8\n"
      "\n"
      "  prob : FP32  \n"
      "block/conv:0: float32\r\n"
      "   # indented comment\n"
      "fc:INT8";
  auto parsed = parse_layer_precisions(text, "p.txt");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  const std::vector<LayerPrecision> expected = {{"conv1", DataType::kInt8},
                                                {"prob", DataType::kFloat},
                                                {"block/conv:0", DataType::kFloat},
                                                {"fc", DataType::kInt8}};
  EXPECT_EQ(*parsed, expected);
  auto empty = parse_layer_precisions("", "empty.txt");
  ASSERT_TRUE(empty.is_ok());
  EXPECT_TRUE(empty->empty());
}

TEST(LayerPrecisions, BadLinesNameTheFileAndLine) {
  struct Case {
    const char* text;
    const char* expected;  // in the message
  };
  const Case cases[] = {
      {"conv1: int8\nconv2 int8\n", "p.txt:2: expected \"<layer name>: int8|fp32\""},
      {"conv1: int8\n: fp32\n", "p.txt:2:"},
      {"# c\nconv1: fp16\n", "p.txt:2: layer \"conv1\": unknown precision \"fp16\""},
      {"conv1: \n", "p.txt:1: layer \"conv1\": unknown precision \"\""},
      {"conv1: int8\nconv2: fp32\nconv1: fp32\n",
       "p.txt:3: layer \"conv1\" is already given on line 1"},
  };
  for (const Case& c : cases) {
    auto parsed = parse_layer_precisions(c.text, "p.txt");
    ASSERT_FALSE(parsed.is_ok()) << c.text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kParseError) << c.text;
    EXPECT_NE(parsed.status().message().find(c.expected), std::string::npos)
        << "text: " << c.text << "\nmessage: " << parsed.status().message();
  }
}

TEST(LayerPrecisions, ReadsFilesAndSetsRequests) {
  const std::string path = ::testing::TempDir() + "int8rt_layer_precisions.txt";
  {
    std::ofstream out(path);
    out << "erf: int8\nprob: fp32\n";
  }
  auto parsed = read_layer_precisions(path);
  std::remove(path.c_str());
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  auto net = float_only_network();
  ASSERT_TRUE(set_layer_precisions(*net, *parsed).is_ok());
  EXPECT_TRUE(net->find_layer("erf")->precision_is_set());
  EXPECT_EQ(net->find_layer("erf")->precision(), DataType::kInt8);
  EXPECT_EQ(net->find_layer("prob")->precision(), DataType::kFloat);

  auto missing = read_layer_precisions(path);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find(path), std::string::npos) << missing.status().message();
}

TEST(LayerPrecisions, UnknownLayerChangesNothing) {
  auto net = float_only_network();
  Status status =
      set_layer_precisions(*net, {{"erf", DataType::kInt8}, {"conv9", DataType::kFloat}});
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("\"conv9\""), std::string::npos) << status.message();
  EXPECT_FALSE(net->find_layer("erf")->precision_is_set());

  Status bad = set_layer_precisions(*net, {{"erf", DataType::kInt32}});
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.message().find("\"erf\""), std::string::npos) << bad.message();
  EXPECT_FALSE(net->find_layer("erf")->precision_is_set());
}

}  // namespace
}  // namespace int8rt
