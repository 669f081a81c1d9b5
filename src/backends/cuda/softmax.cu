// Softmax and LogSoftmax on the device, over the [outer, length, inner] view of the input that
// reference/softmax.cpp uses (opset 13: length = d[axis]; coerce_to_2d, opsets < 13: length =
// prod(d[axis:]), inner = 1). Per row (one (outer, inner) index, its `length` values `inner`
// apart):
//   max = the largest value (NaN never wins, as std::max(max, x));
//   sum = Σ exp(x - max);
//   softmax y = exp(x - max) / sum;   logsoftmax y = (x - max) - log(sum).
// The reference runs in double; here float32 (expf, logf: within 2 ulp), the sum in float32.
//
// A row is read by a group of G threads: 1 (one thread per row: inner > 1, where neighbouring
// threads read neighbouring columns, or very short rows), 32 (a warp) or 256 (a block, for long
// rows). Storage: plain float32, or plain half when the layer runs FP16. y may be x's buffer: each
// element is read, then written, by the same thread, after the row's max and sum are known.
#include <cuda_fp16.h>

#include <cmath>
#include <string>

#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/float_io.cuh"
#include "ir/ops/op_util.h"

namespace int8rt::cuda {

namespace {

constexpr unsigned kThreads = 256;

struct MaxOp {
  // std::max(a, b): a NaN b never wins.
  __device__ float operator()(float a, float b) const { return a < b ? b : a; }
};
struct SumOp {
  __device__ float operator()(float a, float b) const { return __fadd_rn(a, b); }
};

struct SoftmaxParams {
  int64_t rows = 0;  // outer · inner
  int64_t length = 0;
  int64_t inner = 1;
};

template <typename T, int G, bool kLog>
__global__ void softmax_kernel(const T* x, T* y, SoftmaxParams p) {
  __shared__ float shared[kThreads / 32];
  constexpr int kRowsPerBlock = kThreads / G;
  const int group = static_cast<int>(threadIdx.x) / G;
  const int lane = static_cast<int>(threadIdx.x) % G;
  // The loop bound is uniform over the block, so every thread reaches group_reduce's barriers.
  for (int64_t first = blockIdx.x * int64_t{kRowsPerBlock}; first < p.rows;
       first += int64_t{gridDim.x} * kRowsPerBlock) {
    const int64_t row = first + group;
    const bool active = row < p.rows;
    const int64_t base = active ? row / p.inner * p.length * p.inner + row % p.inner : 0;
    float row_max = -INFINITY;
    if (active) {
      for (int64_t j = lane; j < p.length; j += G)
        row_max = MaxOp()(row_max, load_float(x, base + j * p.inner));
    }
    row_max = group_reduce<G>(row_max, MaxOp(), shared);
    float sum = 0.0f;
    if (active) {
      for (int64_t j = lane; j < p.length; j += G)
        sum = __fadd_rn(sum, expf(__fsub_rn(load_float(x, base + j * p.inner), row_max)));
    }
    sum = group_reduce<G>(sum, SumOp(), shared);
    if (!active) continue;
    const float log_sum = kLog ? logf(sum) : 0.0f;
    for (int64_t j = lane; j < p.length; j += G) {
      const int64_t at = base + j * p.inner;
      const float shifted = __fsub_rn(load_float(x, at), row_max);
      store_float(y, at, kLog ? __fsub_rn(shifted, log_sum) : __fdiv_rn(expf(shifted), sum));
    }
  }
}

template <typename T, int G>
void launch_group(bool log, const void* x, void* y, const SoftmaxParams& p, cudaStream_t stream) {
  const unsigned blocks = blocks_for(p.rows, kThreads / G);
  const auto* in = static_cast<const T*>(x);
  auto* out = static_cast<T*>(y);
  if (log) {
    softmax_kernel<T, G, true><<<blocks, kThreads, 0, stream>>>(in, out, p);
  } else {
    softmax_kernel<T, G, false><<<blocks, kThreads, 0, stream>>>(in, out, p);
  }
}

template <typename T>
void launch_softmax(bool log, const void* x, void* y, const SoftmaxParams& p, cudaStream_t stream) {
  if (p.inner > 1 || p.length <= 8) {
    launch_group<T, 1>(log, x, y, p, stream);
  } else if (p.length < 2048 || p.rows >= 4096) {
    launch_group<T, 32>(log, x, y, p, stream);
  } else {
    launch_group<T, kThreads>(log, x, y, p, stream);
  }
}

class SoftmaxKernel final : public CudaKernel {
 public:
  SoftmaxKernel(std::string name, SoftmaxParams params, bool log, Dims dims, bool fp16)
      : CudaKernel(std::move(name)),
        params_(params),
        log_(log),
        dims_(std::move(dims)),
        half_(fp16) {}
  Layout input_layout(int) const override { return half_ ? half_layout(dims_) : Layout(); }
  Layout output_layout(int) const override { return half_ ? half_layout(dims_) : Layout(); }
  int inplace_input() const override { return 0; }

 protected:
  Status launch(const KernelIo& io, cudaStream_t stream) const override {
    if (params_.rows == 0 || params_.length == 0) return Status::ok();
    if (half_) {
      launch_softmax<__half>(log_, io.inputs[0], io.outputs[0], params_, stream);
    } else {
      launch_softmax<float>(log_, io.inputs[0], io.outputs[0], params_, stream);
    }
    return Status::ok();
  }

 private:
  SoftmaxParams params_;
  bool log_;
  Dims dims_;
  bool half_;
};

}  // namespace

Result<KernelPtr> make_softmax(const KernelRequest& request) {
  const Layer& layer = request.layer;
  const bool log = layer.type() == OpType::kLogSoftmax;
  if ((!log && layer.type() != OpType::kSoftmax) || layer.num_inputs() != 1) return KernelPtr();
  const Tensor* x = layer.input(0);
  const Tensor* y = layer.output(0);
  if (x == nullptr || y == nullptr || x->dtype() != DataType::kFloat ||
      y->dtype() != DataType::kFloat || x->dims() != y->dims() || x->dims().rank() < 1 ||
      x->is_constant()) {
    return KernelPtr();  // a constant input is folded at build time
  }
  const auto& attrs = layer.attrs_as<SoftmaxAttrs>();
  const Dims& d = x->dims();
  INT8RT_ASSIGN_OR_RETURN(int axis, ir::normalize_axis(layer, attrs.axis, d.rank()));
  int64_t outer = 1;
  SoftmaxParams p;
  p.length = 1;
  for (int i = 0; i < d.rank(); ++i) {
    if (i < axis) {
      outer *= d[i];
    } else if (i == axis || attrs.coerce_to_2d) {
      p.length *= d[i];
    } else {
      p.inner *= d[i];
    }
  }
  p.rows = outer * p.inner;
  const bool fp16 = request.allow_fp16;
  const std::string name =
      std::string(log ? "cuda.log_softmax" : "cuda.softmax") + (fp16 ? "(half)" : "");
  return KernelPtr(std::make_unique<SoftmaxKernel>(name, p, log, d, fp16));
}

}  // namespace int8rt::cuda
