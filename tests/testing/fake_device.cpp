#include "testing/fake_device.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

namespace int8rt::testing {

namespace {

std::mutex allocations_mutex;
std::map<const std::byte*, size_t> allocations;  // start -> bytes
std::atomic<int> runs{0};

bool is_device(const void* p, size_t bytes) {
  const auto* b = static_cast<const std::byte*>(p);
  std::lock_guard<std::mutex> lock(allocations_mutex);
  auto it = allocations.upper_bound(b);
  if (it == allocations.begin()) return false;
  --it;
  return b >= it->first && b + bytes <= it->first + it->second;
}

Status check_side(const void* p, size_t bytes, TensorLocation location, std::string_view what) {
  if (p == nullptr && bytes == 0) return Status::ok();
  if ((location == TensorLocation::kDevice) != is_device(p, bytes)) {
    return internal_error(what, ": ", bytes, " bytes at ", p, " are not ", to_string(location),
                          " memory");
  }
  return Status::ok();
}

class FakeStream final : public StreamState {
 public:
  Status begin(void*) override {
    ++runs;
    return Status::ok();
  }
  Status end() override { return Status::ok(); }
  Status synchronize() override { return Status::ok(); }
};

// Relu on device memory (plain float32).
class FakeRelu final : public Kernel {
 public:
  explicit FakeRelu(int64_t count) : count_(count) {}
  std::string name() const override { return "fake_device.relu"; }
  Status execute(const KernelIo& io) const override {
    const size_t bytes = static_cast<size_t>(count_) * sizeof(float);
    INT8RT_RETURN_IF_ERROR(check_side(io.inputs[0], bytes, TensorLocation::kDevice, "relu input"));
    INT8RT_RETURN_IF_ERROR(
        check_side(io.outputs[0], bytes, TensorLocation::kDevice, "relu output"));
    if (dynamic_cast<FakeStream*>(io.stream) == nullptr) {
      return internal_error("fake_device.relu: run without the fake device's stream state");
    }
    const auto* x = static_cast<const float*>(io.inputs[0]);
    auto* y = static_cast<float*>(io.outputs[0]);
    for (int64_t i = 0; i < count_; ++i)
      y[i] = x[i] > 0.0f ? x[i] : 0.0f;
    return Status::ok();
  }

 private:
  int64_t count_;
};

class FakeTransfer final : public Kernel {
 public:
  FakeTransfer(size_t bytes, TensorLocation from, TensorLocation to)
      : bytes_(bytes), from_(from), to_(to) {}
  std::string name() const override { return "fake_device.transfer"; }
  Status execute(const KernelIo& io) const override {
    INT8RT_RETURN_IF_ERROR(check_side(io.inputs[0], bytes_, from_, "transfer source"));
    INT8RT_RETURN_IF_ERROR(check_side(io.outputs[0], bytes_, to_, "transfer destination"));
    std::memcpy(io.outputs[0], io.inputs[0], bytes_);
    return Status::ok();
  }

 private:
  size_t bytes_;
  TensorLocation from_, to_;
};

// Bins on the host, after checking that the values are device memory (the GPU backend bins
// where the values are).
class FakeCollector final : public HistogramCollector {
 public:
  explicit FakeCollector(size_t count) : histograms_(count) {}
  Status add(size_t index, const void* values, size_t count) override {
    INT8RT_RETURN_IF_ERROR(
        check_side(values, count * sizeof(float), TensorLocation::kDevice, "histogram values"));
    histograms_.at(index).add({static_cast<const float*>(values), count});
    return Status::ok();
  }
  Result<std::vector<calib::Histogram>> histograms() override { return histograms_; }

 private:
  std::vector<calib::Histogram> histograms_;
};

class FakeDevice final : public Backend {
 public:
  std::string_view name() const override { return "fake_device"; }
  const BackendInfo& info() const override {
    static const BackendInfo info = [] {
      BackendInfo i;
      i.name = "fake_device";
      i.available = true;
      i.device = "host memory posing as a device (tests)";
      i.location = TensorLocation::kDevice;
      i.int8_path = "none";
      return i;
    }();
    return info;
  }
  TensorLocation memory_space() const override { return TensorLocation::kDevice; }
  std::string_view fallback() const override { return "cpu"; }
  bool supports(const Layer& layer, DataType precision) const override {
    return precision == DataType::kFloat && layer.type() == OpType::kRelu;
  }
  Result<KernelPtr> create_kernel(const KernelRequest& request) const override {
    const Layer& layer = request.layer;
    if (layer.type() != OpType::kRelu || layer.input(0)->dtype() != DataType::kFloat) {
      return KernelPtr();
    }
    return KernelPtr(std::make_unique<FakeRelu>(layer.output(0)->dims().volume()));
  }
  Result<KernelPtr> create_transfer(DataType dtype, const Dims& dims, TensorLocation from,
                                    TensorLocation to) const override {
    return KernelPtr(std::make_unique<FakeTransfer>(
        static_cast<size_t>(dims.volume()) * element_size(dtype), from, to));
  }
  Result<Buffer> allocate(size_t bytes, std::string_view what) const override {
    INT8RT_ASSIGN_OR_RETURN(Buffer host, allocate_host(bytes, what));
    std::byte* p = host.release();
    {
      std::lock_guard<std::mutex> lock(allocations_mutex);
      allocations[p] = bytes == 0 ? 1 : bytes;
    }
    return Buffer(p, BufferDeleter{[](void* q) {
                    {
                      std::lock_guard<std::mutex> lock(allocations_mutex);
                      allocations.erase(static_cast<std::byte*>(q));
                    }
                    std::free(q);
                  }});
  }
  Status copy(void* dst, TensorLocation dst_space, const void* src, TensorLocation src_space,
              size_t bytes, StreamState*) const override {
    INT8RT_RETURN_IF_ERROR(check_side(dst, bytes, dst_space, "copy destination"));
    INT8RT_RETURN_IF_ERROR(check_side(src, bytes, src_space, "copy source"));
    if (bytes != 0) std::memcpy(dst, src, bytes);
    return Status::ok();
  }
  Status check_address(const void* address, TensorLocation location, size_t bytes) const override {
    if (address == nullptr) return invalid_argument("the address is null");
    if (location == TensorLocation::kDevice && !is_device(address, bytes)) {
      return invalid_argument("the address is host memory, not the device's");
    }
    return Status::ok();
  }
  Result<std::unique_ptr<StreamState>> create_stream_state() const override {
    return std::unique_ptr<StreamState>(std::make_unique<FakeStream>());
  }
  Result<std::unique_ptr<HistogramCollector>> create_histogram_collector(
      size_t count) const override {
    return std::unique_ptr<HistogramCollector>(std::make_unique<FakeCollector>(count));
  }
  std::string plan_target() const override { return "fake-1"; }
  Status check_plan_target(std::string_view target) const override {
    if (target != "fake-1") return unsupported("the plan is for fake device ", target);
    return Status::ok();
  }
};

}  // namespace

const Backend& fake_device() {
  static const FakeDevice instance;
  static const bool registered = [] {
    Status status = register_backend(instance);
    return status.is_ok();
  }();
  (void)registered;
  return instance;
}

bool is_fake_device_memory(const void* p, size_t bytes) {
  return is_device(p, bytes);
}

int fake_device_runs() {
  return runs;
}

}  // namespace int8rt::testing
