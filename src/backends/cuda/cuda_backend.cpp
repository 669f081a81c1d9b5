// The CUDA backend as a registered Backend: one NVIDIA GPU's memory, its kernels, the CPU backend
// as its fallback.
#include <cstdio>
#include <cstring>

#include "backends/cuda/cuda_common.h"
#include "backends/cuda/cuda_kernels.h"
#include "ir/quantization.h"

namespace int8rt::cuda {

namespace {

// The oldest GPU this build has machine code or PTX for (CMAKE_CUDA_ARCHITECTURES).
constexpr int kMinComputeCapability = INT8RT_CUDA_MIN_ARCH;

std::string capability_name(int cc) {
  return "sm_" + std::to_string(cc);
}

BackendInfo detect() {
  BackendInfo info;
  info.name = "cuda";
  info.location = TensorLocation::kDevice;
  // No driver at all reads as "insufficient driver" to the runtime: tell the two apart.
  int driver = 0;
  (void)cudaDriverGetVersion(&driver);
  auto version = [](int v) {
    return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
  };
  if (driver == 0) {
    info.reason = "no NVIDIA driver on this machine (libcuda not found)";
    return info;
  }
  // CUDA's minor version compatibility: any driver of the toolkit's major version runs it.
  if (driver / 1000 < CUDART_VERSION / 1000) {
    info.reason = "the NVIDIA driver supports CUDA " + version(driver) +
                  "; this int8rt was built with CUDA " + version(CUDART_VERSION) +
                  " and needs a driver of that major version or newer";
    return info;
  }
  int count = 0;
  const cudaError_t error = cudaGetDeviceCount(&count);
  if (error != cudaSuccess || count == 0) {
    (void)cudaGetLastError();
    info.reason = error != cudaSuccess
                      ? std::string("no usable CUDA device: cudaGetDeviceCount: ") +
                            cudaGetErrorName(error) + ": " + cudaGetErrorString(error)
                      : "no CUDA device on this machine";
    return info;
  }
  const Device& d = device();
  const int cc = d.compute_capability();
  char memory[32];
  std::snprintf(memory, sizeof memory, "%.0f GiB",
                static_cast<double>(d.properties.totalGlobalMem) / (1024.0 * 1024 * 1024));
  info.device = std::string(d.properties.name) + " (compute capability " +
                std::to_string(d.properties.major) + "." + std::to_string(d.properties.minor) +
                ", " + std::to_string(d.properties.multiProcessorCount) + " SMs, " + memory + ")";
  if (cc < kMinComputeCapability) {
    info.reason = info.device + " is older than " + capability_name(kMinComputeCapability) +
                  ", the oldest GPU this int8rt was compiled for";
    return info;
  }
  info.available = true;
  // TensorRT's rules: INT8 from compute capability 6.1 (DP4A), on tensor cores from 7.2; FP16
  // fast on 5.3, 6.0, 6.2 and from 7.0.
  info.int8 = cc >= 61 ? Int8Speed::kFast : Int8Speed::kNone;
  info.int8_path = std::string(d.properties.name) + " " + capability_name(cc) +
                   (cc >= 72   ? " (fast: INT8 tensor cores)"
                    : cc >= 61 ? " (fast: DP4A)"
                               : "");
  info.fast_fp16 = cc == 53 || cc == 60 || cc == 62 || cc >= 70;
  return info;
}

class CudaBackend final : public Backend {
 public:
  std::string_view name() const override { return "cuda"; }

  const BackendInfo& info() const override {
    static const BackendInfo info = detect();
    return info;
  }

  TensorLocation memory_space() const override { return TensorLocation::kDevice; }
  std::string_view fallback() const override { return "cpu"; }

  bool supports(const Layer& layer, DataType precision) const override {
    if (precision == DataType::kInt8) return supports_int8(layer);
    return true;  // float layers: a CUDA kernel, or the CPU backend with transfers
  }

  Result<KernelPtr> create_kernel(const KernelRequest& request) const override {
    const Layer& layer = request.layer;
    const bool int8 = has_int8_data_input(layer);
    switch (layer.type()) {
      case OpType::kQuantize:
        return make_quantize(request);
      case OpType::kDequantize:
        return make_dequantize(request);
      case OpType::kConv:
        return int8 ? make_int8_conv(request) : make_conv(request);
      case OpType::kGemm:
      case OpType::kMatMul:
        return int8 ? make_int8_gemm(request) : make_gemm(request);
      case OpType::kMaxPool:
      case OpType::kAveragePool:
      case OpType::kGlobalAveragePool:
      case OpType::kGlobalMaxPool:
        return int8 ? make_int8_pooling(request) : make_pooling(request);
      case OpType::kAdd:
        return int8 ? make_int8_add(request) : make_binary(request);
      case OpType::kConcat:
        return int8 ? make_int8_concat(request) : make_concat(request);
      case OpType::kReshape:
      case OpType::kFlatten:
      case OpType::kSqueeze:
      case OpType::kUnsqueeze:
      case OpType::kIdentity:
        return make_copy(request);
      case OpType::kTranspose:
        return make_transpose(request);
      default:
        break;
    }
    if (int8) return KernelPtr();
    switch (layer.type()) {
      case OpType::kSub:
      case OpType::kMul:
      case OpType::kDiv:
      case OpType::kPow:
      case OpType::kMax:
      case OpType::kMin:
        return make_binary(request);
      case OpType::kRelu:
      case OpType::kLeakyRelu:
      case OpType::kClip:
      case OpType::kSigmoid:
      case OpType::kTanh:
      case OpType::kHardSigmoid:
      case OpType::kHardSwish:
      case OpType::kElu:
      case OpType::kSoftplus:
      case OpType::kAbs:
      case OpType::kNeg:
      case OpType::kSqrt:
      case OpType::kReciprocal:
      case OpType::kExp:
      case OpType::kLog:
      case OpType::kFloor:
      case OpType::kCeil:
      case OpType::kErf:
        return make_unary(request);
      case OpType::kSoftmax:
      case OpType::kLogSoftmax:
        return make_softmax(request);
      case OpType::kBatchNormalization:
        return make_batchnorm(request);
      case OpType::kReduceMean:
      case OpType::kReduceSum:
      case OpType::kReduceMax:
      case OpType::kReduceMin:
        return make_reduce(request);
      case OpType::kResize:
        return make_resize(request);
      case OpType::kSlice:
        return make_slice(request);
      default:
        return KernelPtr();
    }
  }

  Result<KernelPtr> create_reorder(DataType dtype, const Dims& dims, const Layout& from,
                                   const Layout& to) const override {
    return make_reorder(dtype, dims, from, to);
  }

  Result<KernelPtr> create_transfer(DataType dtype, const Dims& dims, TensorLocation from,
                                    TensorLocation to) const override {
    return make_transfer(dtype, dims, from, to);
  }

  Result<Buffer> allocate(size_t bytes, std::string_view what) const override {
    return allocate_device(bytes, what);
  }

  Status copy(void* dst, TensorLocation dst_space, const void* src, TensorLocation src_space,
              size_t bytes, StreamState* stream) const override {
    if (bytes == 0) return Status::ok();
    const cudaMemcpyKind kind =
        dst_space == TensorLocation::kHost
            ? (src_space == TensorLocation::kHost ? cudaMemcpyHostToHost : cudaMemcpyDeviceToHost)
            : (src_space == TensorLocation::kHost ? cudaMemcpyHostToDevice
                                                  : cudaMemcpyDeviceToDevice);
    auto* cuda_stream = dynamic_cast<CudaStream*>(stream);
    if (cuda_stream == nullptr) {
      // Ordered before every later run: the copy completes before this returns.
      const ScopedDevice scoped;
      INT8RT_RETURN_IF_ERROR(scoped.status());
      INT8RT_CUDA_RETURN_IF_ERROR(cudaMemcpy(dst, src, bytes, kind), "cudaMemcpy");
      return cuda_status(cudaStreamSynchronize(cudaStreamLegacy), "cudaStreamSynchronize");
    }
    return cuda_status(cudaMemcpyAsync(dst, src, bytes, kind, cuda_stream->stream()),
                       "cudaMemcpyAsync");
  }

  Status check_address(const void* address, TensorLocation location, size_t bytes) const override {
    if (address == nullptr) return invalid_argument("the address is null");
    if (location != TensorLocation::kDevice) return Status::ok();
    cudaPointerAttributes attributes{};
    const cudaError_t error = cudaPointerGetAttributes(&attributes, address);
    if (error != cudaSuccess) {
      (void)cudaGetLastError();
      return cuda_status(error, "cudaPointerGetAttributes");
    }
    if (attributes.type != cudaMemoryTypeDevice && attributes.type != cudaMemoryTypeManaged) {
      return invalid_argument("the address is ",
                              attributes.type == cudaMemoryTypeHost ? "pinned host" : "host",
                              " memory; a cuda engine's inputs and outputs are in device memory "
                              "(execute() takes host buffers)");
    }
    if (attributes.device != device().ordinal) {
      return invalid_argument("the address is memory of CUDA device ", attributes.device,
                              "; the engine runs on device ", device().ordinal);
    }
    if (reinterpret_cast<uintptr_t>(address) % 16 != 0) {
      return invalid_argument("the address ", address,
                              " is not 16-byte aligned (int8rt's kernels read whole vectors)");
    }
    (void)bytes;
    return Status::ok();
  }

  Result<std::unique_ptr<StreamState>> create_stream_state() const override {
    INT8RT_ASSIGN_OR_RETURN(std::unique_ptr<CudaStream> state, CudaStream::create());
    return std::unique_ptr<StreamState>(std::move(state));
  }

  Result<std::unique_ptr<HistogramCollector>> create_histogram_collector(
      size_t count) const override {
    return make_histogram_collector(count);
  }

  std::string plan_target() const override {
    return capability_name(device().compute_capability());
  }

  Status check_plan_target(std::string_view target) const override {
    int cc = 0;
    if (target.size() < 4 || target.substr(0, 3) != "sm_" ||
        std::sscanf(std::string(target.substr(3)).c_str(), "%d", &cc) != 1) {
      return parse_error("the plan's target \"", target, "\" is not a GPU (sm_XY)");
    }
    const int here = device().compute_capability();
    if (cc > here) {
      return unsupported("the plan was built for ", target, "; this GPU (",
                         device().properties.name, ") is ", capability_name(here),
                         ": build the engine again here");
    }
    return Status::ok();
  }

 private:
  static bool has_int8_data_input(const Layer& layer) {
    for (int i = 0; i < layer.num_inputs(); ++i) {
      const Tensor* t = layer.input(i);
      if (t != nullptr && !t->is_constant() && ir::is_quantized(t)) return true;
    }
    return false;
  }
};

}  // namespace

// The INT8 kernels of int8_*.cu: 2-D Conv (any groups, strides, pads, dilations, fused
// activation, int8 residual), Gemm and MatMul with constant weights, 2-D max and average pooling,
// GlobalAveragePool, Add, Concat, the reformats, and the data movement that copies bytes.
bool supports_int8(const Layer& layer) {
  auto rank = [&](int index) {
    return index < layer.num_inputs() && layer.input(index) != nullptr
               ? layer.input(index)->dims().rank()
               : 0;
  };
  auto constant = [&](int index) {
    return index < layer.num_inputs() && layer.input(index) != nullptr &&
           layer.input(index)->is_constant();
  };
  auto absent_or_constant = [&](int index) {
    return index >= layer.num_inputs() || layer.input(index) == nullptr || constant(index);
  };
  switch (layer.type()) {
    case OpType::kConv:
      return rank(0) == 4 && constant(1) && absent_or_constant(2);
    case OpType::kGemm: {
      // C a per-column bias: absent, or a constant broadcasting along the rows ([N], [1, N] or
      // one value), as the reference's INT8 Gemm takes it.
      if (rank(0) != 2 || !constant(1) || !absent_or_constant(2)) return false;
      if (layer.num_inputs() < 3 || layer.input(2) == nullptr) return true;
      const Dims& c = layer.input(2)->dims();
      return c.rank() <= 1 || (c.rank() == 2 && c[0] == 1);
    }
    case OpType::kMatMul:
      return rank(0) >= 2 && constant(1) && rank(1) == 2;
    case OpType::kMaxPool:
      return rank(0) == 4 && (layer.num_outputs() == 1 || layer.output(1) == nullptr);
    case OpType::kAveragePool:
    case OpType::kGlobalAveragePool:
      return rank(0) == 4;
    case OpType::kAdd:
      return layer.output(0)->dims().rank() <= 8;
    case OpType::kConcat:
      return layer.num_inputs() <= 32;
    case OpType::kTranspose:
      return rank(0) <= 8;
    case OpType::kQuantize:
    case OpType::kDequantize:
    case OpType::kReshape:
    case OpType::kFlatten:
    case OpType::kSqueeze:
    case OpType::kUnsqueeze:
      return true;
    default:
      return false;
  }
}

const Backend& backend() {
  static const CudaBackend instance;
  return instance;
}

}  // namespace int8rt::cuda
