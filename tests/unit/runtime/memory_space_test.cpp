// Engines on a backend with its own memory space (testing::fake_device, host memory it tracks,
// with a Relu kernel only): layers it can't run go to the CPU backend between transfer steps that
// the build log warns about; each memory space gets its own arena; execute() copies host buffers
// in and out; set_tensor_address/enqueue take device addresses only; the tensor observer copies
// device tensors to the host; plans record the backend and its target.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <thread>

#include "int8rt/builder.h"
#include "testing/capturing_logger.h"
#include "testing/fake_device.h"

namespace int8rt {
namespace {

using testing::CapturingLogger;
using testing::fake_device;
using testing::is_fake_device_memory;

// relu (device) -> sigmoid (host: the CPU backend) -> relu (device) -> output.
std::unique_ptr<Network> relu_sigmoid_relu(const Dims& dims) {
  auto net = std::make_unique<Network>();
  Tensor* x = net->add_input("x", DataType::kFloat, dims).value();
  Tensor* a = net->add_layer(OpType::kRelu, "relu1", {x}, NoAttrs{}, {"a"}).value()->output(0);
  Tensor* b = net->add_layer(OpType::kSigmoid, "sigmoid", {a}, NoAttrs{}, {"b"}).value()->output(0);
  Tensor* y = net->add_layer(OpType::kRelu, "relu2", {b}, NoAttrs{}, {"y"}).value()->output(0);
  EXPECT_TRUE(net->mark_output(y).is_ok());
  return net;
}

std::vector<float> inputs_of(int64_t count) {
  std::vector<float> x(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i)
    x[static_cast<size_t>(i)] = static_cast<float>(i % 7) - 3.0f;
  return x;
}

// relu(sigmoid(relu(x))), to the CPU backend's sigmoid (oneDNN's exp) within a few ulps.
::testing::AssertionResult matches_expected(const std::vector<float>& x,
                                            const std::vector<float>& y) {
  if (x.size() != y.size()) return ::testing::AssertionFailure() << "sizes differ";
  for (size_t i = 0; i < x.size(); ++i) {
    const float want = 1.0f / (1.0f + std::exp(-(x[i] > 0.0f ? x[i] : 0.0f)));
    if (!(std::fabs(y[i] - want) <= 1e-6f)) {
      return ::testing::AssertionFailure() << "[" << i << "] " << y[i] << " vs " << want;
    }
  }
  return ::testing::AssertionSuccess();
}

class MemorySpaces : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_device();  // registers it
    net_ = relu_sigmoid_relu(Dims{2, 6});
    Builder builder(logger_);
    BuilderConfig config;
    config.set_backend("fake_device");
    auto engine = builder.build(*net_, config);
    ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
    engine_ = std::move(engine).value();
  }
  CapturingLogger logger_;
  std::unique_ptr<Network> net_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(MemorySpaces, HostLayersRunBetweenTransfersTheLogNames) {
  EXPECT_EQ(engine_->backend(), "fake_device");
  EXPECT_EQ(engine_->io_location(), TensorLocation::kDevice);
  std::vector<std::string> steps;
  for (const LayerInfo& layer : engine_->layers()) {
    steps.push_back(layer.name + "@" + std::string(to_string(layer.location)) + ":" +
                    layer.backend);
  }
  const std::vector<std::string> expected = {
      "relu1@device:fake_device", "transfer \"a\" device -> host@device:fake_device",
      "sigmoid@host:cpu", "transfer \"b\" host -> device@device:fake_device",
      "relu2@device:fake_device"};
  EXPECT_EQ(steps, expected);
  int layer_warnings = 0, transfer_warnings = 0;
  for (const auto& [severity, text] : logger_.messages()) {
    if (severity != Logger::Severity::kWarning) continue;
    layer_warnings +=
        text.find("layer \"sigmoid\" (Sigmoid) runs on cpu (host)") != std::string::npos;
    transfer_warnings += text.rfind("transfer \"", 0) == 0;
  }
  EXPECT_EQ(layer_warnings, 1);
  EXPECT_EQ(transfer_warnings, 2);
}

// The device kernels check that they read and write device memory, the transfers that their host
// side is not: each memory space has its own arena.
TEST_F(MemorySpaces, ExecuteCopiesHostBuffersInAndOut) {
  auto context = engine_->create_execution_context();
  const std::vector<float> x = inputs_of(12);
  std::vector<float> y(12, -1.0f);
  const void* in[] = {x.data()};
  void* out[] = {y.data()};
  Status status = context->execute(in, out);
  ASSERT_TRUE(status.is_ok()) << status.to_string();
  EXPECT_TRUE(matches_expected(x, y)) << "execute() copies the host buffers to the device and back";
}

TEST_F(MemorySpaces, EnqueueTakesDeviceAddressesOnly) {
  auto context = engine_->create_execution_context();
  const std::vector<float> x = inputs_of(12);
  std::vector<float> host_y(12);
  Status status = context->set_tensor_address("x", const_cast<float*>(x.data()));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("set_tensor_address(\"x\"): the address is host memory"),
            std::string::npos)
      << status.message();
  EXPECT_NE(context->enqueue().message().find("has no address"), std::string::npos);

  auto device_x = fake_device().allocate(x.size() * sizeof(float), "x").value();
  auto device_y = fake_device().allocate(x.size() * sizeof(float), "y").value();
  ASSERT_TRUE(fake_device()
                  .copy(device_x.get(), TensorLocation::kDevice, x.data(), TensorLocation::kHost,
                        x.size() * sizeof(float), nullptr)
                  .is_ok());
  ASSERT_TRUE(context->set_tensor_address("x", device_x.get()).is_ok());
  ASSERT_TRUE(context->set_tensor_address("y", device_y.get()).is_ok());
  EXPECT_EQ(context->tensor_address("y"), device_y.get());
  const int runs = testing::fake_device_runs();
  ASSERT_TRUE(context->enqueue().is_ok());
  ASSERT_TRUE(context->synchronize().is_ok());
  EXPECT_EQ(testing::fake_device_runs(), runs + 1);
  std::vector<float> y(12);
  std::memcpy(y.data(), device_y.get(), y.size() * sizeof(float));
  EXPECT_TRUE(matches_expected(x, y));

  // Owned buffers and the host clock timing (the fake device has no device timer).
  ASSERT_TRUE(context->bind_owned_buffers(std::vector<const void*>{x.data()}).is_ok());
  EXPECT_TRUE(is_fake_device_memory(context->tensor_address("x"), 48));
  auto times = context->time_runs(3);
  ASSERT_TRUE(times.is_ok()) << times.status().to_string();
  EXPECT_EQ(times->size(), 3u);
}

TEST_F(MemorySpaces, ObserverSeesDeviceTensorsOnTheHost) {
  struct Collect : TensorObserver {
    std::vector<std::string> names;
    std::vector<std::vector<float>> values;
    void on_tensor(const ObservedTensor& t) override {
      names.push_back(t.name);
      values.emplace_back(t.values.begin(), t.values.end());
    }
  } collect;
  auto context = engine_->create_execution_context();
  context->set_tensor_observer(&collect);
  const std::vector<float> x = inputs_of(12);
  std::vector<float> y(12);
  const void* in[] = {x.data()};
  void* out[] = {y.data()};
  ASSERT_TRUE(context->execute(in, out).is_ok());
  EXPECT_EQ(collect.names, (std::vector<std::string>{"a", "b", "y"}));
  ASSERT_EQ(collect.values.size(), 3u);
  EXPECT_EQ(collect.values[2], y);
}

TEST_F(MemorySpaces, PlansRecordTheBackendAndItsTarget) {
  auto bytes = engine_->serialize();
  ASSERT_TRUE(bytes.is_ok());
  EXPECT_NE(bytes->find("fake-1"), std::string::npos);
  auto loaded = Engine::deserialize(*bytes);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ((*loaded)->backend(), "fake_device");
  std::string other = *bytes;
  other.replace(other.find("fake-1"), 6, "fake-2");
  EXPECT_FALSE(Engine::deserialize(other).is_ok());  // checksum or target: never loaded
}

TEST_F(MemorySpaces, AContextRefusesASecondThread) {
  // A run that blocks in the observer until the second thread has tried.
  struct Blocking : TensorObserver {
    std::atomic<bool> entered{false}, release{false};
    void on_tensor(const ObservedTensor&) override {
      entered = true;
      while (!release)
        std::this_thread::yield();
    }
  } blocking;
  auto context = engine_->create_execution_context();
  context->set_tensor_observer(&blocking);
  const std::vector<float> x = inputs_of(12);
  std::vector<float> y(12);
  const void* in[] = {x.data()};
  void* out[] = {y.data()};
  std::thread first([&] { EXPECT_TRUE(context->execute(in, out).is_ok()); });
  while (!blocking.entered)
    std::this_thread::yield();
  std::vector<float> y2(12);
  void* out2[] = {y2.data()};
  Status second = context->execute(in, out2);
  blocking.release = true;
  first.join();
  EXPECT_NE(second.message().find("running on another thread"), std::string::npos)
      << second.message();
}

}  // namespace
}  // namespace int8rt
