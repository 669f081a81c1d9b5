// Whole networks built with the "cpu" vs the "reference" backend: the bundled ONNX models and
// hand-built residual / inverted-residual networks (BatchNorm folded, activations and adds fused).
#include <gtest/gtest.h>

#include <filesystem>

#include "cpu_test_util.h"
#include "int8rt/onnx_parser.h"
#include "testing/testing.h"

namespace int8rt {
namespace {

using testing::add_random_constant;
using testing::all_close;
using testing::fp32_tolerance;
using testing::random_floats;

// Layer outputs stay O(1) through these networks and rounding errors add up over the layers; the
// worst-case bound of the longest reduction (fp32_tolerance) times this factor covers the depth
// (observed errors are ~1e-6, far below it; a layout or fusion bug gives errors of order 1).
constexpr int kDepthFactor = 4;

// Shapes of intermediate tensors are only inferred at build time: `in` is x's channel count.
Tensor* conv_bn(Network& net, const std::string& name, Tensor* x, int64_t in, int64_t out,
                int64_t k, int64_t stride, int64_t group, uint32_t seed) {
  ConvAttrs attrs;
  attrs.strides = {stride, stride};
  attrs.pads = {k / 2, k / 2, k / 2, k / 2};
  attrs.group = group;
  const float scale = 1.0f / std::sqrt(static_cast<float>(in / group * k * k));
  Tensor* w =
      add_random_constant(net, name + ".w", Dims{out, in / group, k, k}, seed, -scale, scale);
  Tensor* y = net.add_layer(OpType::kConv, name, {x, w}, attrs, {name}).value()->output(0);
  std::vector<Tensor*> bn{
      y, add_random_constant(net, name + ".gamma", Dims{out}, seed + 1, 0.5f, 1.5f),
      add_random_constant(net, name + ".beta", Dims{out}, seed + 2),
      add_random_constant(net, name + ".mean", Dims{out}, seed + 3),
      add_random_constant(net, name + ".var", Dims{out}, seed + 4, 0.5f, 1.5f)};
  return net
      .add_layer(OpType::kBatchNormalization, name + ".bn", bn, BatchNormAttrs{}, {name + ".bn"})
      .value()
      ->output(0);
}

Tensor* relu(Network& net, Tensor* x) {
  return net.add_layer(OpType::kRelu, x->name() + ".relu", {x}, NoAttrs{}, {x->name() + ".relu"})
      .value()
      ->output(0);
}

Tensor* relu6(Network& net, Tensor* x) {
  auto scalar = [&](const std::string& name, float v) {
    return net
        .add_constant(x->name() + name,
                      Weights::from_vector(DataType::kFloat, Dims{}, std::vector<float>{v}))
        .value();
  };
  return net
      .add_layer(OpType::kClip, x->name() + ".relu6", {x, scalar(".lo", 0.0f), scalar(".hi", 6.0f)},
                 NoAttrs{}, {x->name() + ".relu6"})
      .value()
      ->output(0);
}

Tensor* add(Network& net, const std::string& name, Tensor* a, Tensor* b) {
  return net.add_layer(OpType::kAdd, name, {a, b}, NoAttrs{}, {name}).value()->output(0);
}

// conv stem, two basic residual blocks (the second downsampling with a 1x1 projection), max pool,
// global average pool, flatten, fully connected, softmax.
void build_resnet(Network& net, int64_t batch) {
  Tensor* x = net.add_input("input", DataType::kFloat, Dims{batch, 3, 32, 32}).value();
  Tensor* h = relu(net, conv_bn(net, "stem", x, 3, 32, 3, 1, 1, 10));
  PoolAttrs pool;
  pool.kernel_shape = {3, 3};
  pool.strides = {2, 2};
  pool.pads = {1, 1, 1, 1};
  h = net.add_layer(OpType::kMaxPool, "pool", {h}, pool, {"pool"}).value()->output(0);
  Tensor* a = relu(net, conv_bn(net, "b1.conv1", h, 32, 32, 3, 1, 1, 20));
  h = relu(net, add(net, "b1.add", conv_bn(net, "b1.conv2", a, 32, 32, 3, 1, 1, 30), h));
  a = relu(net, conv_bn(net, "b2.conv1", h, 32, 64, 3, 2, 1, 40));
  Tensor* skip = conv_bn(net, "b2.proj", h, 32, 64, 1, 2, 1, 50);
  h = relu(net, add(net, "b2.add", conv_bn(net, "b2.conv2", a, 64, 64, 3, 1, 1, 60), skip));
  h = net.add_layer(OpType::kGlobalAveragePool, "gap", {h}, NoAttrs{}, {"gap"}).value()->output(0);
  h = net.add_layer(OpType::kFlatten, "flatten", {h}, FlattenAttrs{1}, {"flat"}).value()->output(0);
  GemmAttrs fc;
  fc.trans_b = true;
  h = net.add_layer(OpType::kGemm, "fc",
                    {h, add_random_constant(net, "fc.w", Dims{10, 64}, 70),
                     add_random_constant(net, "fc.b", Dims{10}, 71)},
                    fc, {"logits"})
          .value()
          ->output(0);
  h = net.add_layer(OpType::kSoftmax, "softmax", {h}, SoftmaxAttrs{}, {"probs"}).value()->output(0);
  ASSERT_TRUE(net.mark_output(h).is_ok());
}

// Inverted residual blocks (1x1 expand, 3x3 depthwise, 1x1 linear projection) with ReLU6, channel
// counts that are not multiples of 16, a residual add, and a final concat of two branches.
void build_mobilenet(Network& net, int64_t batch) {
  Tensor* x = net.add_input("input", DataType::kFloat, Dims{batch, 1, 28, 28}).value();
  Tensor* h = relu6(net, conv_bn(net, "stem", x, 1, 16, 3, 1, 1, 100));
  auto block = [&](const std::string& name, Tensor* v, int64_t in, int64_t out, int64_t stride,
                   uint32_t seed) {
    const int64_t hidden = in * 4;
    Tensor* e = relu6(net, conv_bn(net, name + ".expand", v, in, hidden, 1, 1, 1, seed));
    Tensor* d =
        relu6(net, conv_bn(net, name + ".dw", e, hidden, hidden, 3, stride, hidden, seed + 10));
    Tensor* p = conv_bn(net, name + ".project", d, hidden, out, 1, 1, 1, seed + 20);
    return stride == 1 && out == in ? add(net, name + ".add", v, p) : p;
  };
  h = block("ir1", h, 16, 16, 1, 200);
  h = block("ir2", h, 16, 24, 2, 300);
  h = block("ir3", h, 24, 24, 1, 400);
  Tensor* left = conv_bn(net, "left", h, 24, 8, 1, 1, 1, 500);
  Tensor* right = conv_bn(net, "right", h, 24, 12, 3, 1, 1, 600);
  h = net.add_layer(OpType::kConcat, "concat", {left, right}, ConcatAttrs{1}, {"concat"})
          .value()
          ->output(0);
  h = net.add_layer(OpType::kGlobalAveragePool, "gap", {h}, NoAttrs{}, {"gap"}).value()->output(0);
  ASSERT_TRUE(net.mark_output(h).is_ok());
}

void expect_network_matches(const Network& net, float tolerance, const std::string& what) {
  SCOPED_TRACE(what);
  const auto inputs = testing::random_inputs(net, 1234);
  auto cpu = testing::run_network(net, "cpu", inputs);
  ASSERT_TRUE(cpu.is_ok()) << cpu.status().to_string();
  auto ref = testing::run_network(net, "reference", inputs);
  ASSERT_TRUE(ref.is_ok()) << ref.status().to_string();
  int onednn = 0;
  for (const auto& layer : cpu->layers)
    onednn += layer.kernel.rfind("onednn.", 0) == 0;
  EXPECT_GT(onednn, static_cast<int>(cpu->layers.size()) / 2) << testing::describe_layers(*cpu);
  for (size_t i = 0; i < cpu->outputs.size(); ++i) {
    EXPECT_TRUE(all_close(cpu->outputs[i], ref->outputs[i], tolerance))
        << "output " << i << testing::describe_layers(*cpu);
  }
}

TEST(CpuNetwork, ResidualNetwork) {
  for (int64_t batch : {1, 3}) {
    Network net;
    build_resnet(net, batch);
    expect_network_matches(net, fp32_tolerance(64 * 9) * kDepthFactor,
                           "resnet batch " + std::to_string(batch));
  }
}

TEST(CpuNetwork, InvertedResidualNetwork) {
  for (int64_t batch : {1, 2}) {
    Network net;
    build_mobilenet(net, batch);
    expect_network_matches(net, fp32_tolerance(96 * 9) * kDepthFactor,
                           "mobilenet batch " + std::to_string(batch));
  }
}

// The project's bundled models, parsed from ONNX, at batch 1 and 4.
TEST(CpuNetwork, BundledOnnxModels) {
  int tested = 0;
  for (const char* name : {"lenet5_mnist", "resnet_fmnist", "mobilenetv2_fmnist"}) {
    const std::string path = int8rt::testing::source_path(std::string("models/") + name + ".onnx");
    if (!std::filesystem::exists(path)) continue;
    for (int64_t batch : {1, 4}) {
      Network net;
      OnnxParser parser(net);
      ASSERT_TRUE(parser.parse_from_file(path).is_ok()) << path;
      // Fix the dynamic batch axis by rebuilding the input shape through the builder config.
      const Tensor* input = net.input(0);
      std::vector<int64_t> dims = input->dims().extents();
      dims[0] = batch;
      SCOPED_TRACE(std::string(name) + " batch " + std::to_string(batch));
      std::vector<std::vector<float>> inputs{random_floats(Dims(dims).volume(), 99, 0.0f, 1.0f)};
      static StderrLogger logger(Logger::Severity::kError);
      Builder builder(logger);
      std::vector<std::vector<float>> outputs[2];
      std::string layers;
      for (int b = 0; b < 2; ++b) {
        auto config = builder.create_config();
        config->set_backend(b == 0 ? "cpu" : "reference");
        config->set_input_shape(input->name(), Dims(dims));
        auto engine = builder.build(net, *config);
        ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
        if (b == 0) {
          for (const auto& l : (*engine)->layers())
            layers += "\n  " + l.name + " " + l.kernel;
        }
        std::vector<const void*> in{inputs[0].data()};
        std::vector<void*> out;
        for (int i = 0; i < (*engine)->num_outputs(); ++i) {
          outputs[b].emplace_back(static_cast<size_t>((*engine)->output(i).dims.volume()));
        }
        for (auto& v : outputs[b])
          out.push_back(v.data());
        ASSERT_TRUE((*engine)->create_execution_context()->execute(in, out).is_ok());
      }
      for (size_t i = 0; i < outputs[0].size(); ++i) {
        EXPECT_TRUE(all_close(outputs[0][i], outputs[1][i], fp32_tolerance(128 * 9) * kDepthFactor))
            << "output " << i << layers;
      }
    }
    ++tested;
  }
  if (tested == 0) GTEST_SKIP() << "no bundled model found under models/";
}

}  // namespace
}  // namespace int8rt
