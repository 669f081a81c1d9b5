// Resize of float tensors on the device: every mode (nearest, linear, cubic) and coordinate
// transformation of reference/resize.cpp, any rank, separable per axis.
//
// The per-axis work is done once, at creation, on the host, by the reference's own code
// (reference::resize_taps: source coordinate, nearest rounding, linear and Keys cubic weights,
// clamping or exclude_outside renormalization, tf_crop_and_resize extrapolation): for each axis
// and output coordinate, a list of taps (input offset = index · input stride, weight). The device
// kernel then computes, per output element, what the reference computes:
//   outside the crop on any axis: extrapolation_value;
//   nearest: the input element at the taps' offsets;
//   linear, cubic: Σ over the cartesian product of the axes' taps (last axis fastest) of
//                  (Π weights, in axis order) · x, in double with each product and sum rounded
//                  (no fused multiply-adds), then rounded to float.
// So float32 results are the reference's bit for bit.
// Axes that the resize leaves alone (one tap of weight 1 at the same index) carry no table, and
// neighbouring ones merge (N and C of an image resize).
//
// Storage: plain float32, or plain half when the layer runs FP16.
#include <cuda_fp16.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "backends/cuda/broadcast.cuh"
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/float_io.cuh"
#include "backends/reference/resize_taps.h"
#include "ir/ops/compute_params.h"
#include "ir/ops/op_util.h"

namespace int8rt::cuda {

namespace {

constexpr unsigned kThreads = 256;

// ------------------------------------------------------------------ device

// One output coordinate of a table axis: its taps taps[first .. first + count); count 0: outside
// the crop.
struct Coord {
  int32_t first;
  int32_t count;
};
struct DeviceTap {
  int64_t offset;  // index · the axis's input stride
  double weight;
};

struct ResizeParams {
  int64_t count = 0;  // output elements
  int rank = 0;       // axes after merging
  int64_t out[kMaxRank] = {};
  // Identity axes: the input stride (table = -1). Table axes: the first Coord of the axis in
  // `table`, and its position among the table axes in `slot`.
  int64_t stride[kMaxRank] = {};
  int32_t table[kMaxRank] = {};
  int slot[kMaxRank] = {};
  int table_axes = 0;
  bool nearest = false;
  float extrapolation = 0.0f;
};

template <typename T>
__global__ void resize_kernel(const T* __restrict__ x, T* __restrict__ y,
                              const Coord* __restrict__ coords, const DeviceTap* __restrict__ taps,
                              ResizeParams p) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < p.count;
       i += int64_t{gridDim.x} * blockDim.x) {
    int64_t rest = i;
    int64_t base = 0;  // the identity axes' offset
    int first[kMaxRank];
    int count[kMaxRank];
    bool outside = false;
    for (int a = p.rank - 1; a >= 0; --a) {
      const int64_t c = rest % p.out[a];
      rest /= p.out[a];
      if (p.table[a] < 0) {
        base += c * p.stride[a];
      } else {
        const Coord k = coords[p.table[a] + c];
        first[p.slot[a]] = k.first;
        count[p.slot[a]] = k.count;
        outside = outside || k.count == 0;
      }
    }
    if (outside) {
      store_float(y, i, p.extrapolation);
      continue;
    }
    if (p.nearest) {
      for (int s = 0; s < p.table_axes; ++s)
        base += taps[first[s]].offset;
      store_float(y, i, load_float(x, base));
      continue;
    }
    int at[kMaxRank];
    for (int s = 0; s < p.table_axes; ++s)
      at[s] = 0;
    double sum = 0.0;
    while (true) {
      double weight = 1.0;
      int64_t offset = base;
      for (int s = 0; s < p.table_axes; ++s) {
        const DeviceTap tap = taps[first[s] + at[s]];
        weight = __dmul_rn(weight, tap.weight);
        offset += tap.offset;
      }
      sum = __dadd_rn(sum, __dmul_rn(weight, static_cast<double>(load_float(x, offset))));
      int s = p.table_axes - 1;
      for (; s >= 0; --s) {
        if (++at[s] < count[s]) break;
        at[s] = 0;
      }
      if (s < 0) break;
    }
    store_float(y, i, __double2float_rn(sum));
  }
}

class ResizeKernel final : public CudaKernel {
 public:
  ResizeKernel(std::string name, ResizeParams params, DeviceArray coords, DeviceArray taps,
               Dims in_dims, Dims out_dims, bool fp16)
      : CudaKernel(std::move(name)),
        params_(params),
        coords_(std::move(coords)),
        taps_(std::move(taps)),
        in_dims_(std::move(in_dims)),
        out_dims_(std::move(out_dims)),
        half_(fp16) {}
  Layout input_layout(int index) const override {
    return index == 0 && half_ ? half_layout(in_dims_) : Layout();
  }
  Layout output_layout(int) const override { return half_ ? half_layout(out_dims_) : Layout(); }
  bool captures_input(int index) const override { return index > 0; }  // roi, scales, sizes

 protected:
  Status launch(const KernelIo& io, cudaStream_t stream) const override {
    if (params_.count == 0) return Status::ok();
    const unsigned blocks = blocks_for(params_.count, kThreads);
    const auto* coords = coords_.as<Coord>();
    const auto* taps = taps_.as<DeviceTap>();
    if (half_) {
      resize_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<const __half*>(io.inputs[0]),
                                                     static_cast<__half*>(io.outputs[0]), coords,
                                                     taps, params_);
    } else {
      resize_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<const float*>(io.inputs[0]),
                                                     static_cast<float*>(io.outputs[0]), coords,
                                                     taps, params_);
    }
    return Status::ok();
  }

 private:
  ResizeParams params_;
  DeviceArray coords_, taps_;
  Dims in_dims_, out_dims_;
  bool half_;
};

}  // namespace

Result<KernelPtr> make_resize(const KernelRequest& request) {
  const Layer& layer = request.layer;
  const Tensor* x = layer.input(0);
  const Tensor* y = layer.output(0);
  if (layer.num_inputs() < 1 || layer.num_inputs() > 4 || x == nullptr || y == nullptr ||
      x->dtype() != DataType::kFloat || y->dtype() != DataType::kFloat || x->is_constant()) {
    return KernelPtr();  // a constant input is folded at build time
  }
  for (int i = 1; i < layer.num_inputs(); ++i) {
    if (layer.input(i) != nullptr && !layer.input(i)->is_constant()) return KernelPtr();
  }
  const ResizeAttrs attrs = layer.attrs_as<ResizeAttrs>();
  const Dims& in = x->dims();
  const Dims& out = y->dims();
  const int rank = in.rank();
  if (out.rank() != rank) return KernelPtr();
  const bool nearest = attrs.mode == ResizeMode::kNearest;

  // Per axis: its coordinates' taps, exactly the reference's (a tap of weight 0 is summed too:
  // 0 · inf is NaN there as well), and whether the axis is an identity.
  INT8RT_ASSIGN_OR_RETURN(const auto axis_coords, reference::resize_taps(layer));
  std::vector<bool> identity(static_cast<size_t>(rank), false);
  for (int a = 0; a < rank; ++a) {
    const auto ua = static_cast<size_t>(a);
    bool same = out[a] == in[a];
    for (int64_t c = 0; c < out[a] && same; ++c) {
      const reference::ResizeTaps& taps = axis_coords[ua][static_cast<size_t>(c)];
      same = taps.size() == 1 && taps[0].index == c && taps[0].weight == 1.0;
    }
    identity[ua] = same;
  }

  // Merge neighbouring identity axes; build the tables of the others.
  std::vector<int64_t> in_strides(static_cast<size_t>(rank), 1);
  for (int a = rank - 2; a >= 0; --a)
    in_strides[static_cast<size_t>(a)] = in_strides[static_cast<size_t>(a) + 1] * in[a + 1];
  ResizeParams p;
  p.count = out.volume();
  p.nearest = nearest;
  p.extrapolation = attrs.extrapolation_value;
  std::vector<Coord> coords;
  std::vector<DeviceTap> taps;
  for (int a = 0; a < rank; ++a) {
    const auto ua = static_cast<size_t>(a);
    if (identity[ua] && p.rank > 0 && p.table[p.rank - 1] < 0) {  // extends an identity axis
      p.out[p.rank - 1] *= out[a];
      p.stride[p.rank - 1] = in_strides[ua];
      continue;
    }
    if (p.rank == kMaxRank) return KernelPtr();
    const int r = p.rank++;
    p.out[r] = out[a];
    if (identity[ua]) {
      p.table[r] = -1;
      p.stride[r] = in_strides[ua];
      continue;
    }
    p.table[r] = static_cast<int32_t>(coords.size());
    p.slot[r] = p.table_axes++;
    for (const reference::ResizeTaps& list : axis_coords[ua]) {
      coords.push_back({static_cast<int32_t>(taps.size()), static_cast<int32_t>(list.size())});
      for (const reference::ResizeTap& tap : list)
        taps.push_back({tap.index * in_strides[ua], tap.weight});
    }
  }
  if (coords.size() > INT32_MAX || taps.size() > INT32_MAX) return KernelPtr();
  if (coords.empty()) coords.push_back({0, 0});  // DeviceArray of at least one element
  if (taps.empty()) taps.push_back({0, 0.0});
  const std::string what = ir::describe(layer);
  INT8RT_ASSIGN_OR_RETURN(DeviceArray device_coords,
                          DeviceArray::upload(coords, what + " coordinates"));
  INT8RT_ASSIGN_OR_RETURN(DeviceArray device_taps, DeviceArray::upload(taps, what + " taps"));
  const bool fp16 = request.allow_fp16;
  const std::string name = std::string(nearest                             ? "cuda.resize_nearest"
                                       : attrs.mode == ResizeMode::kLinear ? "cuda.resize_linear"
                                                                           : "cuda.resize_cubic") +
                           (fp16 ? "(half)" : "");
  return KernelPtr(std::make_unique<ResizeKernel>(name, p, std::move(device_coords),
                                                  std::move(device_taps), in, out, fp16));
}

}  // namespace int8rt::cuda
