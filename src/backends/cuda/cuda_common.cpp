#include "backends/cuda/cuda_common.h"

namespace int8rt::cuda {

Status cuda_status(cudaError_t error, std::string_view what) {
  if (error == cudaSuccess) return Status::ok();
  // Clears the thread's last error, so that it is not reported again by a later, unrelated
  // check_launch (an error that broke the context stays: every later call returns it).
  (void)cudaGetLastError();
  const std::string text =
      std::string(what) + ": " + cudaGetErrorName(error) + ": " + cudaGetErrorString(error);
  switch (error) {
    case cudaErrorMemoryAllocation:
      return resource_exhausted(text);
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorNoKernelImageForDevice:
      return unsupported(text);
    case cudaErrorInvalidValue:
    case cudaErrorInvalidResourceHandle:
      return invalid_argument(text);
    default:
      return internal_error(text);
  }
}

Status check_launch(std::string_view kernel) {
  return cuda_status(cudaGetLastError(), std::string(kernel) + ": cudaLaunchKernel");
}

const Device& device() {
  static const Device instance = [] {
    Device d;
    if (cudaGetDeviceProperties(&d.properties, d.ordinal) != cudaSuccess) {
      (void)cudaGetLastError();
      d.properties = cudaDeviceProp{};
    }
    return d;
  }();
  return instance;
}

ScopedDevice::ScopedDevice() {
  if (cudaGetDevice(&previous_) != cudaSuccess) previous_ = -1;
  if (previous_ != device().ordinal)
    status_ = cuda_status(cudaSetDevice(device().ordinal), "cudaSetDevice");
}

ScopedDevice::~ScopedDevice() {
  if (previous_ >= 0 && previous_ != device().ordinal) (void)cudaSetDevice(previous_);
}

// ------------------------------------------------------------------ layouts

size_t CudaLayout::byte_size() const {
  switch (kind_) {
    case Kind::kHalf:
      return static_cast<size_t>(dims_.volume()) * 2;
    case Kind::kNhwc:
      return static_cast<size_t>(dims_[0] * padded_channels() * dims_[2] * dims_[3]);
  }
  return 0;
}

bool CudaLayout::equals(const LayoutDesc& other) const {
  const auto* that = dynamic_cast<const CudaLayout*>(&other);
  return that != nullptr && that->kind_ == kind_ && that->dims_ == dims_ &&
         (kind_ != Kind::kNhwc || that->c_align_ == c_align_);
}

std::string CudaLayout::to_string() const {
  switch (kind_) {
    case Kind::kHalf:
      return "half";
    case Kind::kNhwc:
      return "nhwc" + std::to_string(c_align_);
  }
  return "?";
}

const CudaLayout* cuda_layout(const Layout& layout) {
  return layout.is_plain() ? nullptr : dynamic_cast<const CudaLayout*>(layout.desc());
}

int int8_channel_align(int64_t channels) {
  return channels <= 4 ? 4 : 16;
}

Layout int8_activation_layout(const Dims& dims) {
  if (dims.rank() != 4) return Layout();
  const int align = int8_channel_align(dims[1]);
  // N · 1 · 1 · C with C a multiple of the alignment is the plain layout byte for byte.
  if (dims[2] == 1 && dims[3] == 1 && dims[1] % align == 0) return Layout();
  return Layout(std::make_shared<CudaLayout>(CudaLayout::Kind::kNhwc, dims, align));
}

Layout half_layout(const Dims& dims) {
  return Layout(std::make_shared<CudaLayout>(CudaLayout::Kind::kHalf, dims));
}

bool is_half(const Layout& layout) {
  const CudaLayout* cuda = cuda_layout(layout);
  return cuda != nullptr && cuda->kind() == CudaLayout::Kind::kHalf;
}

// ------------------------------------------------------------------ stream state

Result<std::unique_ptr<CudaStream>> CudaStream::create() {
  std::unique_ptr<CudaStream> state(new CudaStream());
  const ScopedDevice scoped;
  INT8RT_RETURN_IF_ERROR(scoped.status());
  INT8RT_CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&state->own_, cudaStreamNonBlocking),
                              "cudaStreamCreateWithFlags");
  INT8RT_CUDA_RETURN_IF_ERROR(cudaEventCreateWithFlags(&state->done_, cudaEventDisableTiming),
                              "cudaEventCreateWithFlags");
  state->current_ = state->own_;
  state->last_ = state->own_;
  return state;
}

Result<cudnnHandle_t> CudaStream::cudnn() {
  if (cudnn_ == nullptr) {
    INT8RT_RETURN_IF_ERROR(cudnn_status(cudnnCreate(&cudnn_), "cudnnCreate"));
  }
  INT8RT_RETURN_IF_ERROR(cudnn_status(cudnnSetStream(cudnn_, current_), "cudnnSetStream"));
  return cudnn_;
}

Result<cublasLtHandle_t> CudaStream::cublas_lt() {
  if (cublas_lt_ == nullptr) {
    INT8RT_RETURN_IF_ERROR(cublas_status(cublasLtCreate(&cublas_lt_), "cublasLtCreate"));
  }
  return cublas_lt_;
}

CudaStream::~CudaStream() {
  const ScopedDevice scoped;
  if (cudnn_ != nullptr) (void)cudnnDestroy(cudnn_);
  if (cublas_lt_ != nullptr) (void)cublasLtDestroy(cublas_lt_);
  if (done_ != nullptr) (void)cudaEventDestroy(done_);
  if (own_ != nullptr) (void)cudaStreamDestroy(own_);
}

Status CudaStream::begin(void* stream) {
  if (cudaGetDevice(&caller_device_) != cudaSuccess) caller_device_ = -1;
  INT8RT_CUDA_RETURN_IF_ERROR(cudaSetDevice(device().ordinal), "cudaSetDevice");
  cudaStream_t wanted = stream != nullptr ? static_cast<cudaStream_t>(stream) : own_;
  if (stream != nullptr) {
    int stream_device = -1;
    INT8RT_CUDA_RETURN_IF_ERROR(cudaStreamGetDevice(wanted, &stream_device),
                                "enqueue: the stream given (cudaStreamGetDevice)");
    if (stream_device != device().ordinal) {
      return invalid_argument("enqueue: the stream given belongs to CUDA device ", stream_device,
                              "; the engine runs on device ", device().ordinal);
    }
  }
  if (ran_ && wanted != last_) {
    const cudaError_t query = cudaEventQuery(done_);
    if (query == cudaErrorNotReady) {
      return invalid_argument(
          "enqueue: the execution context is still running on another stream; wait for that "
          "stream (or synchronize()) first, or use one context per stream");
    }
    INT8RT_CUDA_RETURN_IF_ERROR(query, "cudaEventQuery");
  }
  current_ = wanted;
  return Status::ok();
}

Status CudaStream::end() {
  Status status = cuda_status(cudaEventRecord(done_, current_), "cudaEventRecord");
  last_ = current_;
  ran_ = true;
  if (caller_device_ >= 0 && caller_device_ != device().ordinal) {
    (void)cudaSetDevice(caller_device_);
  }
  return status;
}

// Everything issued on the current stream (the run's kernels and the copies after them), and on
// the previous run's stream when that was another one.
Status CudaStream::synchronize() {
  const ScopedDevice scoped;
  INT8RT_RETURN_IF_ERROR(scoped.status());
  const char* what = "cudaStreamSynchronize (a kernel failed while the run was in flight)";
  if (last_ != current_) INT8RT_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(last_), what);
  return cuda_status(cudaStreamSynchronize(current_), what);
}

namespace {

class CudaTimer final : public StreamState::Timer {
 public:
  CudaTimer(const CudaStream& stream, size_t runs) : stream_(stream), events_(2 * runs, nullptr) {}
  ~CudaTimer() override {
    for (cudaEvent_t e : events_) {
      if (e != nullptr) (void)cudaEventDestroy(e);
    }
  }
  Status create() {
    for (cudaEvent_t& e : events_)
      INT8RT_CUDA_RETURN_IF_ERROR(cudaEventCreate(&e), "cudaEventCreate");
    return Status::ok();
  }
  Status start(size_t run) override { return record(2 * run); }
  Status stop(size_t run) override { return record(2 * run + 1); }
  Result<std::vector<double>> elapsed() override {
    std::vector<double> milliseconds;
    for (size_t i = 0; i + 1 < events_.size(); i += 2) {
      float ms = 0.0f;
      INT8RT_CUDA_RETURN_IF_ERROR(cudaEventElapsedTime(&ms, events_[i], events_[i + 1]),
                                  "cudaEventElapsedTime");
      milliseconds.push_back(ms);
    }
    return milliseconds;
  }

 private:
  Status record(size_t index) {
    if (index >= events_.size())
      return internal_error("timer: run ", index / 2, " of ", events_.size() / 2);
    return cuda_status(cudaEventRecord(events_[index], stream_.stream()), "cudaEventRecord");
  }
  const CudaStream& stream_;
  std::vector<cudaEvent_t> events_;
};

}  // namespace

Result<std::unique_ptr<StreamState::Timer>> CudaStream::create_timer(size_t runs) {
  auto timer = std::make_unique<CudaTimer>(*this, runs);
  INT8RT_RETURN_IF_ERROR(timer->create());
  return std::unique_ptr<Timer>(std::move(timer));
}

Result<CudaStream*> cuda_stream_of(const KernelIo& io, std::string_view kernel) {
  auto* state = dynamic_cast<CudaStream*>(io.stream);
  if (state == nullptr) {
    return internal_error(kernel, ": run without a CUDA stream (a CUDA kernel runs only inside an ",
                          "execution context of a cuda engine)");
  }
  return state;
}

Result<cudaStream_t> stream_of(const KernelIo& io, std::string_view kernel) {
  INT8RT_ASSIGN_OR_RETURN(CudaStream * state, cuda_stream_of(io, kernel));
  return state->stream();
}

Status cudnn_status(cudnnStatus_t status, std::string_view what) {
  if (status == CUDNN_STATUS_SUCCESS) return Status::ok();
  const std::string text = std::string(what) + ": " + cudnnGetErrorString(status);
  if (status == CUDNN_STATUS_ALLOC_FAILED) return resource_exhausted(text);
  if (status == CUDNN_STATUS_NOT_SUPPORTED) return unsupported(text);
  return internal_error(text);
}

Status cublas_status(cublasStatus_t status, std::string_view what) {
  if (status == CUBLAS_STATUS_SUCCESS) return Status::ok();
  const std::string text =
      std::string(what) + ": cuBLAS status " + std::to_string(static_cast<int>(status));
  if (status == CUBLAS_STATUS_ALLOC_FAILED) return resource_exhausted(text);
  if (status == CUBLAS_STATUS_NOT_SUPPORTED) return unsupported(text);
  return internal_error(text);
}

// ------------------------------------------------------------------ kernels

Status CudaKernel::execute(const KernelIo& io) const {
  INT8RT_ASSIGN_OR_RETURN(cudaStream_t stream, stream_of(io, name_));
  Status status = launch(io, stream);
  if (status.is_ok()) status = check_launch(name_);
  return status;
}

Result<Window2> window2_of(const Layer& layer, const std::vector<int64_t>& kernel,
                           const std::vector<int64_t>& strides, const std::vector<int64_t>& pads,
                           const std::vector<int64_t>& dilations) {
  const Dims& x = layer.input(0)->dims();
  const Dims& y = layer.output(0)->dims();
  if (x.rank() != 4 || y.rank() != 4 || kernel.size() != 2) {
    return unsupported(to_string(layer.type()), " \"", layer.name(),
                       "\": the CUDA kernel takes 2-D windows (NCHW), got input ", x.to_string());
  }
  auto at = [](const std::vector<int64_t>& v, size_t i, int64_t fallback) {
    return i < v.size() ? v[i] : fallback;
  };
  Window2 g;
  g.n = x[0];
  g.c = x[1];
  g.ih = x[2];
  g.iw = x[3];
  g.oh = y[2];
  g.ow = y[3];
  g.kh = kernel[0];
  g.kw = kernel[1];
  g.sh = at(strides, 0, 1);
  g.sw = at(strides, 1, 1);
  g.dh = at(dilations, 0, 1);
  g.dw = at(dilations, 1, 1);
  g.pt = at(pads, 0, 0);
  g.pl = at(pads, 1, 0);
  g.pb = at(pads, 2, 0);
  g.pr = at(pads, 3, 0);
  return g;
}

Result<Buffer> allocate_device(size_t bytes, std::string_view what) {
  const ScopedDevice scoped;
  INT8RT_RETURN_IF_ERROR(scoped.status());
  const size_t rounded = bytes == 0 ? 256 : (bytes + 255) / 256 * 256;
  void* p = nullptr;
  const cudaError_t error = cudaMalloc(&p, rounded);
  if (error == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();
    size_t free = 0, total = 0;
    (void)cudaMemGetInfo(&free, &total);
    return resource_exhausted("out of GPU memory: ", rounded, " bytes for ", what, " (", free,
                              " of ", total, " bytes free on ", device().properties.name, ")");
  }
  INT8RT_CUDA_RETURN_IF_ERROR(error, "cudaMalloc for " + std::string(what));
  return Buffer(static_cast<std::byte*>(p), BufferDeleter{[](void* q) {
                  const ScopedDevice freeing;
                  (void)cudaFree(q);
                }});
}

Result<DeviceArray> DeviceArray::upload(const void* host, size_t bytes, std::string_view what) {
  INT8RT_ASSIGN_OR_RETURN(Buffer buffer, allocate_device(bytes, what));
  if (bytes != 0) {
    const ScopedDevice scoped;
    INT8RT_CUDA_RETURN_IF_ERROR(cudaMemcpy(buffer.get(), host, bytes, cudaMemcpyHostToDevice),
                                "cudaMemcpy of " + std::string(what));
    // From pageable memory cudaMemcpy may return before the DMA lands, on the legacy stream that
    // the contexts' non-blocking streams do not wait for: wait here, once per upload.
    INT8RT_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(cudaStreamLegacy),
                                "cudaStreamSynchronize after uploading " + std::string(what));
  }
  DeviceArray array;
  array.buffer_ = std::shared_ptr<std::byte>(buffer.release(), buffer.get_deleter());
  return array;
}

}  // namespace int8rt::cuda
