// Float pooling on the device: MaxPool, AveragePool (1-D, 2-D and 3-D windows over
// [N, C, spatial...]), GlobalAveragePool and GlobalMaxPool (any rank >= 2).
//
// Storage: plain float32, or plain half when the layer runs FP16 (float arithmetic inside).
//
// Windows (as reference/pooling.cpp and compute_util.h's for_each_window_position), per spatial
// axis with stride s, dilation d, pads pb (begin) and pe (end): output o covers the positions
// p = o · s - pb + k · d, k in [0, kernel); only positions inside the padded input [-pb, in + pe)
// count, and shape inference has already resolved ceil_mode and auto_pad into the pads and the
// output extents.
//   MaxPool:     the first value inside the input, replaced by each later one that is greater (in
//                kd, kh, kw order; so a NaN first value stays and later NaNs never win); -inf
//                when no position is inside the input.
//   AveragePool: sum of the values inside the input / count, count the positions inside the input
//                (or with count_include_pad inside the padded input); 0 when count is 0.
// One thread per output element; the sum is float32 (the reference sums in double).
//
// Global pools: one row of H·W·... values per (n, c), reduced by a group of 1, 32 (a warp) or 256
// (a block) threads with float32 partials: max (NaN never wins, as std::max(best, v)) or
// sum / count.
#include <cuda_fp16.h>

#include <cmath>
#include <string>

#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/float_io.cuh"

namespace int8rt::cuda {

namespace {

constexpr unsigned kThreads = 256;

// ------------------------------------------------------------------ windowed pools

// The window in 3-D form (D, H, W): 1-D and 2-D pools get leading axes of extent 1, stride 1,
// dilation 1 and no padding.
struct PoolParams {
  int64_t count = 0;   // output elements
  int64_t planes = 0;  // N · C
  int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1};
  int64_t kernel[3] = {1, 1, 1}, stride[3] = {1, 1, 1}, dilation[3] = {1, 1, 1};
  int64_t pad_begin[3] = {0, 0, 0}, pad_end[3] = {0, 0, 0};
  bool count_include_pad = false;
};

template <typename T, bool kMax>
__global__ void pool_kernel(const T* __restrict__ x, T* __restrict__ y, PoolParams p) {
  const int64_t out_volume = p.out[0] * p.out[1] * p.out[2];
  const int64_t in_volume = p.in[0] * p.in[1] * p.in[2];
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < p.count;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t plane = i / out_volume;
    const int64_t r = i % out_volume;
    const int64_t o[3] = {r / (p.out[1] * p.out[2]), r / p.out[2] % p.out[1], r % p.out[2]};
    int64_t begin[3];
    for (int a = 0; a < 3; ++a)
      begin[a] = o[a] * p.stride[a] - p.pad_begin[a];
    const T* xp = x + plane * in_volume;
    float best = -INFINITY;
    bool found = false;
    float sum = 0.0f;
    int64_t count = 0;
    for (int64_t kd = 0; kd < p.kernel[0]; ++kd) {
      const int64_t pd = begin[0] + kd * p.dilation[0];
      if (pd < -p.pad_begin[0] || pd >= p.in[0] + p.pad_end[0]) continue;
      for (int64_t kh = 0; kh < p.kernel[1]; ++kh) {
        const int64_t ph = begin[1] + kh * p.dilation[1];
        if (ph < -p.pad_begin[1] || ph >= p.in[1] + p.pad_end[1]) continue;
        for (int64_t kw = 0; kw < p.kernel[2]; ++kw) {
          const int64_t pw = begin[2] + kw * p.dilation[2];
          if (pw < -p.pad_begin[2] || pw >= p.in[2] + p.pad_end[2]) continue;
          const bool inside =
              pd >= 0 && pd < p.in[0] && ph >= 0 && ph < p.in[1] && pw >= 0 && pw < p.in[2];
          if (inside) {
            const float v = load_float(xp, (pd * p.in[1] + ph) * p.in[2] + pw);
            if constexpr (kMax) {
              if (!found || v > best) best = v;
              found = true;
            } else {
              sum = __fadd_rn(sum, v);
            }
          }
          if (inside || p.count_include_pad) ++count;
        }
      }
    }
    if constexpr (kMax) {
      store_float(y, i, best);
    } else {
      store_float(y, i, count > 0 ? __fdiv_rn(sum, static_cast<float>(count)) : 0.0f);
    }
  }
}

// ------------------------------------------------------------------ global pools

struct MaxOp {
  // std::max(a, b): a NaN b never wins.
  __device__ float operator()(float a, float b) const { return a < b ? b : a; }
};
struct SumOp {
  __device__ float operator()(float a, float b) const { return __fadd_rn(a, b); }
};

// y[row] = max or mean of x[row · length .. + length), a group of G threads per row.
template <typename T, int G, bool kMax>
__global__ void global_pool_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t rows,
                                   int64_t length) {
  __shared__ float shared[kThreads / 32];
  constexpr int kRowsPerBlock = kThreads / G;
  const int group = static_cast<int>(threadIdx.x) / G;
  const int lane = static_cast<int>(threadIdx.x) % G;
  // The loop bound is uniform over the block, so every thread reaches group_reduce's barriers.
  for (int64_t first = blockIdx.x * int64_t{kRowsPerBlock}; first < rows;
       first += int64_t{gridDim.x} * kRowsPerBlock) {
    const int64_t row = first + group;
    float acc = kMax ? -INFINITY : 0.0f;
    if (row < rows) {
      const T* xr = x + row * length;
      for (int64_t j = lane; j < length; j += G) {
        const float v = load_float(xr, j);
        acc = kMax ? MaxOp()(acc, v) : __fadd_rn(acc, v);
      }
    }
    if constexpr (kMax) {
      acc = group_reduce<G>(acc, MaxOp(), shared);
    } else {
      acc = group_reduce<G>(acc, SumOp(), shared);
    }
    if (row < rows && lane == 0) {
      store_float(y, row, kMax ? acc : __fdiv_rn(acc, static_cast<float>(length)));
    }
  }
}

template <typename T, int G>
void launch_global(bool max, const void* x, void* y, int64_t rows, int64_t length,
                   cudaStream_t stream) {
  const unsigned blocks = blocks_for(rows, kThreads / G);
  const auto* in = static_cast<const T*>(x);
  auto* out = static_cast<T*>(y);
  if (max) {
    global_pool_kernel<T, G, true><<<blocks, kThreads, 0, stream>>>(in, out, rows, length);
  } else {
    global_pool_kernel<T, G, false><<<blocks, kThreads, 0, stream>>>(in, out, rows, length);
  }
}

template <typename T>
void launch_global_any(bool max, const void* x, void* y, int64_t rows, int64_t length,
                       cudaStream_t stream) {
  // Short rows: a thread each; medium: a warp; long rows: a block (when rows alone do not fill
  // the GPU).
  if (length <= 8) {
    launch_global<T, 1>(max, x, y, rows, length, stream);
  } else if (length < 4096 || rows >= 4096) {
    launch_global<T, 32>(max, x, y, rows, length, stream);
  } else {
    launch_global<T, kThreads>(max, x, y, rows, length, stream);
  }
}

// ------------------------------------------------------------------ kernels

class PoolKernel final : public CudaKernel {
 public:
  // global: rows = params.planes, length = params.in[2].
  PoolKernel(std::string name, PoolParams params, bool max, bool global, Dims in_dims,
             Dims out_dims, bool fp16)
      : CudaKernel(std::move(name)),
        params_(params),
        max_(max),
        global_(global),
        in_dims_(std::move(in_dims)),
        out_dims_(std::move(out_dims)),
        half_(fp16) {}
  Layout input_layout(int) const override { return half_ ? half_layout(in_dims_) : Layout(); }
  Layout output_layout(int) const override { return half_ ? half_layout(out_dims_) : Layout(); }

 protected:
  Status launch(const KernelIo& io, cudaStream_t stream) const override {
    if (params_.count == 0) return Status::ok();
    const void* x = io.inputs[0];
    void* y = io.outputs[0];
    if (global_) {
      if (half_) {
        launch_global_any<__half>(max_, x, y, params_.planes, params_.in[2], stream);
      } else {
        launch_global_any<float>(max_, x, y, params_.planes, params_.in[2], stream);
      }
      return Status::ok();
    }
    const unsigned blocks = blocks_for(params_.count, kThreads);
    if (half_) {
      const auto* in = static_cast<const __half*>(x);
      auto* out = static_cast<__half*>(y);
      if (max_) {
        pool_kernel<__half, true><<<blocks, kThreads, 0, stream>>>(in, out, params_);
      } else {
        pool_kernel<__half, false><<<blocks, kThreads, 0, stream>>>(in, out, params_);
      }
    } else {
      const auto* in = static_cast<const float*>(x);
      auto* out = static_cast<float*>(y);
      if (max_) {
        pool_kernel<float, true><<<blocks, kThreads, 0, stream>>>(in, out, params_);
      } else {
        pool_kernel<float, false><<<blocks, kThreads, 0, stream>>>(in, out, params_);
      }
    }
    return Status::ok();
  }

 private:
  PoolParams params_;
  bool max_, global_;
  Dims in_dims_, out_dims_;
  bool half_;
};

}  // namespace

Result<KernelPtr> make_pooling(const KernelRequest& request) {
  const Layer& layer = request.layer;
  if (layer.num_inputs() != 1) return KernelPtr();
  for (int i = 1; i < layer.num_outputs(); ++i) {
    if (layer.output(i) != nullptr) return KernelPtr();  // MaxPool's indices
  }
  const Tensor* x = layer.input(0);
  const Tensor* y = layer.output(0);
  if (x == nullptr || y == nullptr || x->dtype() != DataType::kFloat ||
      y->dtype() != DataType::kFloat || x->is_constant()) {
    return KernelPtr();  // a constant input is folded at build time
  }
  const Dims& in = x->dims();
  const Dims& out = y->dims();
  if (in.rank() < 2 || out.rank() != in.rank() || out[0] != in[0] || out[1] != in[1]) {
    return KernelPtr();
  }
  const bool fp16 = request.allow_fp16;
  PoolParams p;
  p.planes = in[0] * in[1];
  p.count = out.volume();
  bool max = false;
  bool global = false;
  std::string what;
  switch (layer.type()) {
    case OpType::kGlobalAveragePool:
    case OpType::kGlobalMaxPool:
      global = true;
      max = layer.type() == OpType::kGlobalMaxPool;
      what = max ? "global_max_pool" : "global_average_pool";
      p.in[2] = p.planes > 0 ? in.volume() / p.planes : 0;  // the row length
      break;
    case OpType::kMaxPool:
    case OpType::kAveragePool: {
      max = layer.type() == OpType::kMaxPool;
      what = max ? "max_pool" : "average_pool";
      const auto& attrs = layer.attrs_as<PoolAttrs>();
      const int n = in.rank() - 2;
      const auto un = static_cast<size_t>(n);
      if (n < 1 || n > 3 || attrs.kernel_shape.size() != un || attrs.strides.size() != un ||
          attrs.dilations.size() != un || attrs.pads.size() != 2 * un) {
        return KernelPtr();  // not 1-3 spatial axes, or attributes not canonical
      }
      for (size_t i = 0; i < un; ++i) {
        const size_t j = 3 - un + i;
        p.in[j] = in[static_cast<int>(i) + 2];
        p.out[j] = out[static_cast<int>(i) + 2];
        p.kernel[j] = attrs.kernel_shape[i];
        p.stride[j] = attrs.strides[i];
        p.dilation[j] = attrs.dilations[i];
        p.pad_begin[j] = attrs.pads[i];
        p.pad_end[j] = attrs.pads[i + un];
      }
      p.count_include_pad = !max && attrs.count_include_pad;
      break;
    }
    default:
      return KernelPtr();
  }
  return KernelPtr(std::make_unique<PoolKernel>("cuda." + what + (fp16 ? "(half)" : ""), p, max,
                                                global, in, out, fp16));
}

}  // namespace int8rt::cuda
