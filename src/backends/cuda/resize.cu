// Resize of float tensors on the device: every mode (nearest, linear, cubic) and coordinate
// transformation of reference/resize.cpp, any rank, separable per axis.
//
// The per-axis work is done once, at creation, on the host, with the reference's own double
// arithmetic (source coordinate, nearest rounding, linear and Keys cubic weights, clamping or
// exclude_outside renormalization, tf_crop_and_resize extrapolation): for each axis and output
// coordinate, a list of taps (input offset = index · input stride, weight). The device kernel then
// computes, per output element, what the reference computes:
//   outside the crop on any axis: extrapolation_value;
//   nearest: the input element at the taps' offsets;
//   linear, cubic: Σ over the cartesian product of the axes' taps (last axis fastest) of
//                  (Π weights, in axis order) · x, in double with each product and sum rounded
//                  (no fused multiply-adds), then rounded to float.
// So float32 results are the reference's bit for bit, except that taps of weight exactly 0 are
// left out (the reference adds their 0 · x, which only matters when that x is infinite or NaN).
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
#include "ir/ops/compute_params.h"
#include "ir/ops/op_util.h"

namespace int8rt::cuda {

namespace {

constexpr unsigned kThreads = 256;

template <typename T>
__device__ __forceinline__ float load_float(const T* p, int64_t i) {
  if constexpr (std::is_same_v<T, __half>) {
    return __half2float(p[i]);
  } else {
    return p[i];
  }
}

template <typename T>
__device__ __forceinline__ void store_float(T* p, int64_t i, float v) {
  if constexpr (std::is_same_v<T, __half>) {
    p[i] = __float2half_rn(v);
  } else {
    p[i] = v;
  }
}

// ------------------------------------------------------------------ host: the reference's taps

struct Tap {
  int64_t index;
  double weight;
};
using Taps = std::vector<Tap>;

double source_coordinate(const ResizeAttrs& attrs, int64_t x, double scale, int64_t in, int64_t out,
                         double roi_start, double roi_end) {
  const auto xd = static_cast<double>(x);
  const auto ind = static_cast<double>(in);
  double length = scale * ind;
  if (std::fabs(length - static_cast<double>(out)) < 1e-9 * length)
    length = static_cast<double>(out);
  switch (attrs.coordinate_transformation_mode) {
    case ResizeCoordinateMode::kHalfPixel:
      return (xd + 0.5) / scale - 0.5;
    case ResizeCoordinateMode::kHalfPixelSymmetric:
      return ind / 2.0 * (1.0 - static_cast<double>(out) / length) + (xd + 0.5) / scale - 0.5;
    case ResizeCoordinateMode::kPytorchHalfPixel:
      return length > 1.0 ? (xd + 0.5) / scale - 0.5 : 0.0;
    case ResizeCoordinateMode::kAlignCorners:
      return length == 1.0 ? 0.0 : xd * (ind - 1.0) / (length - 1.0);
    case ResizeCoordinateMode::kAsymmetric:
      return xd / scale;
    case ResizeCoordinateMode::kTfCropAndResize:
      return length == 1.0 ? 0.5 * (roi_start + roi_end) * (ind - 1.0)
                           : roi_start * (ind - 1.0) +
                                 xd * (roi_end - roi_start) * (ind - 1.0) / (length - 1.0);
  }
  return xd;
}

int64_t nearest_index(ResizeNearestMode mode, double x) {
  const double lower = std::floor(x);
  const double frac = x - lower;
  switch (mode) {
    case ResizeNearestMode::kRoundPreferFloor:
      return static_cast<int64_t>(frac <= 0.5 ? lower : lower + 1.0);
    case ResizeNearestMode::kRoundPreferCeil:
      return static_cast<int64_t>(frac < 0.5 ? lower : lower + 1.0);
    case ResizeNearestMode::kFloor:
      return static_cast<int64_t>(lower);
    case ResizeNearestMode::kCeil:
      return static_cast<int64_t>(std::ceil(x));
  }
  return static_cast<int64_t>(lower);
}

// Keys' cubic convolution weights for taps at distance 1 + t, t, 1 - t, 2 - t from x'.
std::vector<double> cubic_weights(double t, double a) {
  auto near = [a](double d) { return ((a + 2.0) * d - (a + 3.0)) * d * d + 1.0; };
  auto far = [a](double d) { return ((a * d - 5.0 * a) * d + 8.0 * a) * d - 4.0 * a; };
  return {far(1.0 + t), near(t), near(1.0 - t), far(2.0 - t)};
}

Taps axis_taps(const ResizeAttrs& attrs, double x, int64_t in) {
  Taps taps;
  if (attrs.mode == ResizeMode::kNearest) {
    taps.push_back({std::clamp<int64_t>(nearest_index(attrs.nearest_mode, x), 0, in - 1), 1.0});
    return taps;
  }
  const double lower = std::floor(x);
  const double t = x - lower;
  const auto base = static_cast<int64_t>(lower);
  if (attrs.mode == ResizeMode::kLinear) {
    taps = {{base, 1.0 - t}, {base + 1, t}};
  } else {
    const std::vector<double> w = cubic_weights(t, attrs.cubic_coeff_a);
    for (int i = 0; i < 4; ++i)
      taps.push_back({base - 1 + i, w[static_cast<size_t>(i)]});
  }
  if (attrs.exclude_outside) {
    Taps kept;
    double total = 0.0;
    for (const Tap& tap : taps) {
      if (tap.index >= 0 && tap.index < in) {
        kept.push_back(tap);
        total += tap.weight;
      }
    }
    for (Tap& tap : kept)
      tap.weight /= total;
    return kept;
  }
  for (Tap& tap : taps)
    tap.index = std::clamp<int64_t>(tap.index, 0, in - 1);
  return taps;
}

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
  INT8RT_ASSIGN_OR_RETURN(ir::ResizeGeometry geometry, ir::resize_geometry(layer));
  const Dims& in = x->dims();
  const Dims& out = y->dims();
  const int rank = in.rank();
  if (out.extents() != geometry.out || out.rank() != rank) return KernelPtr();
  const bool crop = attrs.coordinate_transformation_mode == ResizeCoordinateMode::kTfCropAndResize;
  const bool nearest = attrs.mode == ResizeMode::kNearest;

  // Per axis: its coordinates' taps (zero weights left out), and whether it is an identity.
  std::vector<std::vector<Taps>> axis_coords(static_cast<size_t>(rank));
  std::vector<bool> identity(static_cast<size_t>(rank), false);
  for (int a = 0; a < rank; ++a) {
    const auto ua = static_cast<size_t>(a);
    bool same = out[a] == in[a];
    for (int64_t c = 0; c < out[a]; ++c) {
      const double start = crop ? geometry.roi[ua] : 0.0;
      const double end = crop ? geometry.roi[ua + static_cast<size_t>(rank)] : 1.0;
      const double source =
          source_coordinate(attrs, c, geometry.scale[ua], in[a], out[a], start, end);
      Taps taps;
      if (!(crop && (source < 0.0 || source > static_cast<double>(in[a] - 1)))) {
        const Taps all = axis_taps(attrs, source, in[a]);
        for (const Tap& tap : all) {
          if (nearest || tap.weight != 0.0) taps.push_back(tap);
        }
        if (taps.empty() && !all.empty()) taps.push_back(all.front());  // all weights 0
      }
      same = same && taps.size() == 1 && taps[0].index == c && taps[0].weight == 1.0;
      axis_coords[ua].push_back(std::move(taps));
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
    for (const Taps& list : axis_coords[ua]) {
      coords.push_back({static_cast<int32_t>(taps.size()), static_cast<int32_t>(list.size())});
      for (const Tap& tap : list)
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
