// Calibration on a backend with its own memory (testing::fake_device): the FP32 pass runs there,
// the histograms are built where the activations are (the backend's HistogramCollector) and only
// they come back; the ranges equal the CPU's. A calibrator may hand its batches in device memory
// (TensorRT's calibrators do); a host backend refuses such batches, saying why.
#include <gtest/gtest.h>

#include <cstring>

#include "calibration_testing.h"
#include "int8rt/builder.h"
#include "testing/fake_device.h"

namespace int8rt {
namespace {

using testing::MemoryCalibrator;

// x [8, 16] -> Gemm -> Relu -> Gemm -> Sigmoid: the Relu runs on the fake device, the rest on the
// CPU backend between transfers.
std::unique_ptr<Network> small_mlp() {
  auto net = std::make_unique<Network>();
  std::vector<float> w1(16 * 12), w2(12 * 4);
  for (size_t i = 0; i < w1.size(); ++i)
    w1[i] = static_cast<float>(static_cast<int>(i * 7 % 13) - 6) / 8.0f;
  for (size_t i = 0; i < w2.size(); ++i)
    w2[i] = static_cast<float>(static_cast<int>(i * 5 % 11) - 5) / 4.0f;
  Tensor* x = net->add_input("x", DataType::kFloat, Dims{8, 16}).value();
  Tensor* c1 =
      net->add_constant("w1", Weights::from_vector(DataType::kFloat, Dims{16, 12}, w1)).value();
  Tensor* c2 =
      net->add_constant("w2", Weights::from_vector(DataType::kFloat, Dims{12, 4}, w2)).value();
  Tensor* h =
      net->add_layer(OpType::kGemm, "fc1", {x, c1, nullptr}, GemmAttrs{}, {"h"}).value()->output(0);
  Tensor* r = net->add_layer(OpType::kRelu, "relu", {h}, NoAttrs{}, {"r"}).value()->output(0);
  Tensor* z =
      net->add_layer(OpType::kGemm, "fc2", {r, c2, nullptr}, GemmAttrs{}, {"z"}).value()->output(0);
  Tensor* y = net->add_layer(OpType::kSigmoid, "sigmoid", {z}, NoAttrs{}, {"y"}).value()->output(0);
  EXPECT_TRUE(net->mark_output(y).is_ok());
  return net;
}

Result<CalibrationReport> calibrate(const Network& net, Calibrator& calibrator,
                                    const std::string& backend) {
  BuilderConfig config;
  config.set_backend(backend);
  config.set_flag(BuilderFlag::kInt8);
  config.set_int8_calibrator(&calibrator);
  return Builder().calibrate(net, config);
}

void expect_same_ranges(const CalibrationReport& a, const CalibrationReport& b) {
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    EXPECT_EQ(a.tensors[i].name, b.tensors[i].name);
    EXPECT_EQ(a.tensors[i].amax, b.tensors[i].amax) << a.tensors[i].name;
  }
}

TEST(DeviceCalibration, HistogramsBuiltOnTheDeviceGiveTheCpuRanges) {
  testing::fake_device();
  auto net = small_mlp();
  const auto batches = testing::normal_batches(5, 8 * 16, 1.5f, 7);
  for (CalibrationAlgorithm algorithm :
       {CalibrationAlgorithm::kEntropy2, CalibrationAlgorithm::kMinMax,
        CalibrationAlgorithm::kPercentile}) {
    MemoryCalibrator on_cpu(algorithm, 8, batches), on_device(algorithm, 8, batches);
    auto cpu = calibrate(*net, on_cpu, "cpu");
    auto device = calibrate(*net, on_device, "fake_device");
    ASSERT_TRUE(cpu.is_ok()) << cpu.status().to_string();
    ASSERT_TRUE(device.is_ok()) << device.status().to_string();
    EXPECT_GE(device->tensors.size(), 4u);
    expect_same_ranges(*device, *cpu);
  }
}

// Batches handed in device memory (as TensorRT's get_batch does).
class DeviceBatches : public MemoryCalibrator {
 public:
  using MemoryCalibrator::MemoryCalibrator;
  TensorLocation batch_location() const override { return TensorLocation::kDevice; }
  Result<bool> get_batch(std::span<const std::string> names,
                         std::span<const void*> bindings) override {
    const void* host[1] = {nullptr};
    INT8RT_ASSIGN_OR_RETURN(bool more, MemoryCalibrator::get_batch(names, host));
    if (!more) return false;
    const size_t bytes = 8 * 16 * sizeof(float);
    if (device_ == nullptr) {
      INT8RT_ASSIGN_OR_RETURN(device_, testing::fake_device().allocate(bytes, "batch"));
    }
    std::memcpy(device_.get(), host[0], bytes);
    bindings[0] = device_.get();
    return true;
  }

 private:
  Buffer device_;
};

TEST(DeviceCalibration, BatchesInDeviceMemory) {
  testing::fake_device();
  auto net = small_mlp();
  const auto batches = testing::normal_batches(4, 8 * 16, 1.0f, 9);
  MemoryCalibrator host(CalibrationAlgorithm::kEntropy2, 8, batches);
  DeviceBatches device(CalibrationAlgorithm::kEntropy2, 8, batches);
  auto from_host = calibrate(*net, host, "fake_device");
  auto from_device = calibrate(*net, device, "fake_device");
  ASSERT_TRUE(from_host.is_ok()) << from_host.status().to_string();
  ASSERT_TRUE(from_device.is_ok()) << from_device.status().to_string();
  expect_same_ranges(*from_device, *from_host);

  DeviceBatches refused(CalibrationAlgorithm::kEntropy2, 8, batches);
  auto on_cpu = calibrate(*net, refused, "cpu");
  ASSERT_FALSE(on_cpu.is_ok());
  EXPECT_NE(on_cpu.status().message().find("batches in device memory"), std::string::npos)
      << on_cpu.status().message();
}

}  // namespace
}  // namespace int8rt
