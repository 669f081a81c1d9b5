// Reformats on the device: Quantize (float32/FP16 -> int8), Dequantize (int8 -> float32/FP16),
// the layout reorders between plain and the backend's layouts (float32 <-> half, int8 plain <->
// NHWC padded), plain copies (Reshape, Flatten, Squeeze, Unsqueeze, Identity) and the transfers
// between host and device memory.
#include <cuda_fp16.h>

#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/float_io.cuh"
#include "backends/cuda/quant_device.cuh"
#include "ir/quantization.h"

namespace int8rt::cuda {

namespace {

constexpr unsigned kThreads = 256;

// Where element `i` (in the order of `layout`'s bytes) of a tensor sits in plain (row-major)
// order, or -1 for an NHWC padding channel. For plain and half layouts it is `i` itself.
struct PlainIndex {
  bool nhwc = false;
  int64_t c = 1, cp = 1, hw = 1;  // channels, padded channels, H · W (NHWC only)

  static PlainIndex of(const Layout& layout) {
    PlainIndex index;
    const CudaLayout* cuda = cuda_layout(layout);
    if (cuda != nullptr && cuda->kind() == CudaLayout::Kind::kNhwc) {
      index.nhwc = true;
      index.c = cuda->dims()[1];
      index.cp = cuda->padded_channels();
      index.hw = cuda->dims()[2] * cuda->dims()[3];
    }
    return index;
  }
  // Elements in the layout (padding included).
  int64_t count(const Dims& dims) const { return nhwc ? dims[0] * hw * cp : dims.volume(); }

  __device__ __forceinline__ int64_t operator()(int64_t i) const {
    if (!nhwc) return i;
    const int64_t channel = i % cp;
    if (channel >= c) return -1;
    const int64_t pixel = i / cp;  // n · HW + hw
    const int64_t n = pixel / hw;
    return (n * c + channel) * hw + pixel % hw;
  }
};

// q[i] = quantize(x[plain(i)]), zero in padding: the output in its layout, the input plain.
template <typename T>
__global__ void quantize_kernel(const T* x, int8_t* q, int64_t count, PlainIndex out_index,
                                float scale) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t p = out_index(i);
    q[i] = p < 0 ? int8_t{0} : quantize_value(load_float(x, p), scale);
  }
}

// y[plain(i)] = q[i] * scale: the input in its layout, the output plain.
template <typename T>
__global__ void dequantize_kernel(const int8_t* q, T* y, int64_t count, PlainIndex in_index,
                                  float scale) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t p = in_index(i);
    if (p >= 0) store_float(y, p, __fmul_rn(static_cast<float>(q[i]), scale));
  }
}

// int8 plain <-> NHWC: one thread per element of the NHWC side.
__global__ void int8_to_nhwc_kernel(const int8_t* plain, int8_t* nhwc, int64_t count,
                                    PlainIndex index) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t p = index(i);
    nhwc[i] = p < 0 ? int8_t{0} : plain[p];
  }
}

__global__ void int8_from_nhwc_kernel(const int8_t* nhwc, int8_t* plain, int64_t count,
                                      PlainIndex index) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t p = index(i);
    if (p >= 0) plain[p] = nhwc[i];
  }
}

template <typename From, typename To>
__global__ void convert_kernel(const From* in, To* out, int64_t count) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * blockDim.x) {
    store_float(out, i, load_float(in, i));
  }
}

class QuantizeKernel final : public CudaKernel {
 public:
  QuantizeKernel(Dims dims, bool half_input, float scale)
      : CudaKernel(std::string("cuda.quantize") + (half_input ? "(half)" : "")),
        dims_(std::move(dims)),
        half_input_(half_input),
        out_layout_(int8_activation_layout(dims_)),
        index_(PlainIndex::of(out_layout_)),
        scale_(scale) {}
  Layout input_layout(int) const override { return half_input_ ? half_layout(dims_) : Layout(); }
  Layout output_layout(int) const override { return out_layout_; }

 protected:
  Status launch(const KernelIo& io, cudaStream_t stream) const override {
    const int64_t count = index_.count(dims_);
    auto* q = static_cast<int8_t*>(io.outputs[0]);
    if (half_input_) {
      quantize_kernel<<<blocks_for(count, kThreads), kThreads, 0, stream>>>(
          static_cast<const __half*>(io.inputs[0]), q, count, index_, scale_);
    } else {
      quantize_kernel<<<blocks_for(count, kThreads), kThreads, 0, stream>>>(
          static_cast<const float*>(io.inputs[0]), q, count, index_, scale_);
    }
    return Status::ok();
  }

 private:
  Dims dims_;
  bool half_input_;
  Layout out_layout_;
  PlainIndex index_;
  float scale_;
};

class DequantizeKernel final : public CudaKernel {
 public:
  DequantizeKernel(Dims dims, Layout in_layout, bool half_output, float scale)
      : CudaKernel(std::string("cuda.dequantize") + (half_output ? "(half)" : "")),
        dims_(std::move(dims)),
        in_layout_(std::move(in_layout)),
        index_(PlainIndex::of(in_layout_)),
        half_output_(half_output),
        scale_(scale) {}
  Layout input_layout(int) const override { return in_layout_; }
  Layout output_layout(int) const override { return half_output_ ? half_layout(dims_) : Layout(); }

 protected:
  Status launch(const KernelIo& io, cudaStream_t stream) const override {
    const int64_t count = index_.count(dims_);
    const auto* q = static_cast<const int8_t*>(io.inputs[0]);
    if (half_output_) {
      dequantize_kernel<<<blocks_for(count, kThreads), kThreads, 0, stream>>>(
          q, static_cast<__half*>(io.outputs[0]), count, index_, scale_);
    } else {
      dequantize_kernel<<<blocks_for(count, kThreads), kThreads, 0, stream>>>(
          q, static_cast<float*>(io.outputs[0]), count, index_, scale_);
    }
    return Status::ok();
  }

 private:
  Dims dims_;
  Layout in_layout_;
  PlainIndex index_;
  bool half_output_;
  float scale_;
};

class ReorderKernel final : public CudaKernel {
 public:
  enum class Kind { kFloatToHalf, kHalfToFloat, kInt8ToNhwc, kInt8FromNhwc };
  ReorderKernel(Kind kind, Dims dims, Layout from, Layout to, const Layout& nhwc)
      : CudaKernel("cuda.reorder(" + from.to_string() + "->" + to.to_string() + ")"),
        kind_(kind),
        dims_(std::move(dims)),
        from_(std::move(from)),
        to_(std::move(to)),
        index_(PlainIndex::of(nhwc)) {}
  Layout input_layout(int) const override { return from_; }
  Layout output_layout(int) const override { return to_; }

 protected:
  Status launch(const KernelIo& io, cudaStream_t stream) const override {
    const int64_t count = index_.count(dims_);
    const unsigned blocks = blocks_for(count, kThreads);
    switch (kind_) {
      case Kind::kFloatToHalf:
        convert_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<const float*>(io.inputs[0]),
                                                        static_cast<__half*>(io.outputs[0]), count);
        break;
      case Kind::kHalfToFloat:
        convert_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<const __half*>(io.inputs[0]),
                                                        static_cast<float*>(io.outputs[0]), count);
        break;
      case Kind::kInt8ToNhwc:
        int8_to_nhwc_kernel<<<blocks, kThreads, 0, stream>>>(
            static_cast<const int8_t*>(io.inputs[0]), static_cast<int8_t*>(io.outputs[0]), count,
            index_);
        break;
      case Kind::kInt8FromNhwc:
        int8_from_nhwc_kernel<<<blocks, kThreads, 0, stream>>>(
            static_cast<const int8_t*>(io.inputs[0]), static_cast<int8_t*>(io.outputs[0]), count,
            index_);
        break;
    }
    return Status::ok();
  }

 private:
  Kind kind_;
  Dims dims_;
  Layout from_, to_;
  PlainIndex index_;
};

// Reshape, Flatten, Squeeze, Unsqueeze, Identity: the same bytes under another shape (parameter
// inputs are constants the kernel never reads). Float tensors stay in their storage (half or
// float32); others are plain.
class CopyKernel final : public CudaKernel {
 public:
  CopyKernel(size_t bytes, Layout in_layout, Layout out_layout)
      : CudaKernel("cuda.copy"),
        bytes_(bytes),
        in_layout_(std::move(in_layout)),
        out_layout_(std::move(out_layout)) {}
  Layout input_layout(int index) const override { return index == 0 ? in_layout_ : Layout(); }
  Layout output_layout(int) const override { return out_layout_; }
  int inplace_input() const override { return 0; }
  bool captures_input(int index) const override { return index > 0; }

 protected:
  Status launch(const KernelIo& io, cudaStream_t stream) const override {
    if (io.inputs[0] == io.outputs[0] || bytes_ == 0) return Status::ok();
    return cuda_status(
        cudaMemcpyAsync(io.outputs[0], io.inputs[0], bytes_, cudaMemcpyDeviceToDevice, stream),
        "cudaMemcpyAsync");
  }

 private:
  size_t bytes_;
  Layout in_layout_, out_layout_;
};

class TransferKernel final : public CudaKernel {
 public:
  TransferKernel(size_t bytes, TensorLocation from, TensorLocation to)
      : CudaKernel(std::string("cuda.transfer(") + std::string(int8rt::to_string(from)) + "->" +
                   std::string(int8rt::to_string(to)) + ")"),
        bytes_(bytes),
        kind_(to == TensorLocation::kHost ? cudaMemcpyDeviceToHost : cudaMemcpyHostToDevice) {}

 protected:
  // The host side is the context's pageable arena, which host kernels read or overwrite next:
  // the copy completes before the step ends.
  Status launch(const KernelIo& io, cudaStream_t stream) const override {
    if (bytes_ == 0) return Status::ok();
    INT8RT_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(io.outputs[0], io.inputs[0], bytes_, kind_, stream),
                                "cudaMemcpyAsync");
    return cuda_status(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
  }

 private:
  size_t bytes_;
  cudaMemcpyKind kind_;
};

float scale_of(const Tensor* t) {
  return ir::int8_scale(*t);
}

}  // namespace

Result<KernelPtr> make_quantize(const KernelRequest& request) {
  const Layer& layer = request.layer;
  const Tensor* x = layer.input(0);
  const Tensor* y = layer.output(0);
  if (x->dtype() != DataType::kFloat || !ir::is_quantized(y)) return KernelPtr();
  const bool half_input = is_half(request.input_layouts[0]);
  return KernelPtr(std::make_unique<QuantizeKernel>(y->dims(), half_input, scale_of(y)));
}

Result<KernelPtr> make_dequantize(const KernelRequest& request) {
  const Layer& layer = request.layer;
  const Tensor* x = layer.input(0);
  const Tensor* y = layer.output(0);
  if (!ir::is_quantized(x) || y->dtype() != DataType::kFloat) return KernelPtr();
  // The int8 input as produced (NHWC or plain), never another backend's layout.
  const Layout& produced = request.input_layouts[0];
  Layout in = cuda_layout(produced) != nullptr ? produced : Layout();
  if (!in.is_plain() && !(in == int8_activation_layout(x->dims()))) in = Layout();
  return KernelPtr(
      std::make_unique<DequantizeKernel>(x->dims(), in, request.allow_fp16, scale_of(x)));
}

Result<KernelPtr> make_copy(const KernelRequest& request) {
  const Layer& layer = request.layer;
  const Tensor* x = layer.input(0);
  const Tensor* y = layer.output(0);
  if (x == nullptr || y == nullptr || x->dtype() != y->dtype() ||
      x->dims().volume() != y->dims().volume()) {
    return KernelPtr();
  }
  const bool half = x->dtype() == DataType::kFloat && is_half(request.input_layouts[0]);
  const size_t bytes =
      static_cast<size_t>(y->dims().volume()) * (half ? 2 : element_size(y->dtype()));
  return KernelPtr(std::make_unique<CopyKernel>(bytes, half ? half_layout(x->dims()) : Layout(),
                                                half ? half_layout(y->dims()) : Layout()));
}

Result<KernelPtr> make_reorder(DataType dtype, const Dims& dims, const Layout& from,
                               const Layout& to) {
  using Kind = ReorderKernel::Kind;
  if (dtype == DataType::kFloat) {
    if (from.is_plain() && is_half(to)) {
      return KernelPtr(std::make_unique<ReorderKernel>(Kind::kFloatToHalf, dims, from, to, from));
    }
    if (is_half(from) && to.is_plain()) {
      return KernelPtr(std::make_unique<ReorderKernel>(Kind::kHalfToFloat, dims, from, to, to));
    }
  }
  if (dtype == DataType::kInt8) {
    const CudaLayout* f = cuda_layout(from);
    const CudaLayout* t = cuda_layout(to);
    if (from.is_plain() && t != nullptr && t->kind() == CudaLayout::Kind::kNhwc) {
      return KernelPtr(std::make_unique<ReorderKernel>(Kind::kInt8ToNhwc, dims, from, to, to));
    }
    if (to.is_plain() && f != nullptr && f->kind() == CudaLayout::Kind::kNhwc) {
      return KernelPtr(std::make_unique<ReorderKernel>(Kind::kInt8FromNhwc, dims, from, to, from));
    }
  }
  return KernelPtr();
}

Result<KernelPtr> make_transfer(DataType dtype, const Dims& dims, TensorLocation from,
                                TensorLocation to) {
  if (from == to) return internal_error("a transfer from ", to_string(from), " to itself");
  return KernelPtr(std::make_unique<TransferKernel>(
      static_cast<size_t>(dims.volume()) * element_size(dtype), from, to));
}

}  // namespace int8rt::cuda
