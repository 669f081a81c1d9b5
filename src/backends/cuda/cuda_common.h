// What every CUDA kernel family shares: error checks that name the layer and the CUDA call, the
// backend's layouts, the per-context stream state, and a kernel base class.
//
// Layouts (LayoutDesc "cuda"). Float tensors are plain (row-major, NCHW for images) float32, or
// plain-ordered FP16 ("half") when a layer runs FP16 (BuilderFlag::kFp16). INT8 activations of
// rank 4 are channels-last with the channels padded with zeros to a multiple of `c_align`
// ("nhwc<c_align>": N · H · W · C_padded), so that a pixel's channels are whole 32-bit words for
// dp4a and tensor-core loads; the layout is chosen from the shape alone
// (int8_activation_layout), so producers and consumers agree without reorders.
#pragma once

#include <cublasLt.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "backends/backend.h"
#include "backends/kernel.h"
#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt::cuda {

// "<what>: <cudaGetErrorName>: <cudaGetErrorString>" for a failed call, ok for cudaSuccess.
Status cuda_status(cudaError_t error, std::string_view what);

#define INT8RT_CUDA_RETURN_IF_ERROR(call, what)                                          \
  do {                                                                                   \
    const cudaError_t int8rt_cuda_error_ = (call);                                       \
    if (int8rt_cuda_error_ != cudaSuccess) return cuda_status(int8rt_cuda_error_, what); \
  } while (false)

// The result of the last kernel launch: "<kernel>: cudaLaunchKernel: <error>".
Status check_launch(std::string_view kernel);

// The device the backend runs on (CUDA device 0 of those visible) and its properties.
struct Device {
  int ordinal = 0;
  cudaDeviceProp properties{};
  int compute_capability() const { return properties.major * 10 + properties.minor; }
};
const Device& device();

// Makes the backend's device current for a scope and gives the calling thread its own back after
// (a user's thread working on another GPU keeps it).
class ScopedDevice {
 public:
  ScopedDevice();
  ~ScopedDevice();
  ScopedDevice(const ScopedDevice&) = delete;
  ScopedDevice& operator=(const ScopedDevice&) = delete;
  const Status& status() const { return status_; }

 private:
  int previous_ = -1;
  Status status_;
};

// ------------------------------------------------------------------ layouts

class CudaLayout final : public LayoutDesc {
 public:
  enum class Kind : uint8_t {
    kHalf,  // plain order, FP16 elements (a float32 tensor stored as half)
    kNhwc,  // int8, N · H · W · C padded to c_align (a rank-4 tensor NCHW in the graph)
  };
  CudaLayout(Kind kind, Dims dims, int c_align = 1)
      : kind_(kind), dims_(std::move(dims)), c_align_(c_align) {}

  Kind kind() const { return kind_; }
  const Dims& dims() const { return dims_; }
  int c_align() const { return c_align_; }
  // kNhwc: the channel extent in memory (C rounded up to c_align).
  int64_t padded_channels() const { return (dims_[1] + c_align_ - 1) / c_align_ * c_align_; }

  size_t byte_size() const override;
  bool equals(const LayoutDesc& other) const override;
  std::string to_string() const override;
  std::string_view backend() const override { return "cuda"; }

 private:
  Kind kind_;
  Dims dims_;
  int c_align_;
};

// The CUDA layout of `layout`, or nullptr when it is plain or another backend's.
const CudaLayout* cuda_layout(const Layout& layout);

// Where an INT8 activation of `dims` lives: NHWC with channels padded for rank 4 (plain when those
// are the plain bytes: H = W = 1 and no padding), plain otherwise.
Layout int8_activation_layout(const Dims& dims);
// A float32 tensor stored as FP16 in plain order.
Layout half_layout(const Dims& dims);
bool is_half(const Layout& layout);
// The channel alignment INT8 activations of `channels` channels get.
int int8_channel_align(int64_t channels);

// ------------------------------------------------------------------ per-context state

// One ExecutionContext's CUDA state: its own stream (what execute() and enqueue(nullptr) use), the
// stream of the current run, an event marking the end of the last run, and library handles made
// on first use. Kernels issue their work on stream().
class CudaStream final : public StreamState {
 public:
  static Result<std::unique_ptr<CudaStream>> create();
  ~CudaStream() override;

  Status begin(void* stream) override;
  Status end() override;
  Status synchronize() override;
  // CUDA events around each run, on the stream the runs are issued on.
  Result<std::unique_ptr<Timer>> create_timer(size_t runs) override;

  cudaStream_t stream() const { return current_; }
  // This context's cuDNN handle (made on first use), bound to stream().
  Result<cudnnHandle_t> cudnn();
  // This context's cuBLASLt handle (made on first use; cuBLASLt takes the stream per call).
  Result<cublasLtHandle_t> cublas_lt();

 private:
  CudaStream() = default;
  cudnnHandle_t cudnn_ = nullptr;
  cublasLtHandle_t cublas_lt_ = nullptr;
  cudaStream_t own_ = nullptr;
  cudaStream_t current_ = nullptr;
  cudaStream_t last_ = nullptr;  // the stream the last run was issued on
  cudaEvent_t done_ = nullptr;   // recorded on last_ when that run ended
  bool ran_ = false;
  int caller_device_ = -1;  // the calling thread's device, given back by end()
};

// The stream a kernel issues its work on (the context's CudaStream); an error when the caller
// gave no CUDA state (e.g. a host-side constant folder, which never runs CUDA kernels).
Result<cudaStream_t> stream_of(const KernelIo& io, std::string_view kernel);
// The context's CudaStream itself (for kernels that need its library handles).
Result<CudaStream*> cuda_stream_of(const KernelIo& io, std::string_view kernel);

// "<what>: <cudnnGetErrorString>" / "<what>: cuBLAS status <n>" for failed library calls.
Status cudnn_status(cudnnStatus_t status, std::string_view what);
Status cublas_status(cublasStatus_t status, std::string_view what);

// ------------------------------------------------------------------ kernels

// A CUDA kernel: its name ("cuda.<what>") and the launch on the context's stream.
class CudaKernel : public Kernel {
 public:
  explicit CudaKernel(std::string name) : name_(std::move(name)) {}
  std::string name() const override { return name_; }
  Status execute(const KernelIo& io) const final;

 protected:
  // Issues the work on `stream`; errors name the CUDA call (execute adds the kernel's name).
  virtual Status launch(const KernelIo& io, cudaStream_t stream) const = 0;

 private:
  std::string name_;
};

// Device memory owned by a kernel (packed weights, scales): uploaded once when it is created.
class DeviceArray {
 public:
  DeviceArray() = default;
  // A copy of `bytes` bytes at `host` in device memory; `what` names it in errors.
  static Result<DeviceArray> upload(const void* host, size_t bytes, std::string_view what);
  template <typename T>
  static Result<DeviceArray> upload(const std::vector<T>& values, std::string_view what) {
    return upload(values.data(), values.size() * sizeof(T), what);
  }
  template <typename T>
  const T* as() const {
    return reinterpret_cast<const T*>(buffer_.get());
  }
  bool empty() const { return buffer_ == nullptr; }

 private:
  std::shared_ptr<std::byte> buffer_;
};

// Device memory through the backend's allocator: cudaMalloc, with an out-of-memory error naming
// `what`, the bytes asked for and the bytes free.
Result<Buffer> allocate_device(size_t bytes, std::string_view what);

// The 2-D window of a Conv or pooling layer over an NCHW input (canonical attributes, filled in by
// shape inference): plain values, passed to kernels by value.
struct Window2 {
  int64_t n = 0, c = 0, ih = 0, iw = 0;  // input
  int64_t oh = 0, ow = 0;                // output
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  int64_t pt = 0, pl = 0, pb = 0, pr = 0;  // pads: top, left, bottom, right
};
// The window of `layer` (input 0 and output 0 of rank 4); an error naming the layer otherwise.
Result<Window2> window2_of(const Layer& layer, const std::vector<int64_t>& kernel,
                           const std::vector<int64_t>& strides, const std::vector<int64_t>& pads,
                           const std::vector<int64_t>& dilations);

// Blocks of `threads` threads covering `count` items, at most 65535 · 1024 blocks (kernels loop
// over the rest with a grid stride).
inline unsigned blocks_for(int64_t count, unsigned threads) {
  const int64_t blocks = (count + threads - 1) / threads;
  return static_cast<unsigned>(blocks < 1 ? 1 : blocks > 65535 * 1024 ? 65535 * 1024 : blocks);
}

}  // namespace int8rt::cuda
