// ReduceMean, ReduceSum, ReduceMax and ReduceMin of float tensors on the device (reference:
// reference/reduce.cpp). Each output element folds the input elements whose index is its own
// with the reduced axes dropped; empty reductions give the fold's identity (sum 0, max -inf,
// min +inf, mean 0 / 0 = NaN). Max and min ignore NaN inputs, as std::max(acc, v) and
// std::min(acc, v) do. With noop_with_empty_axes and no axes the output is a copy of the input.
// Accumulation is float32 (the reference accumulates in double), in another order than the
// reference's.
//
// The input's axes are simplified first: extent-1 axes dropped, neighbouring axes both kept or
// both reduced merged (e.g. ReduceMean over H, W of [N, C, H, W] is [N·C] kept, [H·W] reduced).
// An output element's input offset is then base(kept index) + offset(reduced index r). A group of
// G threads folds one output element, lanes taking r = lane, lane + G, ...:
//   G = 32 (a warp) when the innermost axis is reduced: lanes read neighbouring elements;
//   G = 1 when the innermost axis is kept: neighbouring threads read neighbouring elements;
//   G = 256 (a block) for few, long reductions.
// Storage: plain float32, or plain half when the layer runs FP16.
#include <cuda_fp16.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "backends/cuda/broadcast.cuh"
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/float_io.cuh"
#include "ir/ops/compute_params.h"
#include "ir/ops/op_util.h"

namespace int8rt::cuda {

namespace {

constexpr unsigned kThreads = 256;

enum class Fold : uint8_t { kSum, kMean, kMax, kMin };

template <Fold kFold>
struct FoldOp {
  static constexpr float kIdentity = kFold == Fold::kMax   ? -INFINITY
                                     : kFold == Fold::kMin ? INFINITY
                                                           : 0.0f;
  __device__ float operator()(float acc, float v) const {
    if constexpr (kFold == Fold::kMax) {
      return acc < v ? v : acc;  // std::max(acc, v)
    } else if constexpr (kFold == Fold::kMin) {
      return v < acc ? v : acc;  // std::min(acc, v)
    } else {
      return __fadd_rn(acc, v);
    }
  }
};

// Kept and reduced axis groups, outer to inner, with their input strides.
struct ReduceParams {
  int64_t out_count = 0;
  int64_t reduced_count = 0;
  int kept_rank = 0;
  int reduced_rank = 0;
  int64_t kept_extent[kMaxRank] = {}, kept_stride[kMaxRank] = {};
  int64_t reduced_extent[kMaxRank] = {}, reduced_stride[kMaxRank] = {};
};

// The input offset of row-major index i over axes of `extent` with input `stride`.
__device__ __forceinline__ int64_t offset_of(int64_t i, int rank, const int64_t* extent,
                                             const int64_t* stride) {
  if (rank == 1) return i * stride[0];
  int64_t offset = 0;
  for (int a = rank - 1; a >= 0; --a) {
    offset += i % extent[a] * stride[a];
    i /= extent[a];
  }
  return offset;
}

template <typename T, int G, Fold kFold>
__global__ void reduce_kernel(const T* __restrict__ x, T* __restrict__ y, ReduceParams p) {
  __shared__ float shared[kThreads / 32];
  constexpr int kOutputsPerBlock = kThreads / G;
  const int group = static_cast<int>(threadIdx.x) / G;
  const int lane = static_cast<int>(threadIdx.x) % G;
  const FoldOp<kFold> op;
  // The loop bound is uniform over the block, so every thread reaches group_reduce's barriers.
  for (int64_t first = blockIdx.x * int64_t{kOutputsPerBlock}; first < p.out_count;
       first += int64_t{gridDim.x} * kOutputsPerBlock) {
    const int64_t o = first + group;
    float acc = FoldOp<kFold>::kIdentity;
    if (o < p.out_count) {
      const T* xo = x + offset_of(o, p.kept_rank, p.kept_extent, p.kept_stride);
      for (int64_t r = lane; r < p.reduced_count; r += G)
        acc = op(acc,
                 load_float(xo, offset_of(r, p.reduced_rank, p.reduced_extent, p.reduced_stride)));
    }
    acc = group_reduce<G>(acc, op, shared);
    if (o < p.out_count && lane == 0) {
      if constexpr (kFold == Fold::kMean) {
        acc = __fdiv_rn(acc, static_cast<float>(p.reduced_count));
      }
      store_float(y, o, acc);
    }
  }
}

template <typename T, int G>
void launch_group(Fold fold, const void* x, void* y, const ReduceParams& p, cudaStream_t stream) {
  const unsigned blocks = blocks_for(p.out_count, kThreads / G);
  const auto* in = static_cast<const T*>(x);
  auto* out = static_cast<T*>(y);
  switch (fold) {
    case Fold::kSum:
      reduce_kernel<T, G, Fold::kSum><<<blocks, kThreads, 0, stream>>>(in, out, p);
      break;
    case Fold::kMean:
      reduce_kernel<T, G, Fold::kMean><<<blocks, kThreads, 0, stream>>>(in, out, p);
      break;
    case Fold::kMax:
      reduce_kernel<T, G, Fold::kMax><<<blocks, kThreads, 0, stream>>>(in, out, p);
      break;
    case Fold::kMin:
      reduce_kernel<T, G, Fold::kMin><<<blocks, kThreads, 0, stream>>>(in, out, p);
      break;
  }
}

template <typename T>
void launch_reduce(Fold fold, const void* x, void* y, const ReduceParams& p, cudaStream_t stream) {
  const bool inner_reduced =
      p.reduced_rank > 0 && p.reduced_stride[p.reduced_rank - 1] == 1 && p.reduced_count > 8;
  if (p.reduced_count >= 4096 && p.out_count < 4096) {
    launch_group<T, kThreads>(fold, x, y, p, stream);
  } else if (inner_reduced) {
    launch_group<T, 32>(fold, x, y, p, stream);
  } else {
    launch_group<T, 1>(fold, x, y, p, stream);
  }
}

class ReduceKernel final : public CudaKernel {
 public:
  // copy: noop_with_empty_axes without axes; `bytes` is then the tensor's size.
  ReduceKernel(std::string name, Fold fold, ReduceParams params, bool copy, size_t bytes,
               Dims in_dims, Dims out_dims, bool fp16)
      : CudaKernel(std::move(name)),
        fold_(fold),
        params_(params),
        copy_(copy),
        bytes_(bytes),
        in_dims_(std::move(in_dims)),
        out_dims_(std::move(out_dims)),
        half_(fp16) {}
  Layout input_layout(int index) const override {
    return index == 0 && half_ ? half_layout(in_dims_) : Layout();
  }
  Layout output_layout(int) const override { return half_ ? half_layout(out_dims_) : Layout(); }
  int inplace_input() const override { return copy_ ? 0 : -1; }
  bool captures_input(int index) const override { return index == 1; }  // axes

 protected:
  Status launch(const KernelIo& io, cudaStream_t stream) const override {
    if (copy_) {
      if (io.inputs[0] == io.outputs[0] || bytes_ == 0) return Status::ok();
      return cuda_status(
          cudaMemcpyAsync(io.outputs[0], io.inputs[0], bytes_, cudaMemcpyDeviceToDevice, stream),
          "cudaMemcpyAsync");
    }
    if (params_.out_count == 0) return Status::ok();
    if (half_) {
      launch_reduce<__half>(fold_, io.inputs[0], io.outputs[0], params_, stream);
    } else {
      launch_reduce<float>(fold_, io.inputs[0], io.outputs[0], params_, stream);
    }
    return Status::ok();
  }

 private:
  Fold fold_;
  ReduceParams params_;
  bool copy_;
  size_t bytes_;
  Dims in_dims_, out_dims_;
  bool half_;
};

}  // namespace

Result<KernelPtr> make_reduce(const KernelRequest& request) {
  const Layer& layer = request.layer;
  Fold fold = Fold::kSum;
  switch (layer.type()) {
    case OpType::kReduceSum:
      fold = Fold::kSum;
      break;
    case OpType::kReduceMean:
      fold = Fold::kMean;
      break;
    case OpType::kReduceMax:
      fold = Fold::kMax;
      break;
    case OpType::kReduceMin:
      fold = Fold::kMin;
      break;
    default:
      return KernelPtr();
  }
  if (layer.num_inputs() < 1 || layer.num_inputs() > 2) return KernelPtr();
  const Tensor* x = layer.input(0);
  const Tensor* y = layer.output(0);
  if (x == nullptr || y == nullptr || x->dtype() != DataType::kFloat ||
      y->dtype() != DataType::kFloat || x->is_constant()) {
    return KernelPtr();  // a constant input is folded at build time
  }
  if (layer.num_inputs() == 2 && layer.input(1) != nullptr && !layer.input(1)->is_constant()) {
    return KernelPtr();  // axes computed at run time
  }
  INT8RT_ASSIGN_OR_RETURN(std::vector<int> axes, ir::reduce_axes(layer));
  const Dims& in = x->dims();
  const bool fp16 = request.allow_fp16;
  const std::string name = "cuda." +
                           std::string(fold == Fold::kSum    ? "reduce_sum"
                                       : fold == Fold::kMean ? "reduce_mean"
                                       : fold == Fold::kMax  ? "reduce_max"
                                                             : "reduce_min") +
                           (fp16 ? "(half)" : "");
  ReduceParams p;
  p.out_count = y->dims().volume();
  if (axes.empty()) {  // noop_with_empty_axes: a copy
    if (p.out_count != in.volume()) return KernelPtr();
    const size_t bytes = static_cast<size_t>(p.out_count) * (fp16 ? 2 : sizeof(float));
    return KernelPtr(
        std::make_unique<ReduceKernel>(name, fold, p, true, bytes, in, y->dims(), fp16));
  }
  // Groups of neighbouring axes of one kind, outer to inner: (extent, reduced, input stride).
  struct Group {
    int64_t extent;
    bool reduced;
    int64_t stride;
  };
  std::vector<Group> groups;
  int64_t stride = 1;
  p.reduced_count = 1;
  for (int axis = in.rank() - 1; axis >= 0; --axis) {
    const bool reduced = std::find(axes.begin(), axes.end(), axis) != axes.end();
    if (reduced) p.reduced_count *= in[axis];
    if (in[axis] != 1) {
      if (!groups.empty() && groups.back().reduced == reduced) {
        groups.back().extent *= in[axis];
      } else {
        groups.push_back({in[axis], reduced, stride});
      }
    }
    stride *= in[axis];
  }
  std::reverse(groups.begin(), groups.end());
  for (const Group& g : groups) {
    int& rank = g.reduced ? p.reduced_rank : p.kept_rank;
    if (rank == kMaxRank) return KernelPtr();
    (g.reduced ? p.reduced_extent : p.kept_extent)[rank] = g.extent;
    (g.reduced ? p.reduced_stride : p.kept_stride)[rank] = g.stride;
    ++rank;
  }
  return KernelPtr(std::make_unique<ReduceKernel>(name, fold, p, false, 0, in, y->dims(), fp16));
}

}  // namespace int8rt::cuda
