// Float Conv (1-D, 2-D, 3-D, any groups, strides, dilations, symmetric pads) through cuDNN:
//   cudnnConvolutionForward:  y[n, m, o] = sum_{c in group(m), k} x[n, c, o * s - p + k * d]
//                                                               * w[m, c', k]
// into the output, then, when there is a bias, a residual or an activation, one elementwise
// epilogue in place:
//   y[n, m, o] = act(y[n, m, o] + b[m] + r[n, m, o])      (the reference's order)
// Layouts: x, y and r plain N · C · spatial (NCW, NCHW, NCDHW), float32 or FP16 ("half"); w is
// uploaded once as [M][C/group][k...] in the data type (float32 or FP16), b as float32. A 1-D conv
// runs as a 2-D one with H = 1 (cuDNN takes 4-D and 5-D tensors).
//
// Only the GEMM-like algorithms run (implicit GEMM, precomputed implicit GEMM, GEMM, direct): no
// FFT or Winograd, whose transforms round differently. FP32: CUDNN_FMA_MATH (no TF32). FP16: half
// x, w, y with float accumulation (pseudo-half), tensor-op math allowed; the epilogue reads the
// half result, adds in float and rounds once more to half.
#include <cuda_fp16.h>

#include <climits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/float_io.cuh"
#include "backends/cuda/quant_device.cuh"

namespace int8rt::cuda {

namespace {

constexpr unsigned kThreads = 256;
// An algorithm that needs more workspace than this is passed over (implicit GEMM needs none).
constexpr size_t kMaxWorkspace = size_t{256} << 20;

// y[i] = act(y[i] + bias[channel(i)] + r[i]) in place, channel(i) = i / plane mod channels
// (plane: the output's spatial volume). bias and r may be null.
template <typename T, typename R>
__global__ void conv_epilogue(T* __restrict__ y, const float* __restrict__ bias,
                              const R* __restrict__ r, int64_t count, int64_t plane,
                              int64_t channels, DeviceActivation act) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * blockDim.x) {
    float v = load_float(y, i);
    if (bias != nullptr) v = __fadd_rn(v, bias[i / plane % channels]);
    if (r != nullptr) v = __fadd_rn(v, load_float(r, i));
    store_float(y, i, apply_activation(v, act));
  }
}

// A cuDNN call made while creating the kernel: a configuration cuDNN declines (a bad or
// unsupported parameter) is kUnsupported, so that the layer runs on the CPU; other failures are
// errors.
Status setup_status(cudnnStatus_t status, const std::string& what) {
  const int category = CUDNN_STATUS_CATEGORY(static_cast<int>(status));
  if (category == CUDNN_STATUS_BAD_PARAM || category == CUDNN_STATUS_NOT_SUPPORTED) {
    return unsupported(what, ": ", cudnnGetErrorString(status));
  }
  return cudnn_status(status, what);
}

// One convolution's cuDNN descriptors and algorithm: made at creation, only read afterwards (so
// contexts running concurrently share them).
struct CudnnConv {
  cudnnTensorDescriptor_t x = nullptr;
  cudnnTensorDescriptor_t y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  cudnnConvolutionFwdAlgo_t algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
  size_t workspace = 0;

  CudnnConv() = default;
  CudnnConv(const CudnnConv&) = delete;
  CudnnConv& operator=(const CudnnConv&) = delete;
  ~CudnnConv() {
    if (conv != nullptr) (void)cudnnDestroyConvolutionDescriptor(conv);
    if (w != nullptr) (void)cudnnDestroyFilterDescriptor(w);
    if (y != nullptr) (void)cudnnDestroyTensorDescriptor(y);
    if (x != nullptr) (void)cudnnDestroyTensorDescriptor(x);
  }
};

// A cuDNN handle for the algorithm heuristics at creation (runs use their context's handle).
struct ScopedCudnn {
  cudnnHandle_t handle = nullptr;
  ScopedCudnn() = default;
  ScopedCudnn(const ScopedCudnn&) = delete;
  ScopedCudnn& operator=(const ScopedCudnn&) = delete;
  ~ScopedCudnn() {
    if (handle != nullptr) (void)cudnnDestroy(handle);
  }
};

// The problem in cuDNN's terms: 4-D or 5-D extents (a 1-D conv with H = 1) and per-spatial-axis
// pads, strides and dilations.
struct ConvGeometry {
  std::vector<int> x, w, y;
  std::vector<int> pads, strides, dilations;
  int group = 1;
};

std::vector<int> packed_strides(const std::vector<int>& dims) {
  std::vector<int> strides(dims.size(), 1);
  for (size_t i = dims.size() - 1; i > 0; --i)
    strides[i - 1] = strides[i] * dims[i];
  return strides;
}

bool is_allowed_algorithm(cudnnConvolutionFwdAlgo_t algo) {
  return algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM ||
         algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM ||
         algo == CUDNN_CONVOLUTION_FWD_ALGO_GEMM || algo == CUDNN_CONVOLUTION_FWD_ALGO_DIRECT;
}

// Fills `c` for the problem: descriptors (checking cuDNN's output extents against the layer's),
// then the first algorithm of cuDNN's heuristics that is allowed (see the file comment), its math
// type set on the convolution descriptor, and its workspace size.
Status describe(CudnnConv& c, const ConvGeometry& g, bool fp16, const std::string& what) {
  const cudnnDataType_t type = fp16 ? CUDNN_DATA_HALF : CUDNN_DATA_FLOAT;
  const int rank = static_cast<int>(g.x.size());
  const int spatial = rank - 2;
  INT8RT_RETURN_IF_ERROR(
      setup_status(cudnnCreateTensorDescriptor(&c.x), what + ": cudnnCreateTensorDescriptor"));
  INT8RT_RETURN_IF_ERROR(
      setup_status(cudnnCreateTensorDescriptor(&c.y), what + ": cudnnCreateTensorDescriptor"));
  INT8RT_RETURN_IF_ERROR(
      setup_status(cudnnCreateFilterDescriptor(&c.w), what + ": cudnnCreateFilterDescriptor"));
  INT8RT_RETURN_IF_ERROR(setup_status(cudnnCreateConvolutionDescriptor(&c.conv),
                                      what + ": cudnnCreateConvolutionDescriptor"));
  const std::vector<int> x_strides = packed_strides(g.x);
  const std::vector<int> y_strides = packed_strides(g.y);
  INT8RT_RETURN_IF_ERROR(
      setup_status(cudnnSetTensorNdDescriptor(c.x, type, rank, g.x.data(), x_strides.data()),
                   what + ": cudnnSetTensorNdDescriptor (input)"));
  INT8RT_RETURN_IF_ERROR(
      setup_status(cudnnSetTensorNdDescriptor(c.y, type, rank, g.y.data(), y_strides.data()),
                   what + ": cudnnSetTensorNdDescriptor (output)"));
  INT8RT_RETURN_IF_ERROR(
      setup_status(cudnnSetFilterNdDescriptor(c.w, type, CUDNN_TENSOR_NCHW, rank, g.w.data()),
                   what + ": cudnnSetFilterNdDescriptor"));
  INT8RT_RETURN_IF_ERROR(
      setup_status(cudnnSetConvolutionNdDescriptor(c.conv, spatial, g.pads.data(), g.strides.data(),
                                                   g.dilations.data(), CUDNN_CROSS_CORRELATION,
                                                   CUDNN_DATA_FLOAT),
                   what + ": cudnnSetConvolutionNdDescriptor"));
  INT8RT_RETURN_IF_ERROR(setup_status(cudnnSetConvolutionGroupCount(c.conv, g.group),
                                      what + ": cudnnSetConvolutionGroupCount"));
  INT8RT_RETURN_IF_ERROR(setup_status(
      cudnnSetConvolutionMathType(c.conv, fp16 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH),
      what + ": cudnnSetConvolutionMathType"));
  std::vector<int> out(static_cast<size_t>(rank), 0);
  INT8RT_RETURN_IF_ERROR(
      setup_status(cudnnGetConvolutionNdForwardOutputDim(c.conv, c.x, c.w, rank, out.data()),
                   what + ": cudnnGetConvolutionNdForwardOutputDim"));
  if (out != g.y) return unsupported(what, ": cuDNN's output extents differ from the layer's");

  const ScopedDevice scoped_device;
  INT8RT_RETURN_IF_ERROR(scoped_device.status());
  ScopedCudnn scoped;
  INT8RT_RETURN_IF_ERROR(cudnn_status(cudnnCreate(&scoped.handle), what + ": cudnnCreate"));
  cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
  int returned = 0;
  INT8RT_RETURN_IF_ERROR(setup_status(
      cudnnGetConvolutionForwardAlgorithm_v7(scoped.handle, c.x, c.w, c.conv, c.y,
                                             CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &returned, perf),
      what + ": cudnnGetConvolutionForwardAlgorithm_v7"));
  for (int i = 0; i < returned; ++i) {
    const cudnnConvolutionFwdAlgoPerf_t& p = perf[i];
    if (p.status != CUDNN_STATUS_SUCCESS || !is_allowed_algorithm(p.algo) ||
        p.memory > kMaxWorkspace) {
      continue;
    }
    // FP32 keeps the descriptor's FMA math and passes over tensor-op results (TF32 rounds the
    // inputs to 10 mantissa bits); FP16 runs the math type cuDNN chose the algorithm with.
    if (!fp16 && (p.mathType == CUDNN_TENSOR_OP_MATH ||
                  p.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION)) {
      continue;
    }
    const cudnnMathType_t math = fp16 ? p.mathType : CUDNN_FMA_MATH;
    INT8RT_RETURN_IF_ERROR(setup_status(cudnnSetConvolutionMathType(c.conv, math),
                                        what + ": cudnnSetConvolutionMathType"));
    size_t workspace = 0;
    const cudnnStatus_t status = cudnnGetConvolutionForwardWorkspaceSize(
        scoped.handle, c.x, c.w, c.conv, c.y, p.algo, &workspace);
    if (status != CUDNN_STATUS_SUCCESS || workspace > kMaxWorkspace) continue;
    c.algo = p.algo;
    c.workspace = workspace;
    return Status::ok();
  }
  return unsupported(what, ": cuDNN's heuristics offer no allowed algorithm");
}

class ConvKernel final : public CudaKernel {
 public:
  // Where the residual comes from: none, the run-time input 3 (in the output's data type), or a
  // constant uploaded at creation (float32).
  enum class Residual { kNone, kInput, kCaptured };

  ConvKernel(std::string what, bool fp16, std::unique_ptr<CudnnConv> conv, DeviceArray weights,
             DeviceArray bias, Residual residual, DeviceArray residual_values, Dims x_dims,
             Dims y_dims, FusedActivation activation)
      : CudaKernel(std::string("cuda.conv(cudnn)") + (fp16 ? "(half)" : "")),
        what_(std::move(what)),
        fp16_(fp16),
        conv_(std::move(conv)),
        weights_(std::move(weights)),
        bias_(std::move(bias)),
        residual_(residual),
        residual_values_(std::move(residual_values)),
        x_dims_(std::move(x_dims)),
        y_dims_(std::move(y_dims)),
        activation_{activation.kind, activation.alpha, activation.beta} {}

  Layout input_layout(int index) const override {
    if (!fp16_) return Layout();
    if (index == 0) return half_layout(x_dims_);
    if (index == 3 && residual_ == Residual::kInput) return half_layout(y_dims_);
    return Layout();
  }
  Layout output_layout(int) const override { return fp16_ ? half_layout(y_dims_) : Layout(); }
  bool captures_input(int index) const override {
    return index == 1 || index == 2 || (index == 3 && residual_ == Residual::kCaptured);
  }
  size_t scratch_bytes() const override { return conv_->workspace; }

 protected:
  Status launch(const KernelIo& io, cudaStream_t stream) const override {
    INT8RT_ASSIGN_OR_RETURN(CudaStream * state, cuda_stream_of(io, name()));
    INT8RT_ASSIGN_OR_RETURN(cudnnHandle_t handle, state->cudnn());
    const float one = 1.0f;
    const float zero = 0.0f;
    void* y = io.outputs[0];
    INT8RT_RETURN_IF_ERROR(
        cudnn_status(cudnnConvolutionForward(handle, &one, conv_->x, io.inputs[0], conv_->w,
                                             weights_.as<std::byte>(), conv_->conv, conv_->algo,
                                             conv_->workspace > 0 ? io.scratch : nullptr,
                                             conv_->workspace, &zero, conv_->y, y),
                     what_ + ": cudnnConvolutionForward"));
    if (bias_.empty() && residual_ == Residual::kNone &&
        activation_.kind == ActivationKind::kNone) {
      return Status::ok();
    }
    const int64_t count = y_dims_.volume();
    const int64_t channels = y_dims_[1];
    const int64_t plane = count / (y_dims_[0] * channels);
    const float* bias = bias_.empty() ? nullptr : bias_.as<float>();
    const unsigned blocks = blocks_for(count, kThreads);
    if (residual_ == Residual::kCaptured) {
      const float* r = residual_values_.as<float>();
      if (fp16_) {
        conv_epilogue<<<blocks, kThreads, 0, stream>>>(static_cast<__half*>(y), bias, r, count,
                                                       plane, channels, activation_);
      } else {
        conv_epilogue<<<blocks, kThreads, 0, stream>>>(static_cast<float*>(y), bias, r, count,
                                                       plane, channels, activation_);
      }
    } else {
      const void* r = residual_ == Residual::kInput ? io.inputs[3] : nullptr;
      if (fp16_) {
        conv_epilogue<<<blocks, kThreads, 0, stream>>>(static_cast<__half*>(y), bias,
                                                       static_cast<const __half*>(r), count, plane,
                                                       channels, activation_);
      } else {
        conv_epilogue<<<blocks, kThreads, 0, stream>>>(static_cast<float*>(y), bias,
                                                       static_cast<const float*>(r), count, plane,
                                                       channels, activation_);
      }
    }
    return Status::ok();
  }

 private:
  std::string what_;  // Conv "<name>", for errors
  bool fp16_;
  std::unique_ptr<CudnnConv> conv_;
  DeviceArray weights_;
  DeviceArray bias_;
  Residual residual_;
  DeviceArray residual_values_;
  Dims x_dims_, y_dims_;
  DeviceActivation activation_;
};

const Tensor* optional_input(const Layer& layer, int index) {
  return index < layer.num_inputs() ? layer.input(index) : nullptr;
}

// `value` as an int, false when it does not fit (cuDNN's descriptors take ints).
bool to_int(int64_t value, int& out) {
  if (value < INT_MIN || value > INT_MAX) return false;
  out = static_cast<int>(value);
  return true;
}

// Extents as cuDNN's ints, with an H axis of extent 1 inserted after N and C for a 1-D conv;
// false when an extent or the element count does not fit in int.
bool cudnn_extents(const Dims& dims, bool one_d, std::vector<int>& out) {
  if (dims.volume() > INT_MAX) return false;
  out.clear();
  for (int i = 0; i < dims.rank(); ++i) {
    if (one_d && i == 2) out.push_back(1);
    int extent = 0;
    if (!to_int(dims[i], extent)) return false;
    out.push_back(extent);
  }
  return true;
}

// A constant's float32 values uploaded as float32, or converted to FP16 when `fp16`.
Result<DeviceArray> upload_values(const Weights& values, bool fp16, const std::string& what) {
  const float* data = values.data_as<float>();
  const auto count = static_cast<size_t>(values.count());
  if (!fp16) return DeviceArray::upload(data, count * sizeof(float), what);
  std::vector<__half> converted(count);
  for (size_t i = 0; i < count; ++i)
    converted[i] = __float2half_rn(data[i]);
  return DeviceArray::upload(converted, what);
}

}  // namespace

Result<KernelPtr> make_conv(const KernelRequest& request) {
  const Layer& layer = request.layer;
  const auto& attrs = layer.attrs_as<ConvAttrs>();
  const Tensor* x = optional_input(layer, 0);
  const Tensor* w = optional_input(layer, 1);
  const Tensor* b = optional_input(layer, 2);
  const Tensor* r = optional_input(layer, 3);
  const Tensor* y = layer.num_outputs() > 0 ? layer.output(0) : nullptr;
  auto is_float = [](const Tensor* t) { return t == nullptr || t->dtype() == DataType::kFloat; };
  if (x == nullptr || w == nullptr || y == nullptr || !is_float(x) || !is_float(w) ||
      !is_float(b) || !is_float(r) || !is_float(y)) {
    return KernelPtr();
  }
  // x at run time (a constant would be needed plain); the weights and bias captured.
  if (x->is_constant() || !w->is_constant() || (b != nullptr && !b->is_constant())) {
    return KernelPtr();
  }
  const Dims& xd = x->dims();
  const Dims& wd = w->dims();
  const Dims& yd = y->dims();
  const int spatial = xd.rank() - 2;
  if (spatial < 1 || spatial > 3 || wd.rank() != xd.rank() || yd.rank() != xd.rank()) {
    return KernelPtr();
  }
  if (xd.volume() == 0 || wd.volume() == 0 || yd.volume() == 0) return KernelPtr();
  const int64_t channels = xd[1];
  const int64_t m = yd[1];
  const int64_t group = attrs.group;
  if (group < 1 || channels % group != 0 || m % group != 0 || wd[0] != m ||
      wd[1] != channels / group || yd[0] != xd[0]) {
    return KernelPtr();
  }
  if (b != nullptr && b->dims().volume() != m) return KernelPtr();
  if (r != nullptr && r->dims() != yd) return KernelPtr();
  const auto n_spatial = static_cast<size_t>(spatial);
  auto sized = [&](const std::vector<int64_t>& v, size_t n) { return v.empty() || v.size() == n; };
  if (!sized(attrs.kernel_shape, n_spatial) || !sized(attrs.strides, n_spatial) ||
      !sized(attrs.dilations, n_spatial) || !sized(attrs.pads, 2 * n_spatial)) {
    return KernelPtr();
  }

  ConvGeometry g;
  const bool one_d = spatial == 1;
  if (!cudnn_extents(xd, one_d, g.x) || !cudnn_extents(wd, one_d, g.w) ||
      !cudnn_extents(yd, one_d, g.y) || !to_int(group, g.group)) {
    return KernelPtr();
  }
  if (one_d) {  // the inserted H axis: one tap, no padding
    g.pads.push_back(0);
    g.strides.push_back(1);
    g.dilations.push_back(1);
  }
  for (size_t a = 0; a < n_spatial; ++a) {
    if (!attrs.kernel_shape.empty() && attrs.kernel_shape[a] != wd[static_cast<int>(a) + 2]) {
      return KernelPtr();
    }
    const int64_t begin = attrs.pads.empty() ? 0 : attrs.pads[a];
    const int64_t end = attrs.pads.empty() ? 0 : attrs.pads[a + n_spatial];
    if (begin != end) return KernelPtr();  // cuDNN pads both sides alike
    int pad = 0, stride = 1, dilation = 1;
    if (!to_int(begin, pad) || !to_int(attrs.strides.empty() ? 1 : attrs.strides[a], stride) ||
        !to_int(attrs.dilations.empty() ? 1 : attrs.dilations[a], dilation)) {
      return KernelPtr();
    }
    g.pads.push_back(pad);
    g.strides.push_back(stride);
    g.dilations.push_back(dilation);
  }

  const bool fp16 = request.allow_fp16;
  const std::string what = std::string(to_string(layer.type())) + " \"" + layer.name() + "\"";
  auto conv = std::make_unique<CudnnConv>();
  const Status described = describe(*conv, g, fp16, what);
  if (described.code() == StatusCode::kUnsupported) return KernelPtr();
  INT8RT_RETURN_IF_ERROR(described);

  INT8RT_ASSIGN_OR_RETURN(DeviceArray weights,
                          upload_values(w->constant_value(), fp16, what + " weights"));
  DeviceArray bias;
  if (b != nullptr) {
    INT8RT_ASSIGN_OR_RETURN(bias, upload_values(b->constant_value(), false, what + " bias"));
  }
  auto residual = ConvKernel::Residual::kNone;
  DeviceArray residual_values;
  if (r != nullptr && r->is_constant()) {
    residual = ConvKernel::Residual::kCaptured;
    INT8RT_ASSIGN_OR_RETURN(residual_values,
                            upload_values(r->constant_value(), false, what + " residual"));
  } else if (r != nullptr) {
    residual = ConvKernel::Residual::kInput;
  }
  return KernelPtr(
      std::make_unique<ConvKernel>(what, fp16, std::move(conv), std::move(weights), std::move(bias),
                                   residual, std::move(residual_values), xd, yd, attrs.activation));
}

}  // namespace int8rt::cuda
