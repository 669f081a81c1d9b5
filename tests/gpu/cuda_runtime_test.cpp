// The asynchronous API on the GPU (TensorRT's setTensorAddress + enqueueV3) and its faults: device
// buffers and streams, host or misaligned pointers, unbound tensors, a context still running on
// another stream, and running out of device memory.
#include <atomic>
#include <cstring>
#include <thread>

#include "gpu_testing.h"
#include "int8rt/engine.h"

namespace int8rt {
namespace {

using namespace gpu_testing;

bool contains(const Status& status, const std::string& text) {
  return status.message().find(text) != std::string::npos;
}

TEST(CudaRuntime, EnqueueOnDeviceBuffersMatchesExecute) {
  INT8RT_REQUIRE_GPU();
  auto net = calibrated_lenet(16);
  auto engine = build(*net, "cuda", 16, true);
  ASSERT_NE(engine, nullptr);
  EXPECT_EQ(engine->io_location(), TensorLocation::kDevice);
  auto digits = held_out_digits(16);
  const std::vector<float> images = read_samples(*digits, 0, 16);
  const std::vector<float> want = run(*engine, images);

  DeviceBuffer input(images.size() * sizeof(float)), output(want.size() * sizeof(float));
  input.upload(images);
  cudaStream_t stream = nullptr;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  auto context = engine->create_execution_context();
  ASSERT_TRUE(context->set_tensor_address("input", input.get()).is_ok());
  ASSERT_TRUE(context->set_tensor_address(engine->output(0).name, output.get()).is_ok());
  EXPECT_EQ(context->tensor_address("input"), input.get());
  for (int round = 0; round < 3; ++round) {  // the user's stream, then the context's own
    Status status = context->enqueue(round == 2 ? nullptr : stream);
    ASSERT_TRUE(status.is_ok()) << status.to_string();
    ASSERT_TRUE(context->synchronize().is_ok());
    EXPECT_EQ(output.download<float>(want.size()), want) << "round " << round;
  }
  cudaStreamDestroy(stream);
}

TEST(CudaRuntime, BadAddressesAreRefusedNamingTheTensor) {
  INT8RT_REQUIRE_GPU();
  auto net = load_model("lenet5_mnist");
  auto engine = build(*net, "cuda", 2, false);
  ASSERT_NE(engine, nullptr);
  auto context = engine->create_execution_context();
  std::vector<float> host(2 * 784);
  Status status = context->set_tensor_address("input", host.data());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(contains(status, "\"input\"") && contains(status, "host memory")) << status.message();
  status = context->set_tensor_address("input", nullptr);
  EXPECT_TRUE(contains(status, "null")) << status.message();
  DeviceBuffer device(2 * 784 * sizeof(float) + 64);
  status = context->set_tensor_address("input", static_cast<char*>(device.get()) + 4);
  EXPECT_TRUE(contains(status, "aligned")) << status.message();
  status = context->set_tensor_address("nope", device.get());
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  // Nothing bound for the output: enqueue names it.
  ASSERT_TRUE(context->set_tensor_address("input", device.get()).is_ok());
  status = context->enqueue();
  EXPECT_TRUE(contains(status, engine->output(0).name) && contains(status, "no address"))
      << status.message();
  // A host engine takes no stream.
  auto cpu = build(*net, "cpu", 2, false);
  ASSERT_NE(cpu, nullptr);
  cudaStream_t stream = nullptr;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  auto cpu_context = cpu->create_execution_context();
  ASSERT_TRUE(cpu_context->set_tensor_address("input", host.data()).is_ok());
  std::vector<float> logits(20);
  ASSERT_TRUE(cpu_context->set_tensor_address(cpu->output(0).name, logits.data()).is_ok());
  EXPECT_TRUE(contains(cpu_context->enqueue(stream), "takes no stream"));
  EXPECT_TRUE(cpu_context->enqueue().is_ok());
  cudaStreamDestroy(stream);
}

// A context whose run on stream A has not finished refuses a run on stream B (it would race on
// its own activations); on the same stream, runs queue up.
TEST(CudaRuntime, ContextStillRunningOnAnotherStreamIsRefused) {
  INT8RT_REQUIRE_GPU();
  auto net = load_model("lenet5_mnist");
  auto engine = build(*net, "cuda", 2, false);
  ASSERT_NE(engine, nullptr);
  auto context = engine->create_execution_context();
  DeviceBuffer input(2 * 784 * sizeof(float)), output(20 * sizeof(float));
  ASSERT_TRUE(context->set_tensor_address("input", input.get()).is_ok());
  ASSERT_TRUE(context->set_tensor_address(engine->output(0).name, output.get()).is_ok());
  cudaStream_t a = nullptr, b = nullptr;
  ASSERT_EQ(cudaStreamCreate(&a), cudaSuccess);
  ASSERT_EQ(cudaStreamCreate(&b), cudaSuccess);
  // Stream A waits on the host until released, so the run queued behind it can't finish.
  static std::atomic<bool> released{false};
  released = false;
  ASSERT_EQ(cudaLaunchHostFunc(
                a,
                [](void*) {
                  while (!released.load())
                    std::this_thread::yield();
                },
                nullptr),
            cudaSuccess);
  ASSERT_TRUE(context->enqueue(a).is_ok());
  Status status = context->enqueue(b);
  EXPECT_TRUE(contains(status, "still running on another stream")) << status.message();
  EXPECT_TRUE(context->enqueue(a).is_ok()) << "the same stream queues";
  released = true;
  ASSERT_TRUE(context->synchronize().is_ok());
  EXPECT_TRUE(context->enqueue(b).is_ok()) << "once A's runs are done";
  ASSERT_TRUE(context->synchronize().is_ok());
  cudaStreamDestroy(a);
  cudaStreamDestroy(b);
}

// Activations larger than the GPU: a clear error naming the bytes, and the engine still usable at
// a size that fits.
TEST(CudaRuntime, OutOfDeviceMemoryIsAClearError) {
  INT8RT_REQUIRE_GPU();
  size_t free = 0, total = 0;
  ASSERT_EQ(cudaMemGetInfo(&free, &total), cudaSuccess);
  const int64_t batch = static_cast<int64_t>(total / (1024 * sizeof(float))) * 2;
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{Dims::kDynamic, 1024}).value();
  Tensor* r = net.add_layer(OpType::kRelu, "relu", {x}, NoAttrs{}, {"r"}).value()->output(0);
  Tensor* y = net.add_layer(OpType::kSigmoid, "sigmoid", {r}, NoAttrs{}, {"y"}).value()->output(0);
  ASSERT_TRUE(net.mark_output(y).is_ok());
  Builder builder;
  BuilderConfig config;
  config.set_backend("cuda");
  config.set_input_shape("x", Dims{batch, 1024});
  auto engine = builder.build(net, config);
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  auto context = (*engine)->create_execution_context();
  auto shape = context->output_shape(0);
  ASSERT_FALSE(shape.is_ok());
  EXPECT_EQ(shape.status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(contains(shape.status(), "out of GPU memory") &&
              contains(shape.status(), "bytes for activations"))
      << shape.status().message();
  // A smaller batch of the same engine fits and runs.
  ASSERT_TRUE(context->set_input_shape("x", Dims{4, 1024}).is_ok());
  std::vector<float> in(4 * 1024, -1.0f), out(4 * 1024);
  const void* inputs[] = {in.data()};
  void* outputs[] = {out.data()};
  Status status = context->execute(inputs, outputs);
  ASSERT_TRUE(status.is_ok()) << status.to_string();
  EXPECT_EQ(out[0], 0.5f);
}

}  // namespace
}  // namespace int8rt
