// Whole engines on the GPU: LeNet-5 INT8 bit-identical to the reference INT8 engine on real
// digits, plans that record the GPU and load back, the tensor observer, FP16, and layers the GPU
// has no kernel for running on the host with transfers (and saying so).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "gpu_testing.h"
#include "int8rt/engine.h"
#include "testing/capturing_logger.h"

namespace int8rt {
namespace {

using namespace gpu_testing;

TEST(CudaBackend, DescribesTheGpu) {
  INT8RT_REQUIRE_GPU();
  const BackendInfo info = get_backend_info("cuda").value();
  EXPECT_EQ(info.location, TensorLocation::kDevice);
  EXPECT_NE(info.device.find("compute capability"), std::string::npos) << info.device;
  int major = 0, minor = 0;
  ASSERT_EQ(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, 0), cudaSuccess);
  ASSERT_EQ(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, 0), cudaSuccess);
  const int cc = major * 10 + minor;
  EXPECT_EQ(info.int8 == Int8Speed::kFast, cc >= 61) << info.device;
  EXPECT_EQ(info.fast_fp16, cc >= 70 || cc == 53 || cc == 60 || cc == 62) << info.device;
  Builder builder;
  EXPECT_EQ(builder.platform_has_fast_int8("cuda"), cc >= 61);
  EXPECT_EQ(builder.platform_has_fast_fp16("cuda"), info.fast_fp16);
}

// The bar: LeNet INT8 on the GPU gives the reference INT8 engine's logits bit for bit.
TEST(CudaEngine, LenetInt8IsBitIdenticalToTheReference) {
  INT8RT_REQUIRE_GPU();
  constexpr int64_t kBatch = 50;
  auto net = calibrated_lenet(kBatch);
  auto cuda = build(*net, "cuda", kBatch, true);
  auto reference = build(*net, "reference", kBatch, true);
  ASSERT_TRUE(cuda && reference);
  int int8_layers = 0;
  for (const LayerInfo& layer : cuda->layers()) {
    EXPECT_EQ(layer.location, TensorLocation::kDevice) << layer.name << ": " << layer.kernel;
    if (layer.precision == DataType::kInt8 && layer.op != "Reorder") ++int8_layers;
  }
  EXPECT_GE(int8_layers, 5) << "conv, pool, conv, pool, gemm";
  auto digits = held_out_digits(500);
  ASSERT_NE(digits, nullptr);
  for (int64_t first = 0; first < 500; first += kBatch) {
    const std::vector<float> images = read_samples(*digits, first, kBatch);
    const std::vector<float> got = run(*cuda, images);
    const std::vector<float> want = run(*reference, images);
    ASSERT_EQ(got.size(), want.size());
    EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0)
        << "logits of digits " << first << ".." << first + kBatch - 1 << " differ";
  }
}

TEST(CudaEngine, PlanRecordsTheGpuAndLoadsBackExactly) {
  INT8RT_REQUIRE_GPU();
  auto net = calibrated_lenet(8);
  auto engine = build(*net, "cuda", 8, true);
  ASSERT_NE(engine, nullptr);
  auto bytes = engine->serialize();
  ASSERT_TRUE(bytes.is_ok()) << bytes.status().to_string();
  int major = 0, minor = 0;
  cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, 0);
  cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, 0);
  const std::string target = "sm_" + std::to_string(major * 10 + minor);
  EXPECT_NE(bytes->find(target), std::string::npos) << "the plan names " << target;
  auto loaded = Engine::deserialize(*bytes);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ((*loaded)->backend(), "cuda");
  auto digits = held_out_digits(8);
  const std::vector<float> images = read_samples(*digits, 0, 8);
  const std::vector<float> a = run(*engine, images), b = run(**loaded, images);
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
  // (A plan for a newer GPU is refused: tests/unit/serialize/plan_refusal_test.cpp.)
}

// Every tensor the observer hands out on the GPU equals the reference engine's.
TEST(CudaEngine, ObservedTensorsMatchTheReference) {
  INT8RT_REQUIRE_GPU();
  auto net = calibrated_lenet(4);
  auto cuda = build(*net, "cuda", 4, true);
  auto reference = build(*net, "reference", 4, true);
  ASSERT_TRUE(cuda && reference);
  struct Collect : TensorObserver {
    std::vector<std::pair<std::string, std::vector<float>>> seen;
    void on_tensor(const ObservedTensor& t) override {
      seen.emplace_back(t.name, std::vector<float>(t.values.begin(), t.values.end()));
    }
  };
  auto digits = held_out_digits(4);
  const std::vector<float> images = read_samples(*digits, 0, 4);
  Collect got, want;
  for (auto [engine, collect] : {std::pair{cuda.get(), &got}, std::pair{reference.get(), &want}}) {
    auto context = engine->create_execution_context();
    context->set_tensor_observer(collect);
    std::vector<float> logits(40);
    const void* in[] = {images.data()};
    void* out[] = {logits.data()};
    ASSERT_TRUE(context->execute(in, out).is_ok());
  }
  ASSERT_EQ(got.seen.size(), want.seen.size());
  for (size_t i = 0; i < got.seen.size(); ++i) {
    EXPECT_EQ(got.seen[i].first, want.seen[i].first);
    EXPECT_EQ(got.seen[i].second, want.seen[i].second) << got.seen[i].first;
  }
}

TEST(CudaEngine, Fp16LayersRunHalfAndStayClose) {
  INT8RT_REQUIRE_GPU();
  auto net = load_model("resnet_fmnist");
  auto fp16 = build(*net, "cuda", 8, false, true);
  auto fp32 = build(*net, "reference", 8, false);
  ASSERT_TRUE(fp16 && fp32);
  int half = 0;
  for (const LayerInfo& layer : fp16->layers())
    half += layer.kernel.find("(half)") != std::string::npos;
  EXPECT_GT(half, 5);
  auto digits = held_out_digits(8);
  const std::vector<float> images = read_samples(*digits, 0, 8);
  const std::vector<float> a = run(*fp16, images), b = run(*fp32, images);
  float scale = 0.0f, worst = 0.0f;
  for (size_t i = 0; i < a.size(); ++i) {
    scale = std::max(scale, std::fabs(b[i]));
    worst = std::max(worst, std::fabs(a[i] - b[i]));
  }
  EXPECT_LT(worst, 2e-2f * std::max(scale, 1.0f)) << "FP16 logits vs FP32";
}

// The bundled models built INT8 + FP16 run every layer on the GPU, and INT8 alone stays with the
// reference INT8 engine (float layers differ by float rounding only).
TEST(CudaEngine, BundledModelsRunEveryLayerOnTheGpu) {
  INT8RT_REQUIRE_GPU();
  for (const char* model : {"lenet5_mnist", "resnet_fmnist", "mobilenetv2_fmnist"}) {
    SCOPED_TRACE(model);
    auto net = load_model(model);
    for (int i = 0; i < net->num_tensors(); ++i) {
      Tensor* t = net->tensor(i);
      if (!t->is_constant()) {
        ASSERT_TRUE(t->set_dynamic_range(-6.0f, 6.0f).is_ok());
      }
    }
    auto mixed = build(*net, "cuda", 8, true, true);
    auto int8 = build(*net, "cuda", 8, true);
    auto reference = build(*net, "reference", 8, true);
    ASSERT_TRUE(mixed && int8 && reference);
    for (const LayerInfo& layer : mixed->layers()) {
      EXPECT_EQ(layer.location, TensorLocation::kDevice) << layer.name << ": " << layer.kernel;
    }
    auto digits = held_out_digits(8);
    const std::vector<float> images = read_samples(*digits, 0, 8);
    const std::vector<float> a = run(*int8, images), b = run(*reference, images);
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      dot += double{a[i]} * b[i];
      na += double{a[i]} * a[i];
      nb += double{b[i]} * b[i];
    }
    EXPECT_GT(dot / std::sqrt(na * nb), 0.9999) << "INT8 logits on the GPU vs the reference";
  }
}

// A layer no CUDA kernel handles runs on the host, between transfers the build log warns about.
TEST(CudaEngine, HostLayersAreTransferredAndLogged) {
  INT8RT_REQUIRE_GPU();
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2, 3, 4}).value();
  Tensor* relu = net.add_layer(OpType::kRelu, "relu", {x}, NoAttrs{}, {"r"}).value()->output(0);
  Tensor* zero = net.add_constant("zero", Weights::from_vector(DataType::kFloat, Dims{1},
                                                               std::vector<float>{0.25f}))
                     .value();
  Tensor* mask =
      net.add_layer(OpType::kEqual, "equal", {relu, zero}, NoAttrs{}, {"m"}).value()->output(0);
  Tensor* y = net.add_layer(OpType::kWhere, "where", {mask, zero, relu}, NoAttrs{}, {"y"})
                  .value()
                  ->output(0);
  ASSERT_TRUE(net.mark_output(y).is_ok());
  testing::CapturingLogger logger;
  Builder builder(logger);
  BuilderConfig config;
  config.set_backend("cuda");
  auto engine = builder.build(net, config);
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  bool host_layer = false;
  for (const LayerInfo& layer : (*engine)->layers())
    host_layer |= layer.op != "Reorder" && layer.location == TensorLocation::kHost;
  EXPECT_TRUE(host_layer);
  bool warned = false;
  for (const auto& [severity, text] : logger.messages()) {
    warned |= severity == Logger::Severity::kWarning &&
              text.find("has no kernel for it") != std::string::npos;
  }
  EXPECT_TRUE(warned) << "the build log names the layers that run on the host";
  std::vector<float> input(24);
  for (size_t i = 0; i < input.size(); ++i)
    input[i] = static_cast<float>(i % 5) * 0.25f - 0.5f;
  BuilderConfig reference_config;
  reference_config.set_backend("reference");
  auto reference = builder.build(net, reference_config);
  ASSERT_TRUE(reference.is_ok());
  EXPECT_EQ(run(**engine, input), run(**reference, input));
}

}  // namespace
}  // namespace int8rt
