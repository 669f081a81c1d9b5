// Concat, Transpose and Slice on the device (reference/layout.cpp): copies of elements as raw
// bits, so every dtype works; a float tensor of an FP16 layer moves as half (2 bytes).
//
// Transpose and Slice are strided copies: output element (i0, i1, ...) reads input offset
// base + Σ i_a · stride_a, where stride_a is the input stride of input axis perm[a] (Transpose) or
// step_a · the input stride of axis a, and base Σ start_a · input stride (Slice). The axes are
// simplified first (extent-1 axes dropped, neighbours merged where the input walks them as one,
// e.g. a channel slice of NCHW is [N, C'·H·W] rows). Then:
//   the innermost axis contiguous in the input (stride 1): one thread per output unit, with
//     elements grouped into units of up to 16 bytes when sizes, offsets and pointers allow;
//   another axis contiguous in the input (a real transpose), both at least 16 long: 32 x 32
//     tiles through shared memory, so that reads and writes are both coalesced;
//   otherwise: one thread per output element.
// Concat: input k's rows (its part of each index of the axes before `axis`) go to column begin_k
// of the output's rows; one grid row per input, in units of up to 16 bytes. A constant float
// input of an FP16 Concat is converted to half and uploaded at creation.
#include <cuda_fp16.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "backends/cuda/broadcast.cuh"
#include "backends/cuda/cuda_kernels.h"
#include "ir/ops/op_util.h"

namespace int8rt::cuda {

namespace {

constexpr unsigned kThreads = 256;
constexpr int kMaxConcatInputs = 32;
constexpr int kTile = 32;

// The widest unit (16, 8, 4, 2 bytes, at least `element`) that divides every value of `bytes`
// and the address of every pointer.
size_t widest_unit(size_t element, const std::vector<int64_t>& bytes,
                   const std::vector<const void*>& pointers) {
  for (size_t w = 16; w > element; w /= 2) {
    bool ok = w % element == 0;
    for (int64_t b : bytes)
      ok = ok && b % static_cast<int64_t>(w) == 0;
    for (const void* p : pointers)
      ok = ok && reinterpret_cast<uintptr_t>(p) % w == 0;
    if (ok) return w;
  }
  return element;
}

// Calls fn(U{}) with U an unsigned type of `bytes` bytes (1, 2, 4, 8 or 16).
template <typename Fn>
void dispatch_unit(size_t bytes, Fn&& fn) {
  switch (bytes) {
    case 1:
      fn(uint8_t{});
      break;
    case 2:
      fn(uint16_t{});
      break;
    case 4:
      fn(uint32_t{});
      break;
    case 8:
      fn(uint64_t{});
      break;
    default:
      fn(uint4{});
      break;
  }
}

// ------------------------------------------------------------------ strided copies

struct Strided {
  int rank = 0;
  int64_t count = 0;  // output elements (or units)
  int64_t base = 0;   // input offset of output element 0
  int64_t out[kMaxRank] = {};
  int64_t stride[kMaxRank] = {};  // input stride per output axis
};

template <typename U>
__global__ void strided_copy_kernel(const U* __restrict__ x, U* __restrict__ y, Strided p) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < p.count;
       i += int64_t{gridDim.x} * blockDim.x) {
    int64_t rest = i;
    int64_t offset = p.base;
    for (int a = p.rank - 1; a >= 0; --a) {
      offset += rest % p.out[a] * p.stride[a];
      rest /= p.out[a];
    }
    y[i] = x[offset];
  }
}

// A transpose through 32 x 32 tiles. A: the output axis `tile_axis` (input stride 1); B: the
// innermost output axis (output stride 1). The other axes are the batch. Blocks are 32 x 8.
template <typename U>
__global__ void tiled_copy_kernel(const U* __restrict__ x, U* __restrict__ y, Strided p,
                                  int tile_axis) {
  __shared__ U tile[kTile][kTile + 1];
  const int last = p.rank - 1;
  const int64_t extent_a = p.out[tile_axis], extent_b = p.out[last];
  const int64_t tiles_a = (extent_a + kTile - 1) / kTile, tiles_b = (extent_b + kTile - 1) / kTile;
  int64_t out_stride_a = 1;
  for (int a = tile_axis + 1; a < p.rank; ++a)
    out_stride_a *= p.out[a];
  const int64_t batches = p.count / (extent_a * extent_b);
  const int64_t tiles = batches * tiles_a * tiles_b;
  for (int64_t t = blockIdx.x; t < tiles; t += gridDim.x) {
    const int64_t tb = t % tiles_b, ta = t / tiles_b % tiles_a;
    int64_t batch = t / (tiles_b * tiles_a);
    int64_t in_offset = p.base, out_offset = 0, out_stride = 1;
    for (int a = last; a >= 0; --a) {
      if (a != tile_axis && a != last) {
        const int64_t c = batch % p.out[a];
        batch /= p.out[a];
        in_offset += c * p.stride[a];
        out_offset += c * out_stride;
      }
      out_stride *= p.out[a];
    }
    for (int r = threadIdx.y; r < kTile; r += blockDim.y) {  // rows along B, columns along A
      const int64_t ib = tb * kTile + r, ia = ta * kTile + threadIdx.x;
      if (ib < extent_b && ia < extent_a)
        tile[r][threadIdx.x] = x[in_offset + ib * p.stride[last] + ia];
    }
    __syncthreads();
    for (int r = threadIdx.y; r < kTile; r += blockDim.y) {  // rows along A, columns along B
      const int64_t ia = ta * kTile + r, ib = tb * kTile + threadIdx.x;
      if (ia < extent_a && ib < extent_b)
        y[out_offset + ia * out_stride_a + ib] = tile[threadIdx.x][r];
    }
    __syncthreads();
  }
}

// `p` with extent-1 axes dropped and neighbours merged where the input walks them as one.
Strided simplify(const std::vector<int64_t>& out, const std::vector<int64_t>& stride, int64_t base,
                 bool& ok) {
  std::vector<int64_t> o, s;
  for (size_t a = 0; a < out.size(); ++a) {
    if (out[a] == 1) continue;
    if (!o.empty() && s.back() == stride[a] * out[a]) {
      o.back() *= out[a];
      s.back() = stride[a];
    } else {
      o.push_back(out[a]);
      s.push_back(stride[a]);
    }
  }
  Strided p;
  p.base = base;
  p.count = 1;
  for (int64_t e : out)
    p.count *= e;
  ok = o.size() <= static_cast<size_t>(kMaxRank);
  if (!ok) return p;
  p.rank = static_cast<int>(o.size());
  std::copy(o.begin(), o.end(), p.out);
  std::copy(s.begin(), s.end(), p.stride);
  return p;
}

class StridedCopyKernel final : public CudaKernel {
 public:
  // `element`: bytes per element; `fp16`: input and output are float tensors stored as half.
  StridedCopyKernel(std::string name, Strided params, size_t element, Dims in_dims, Dims out_dims,
                    bool fp16)
      : CudaKernel(std::move(name)),
        params_(params),
        element_(element),
        in_dims_(std::move(in_dims)),
        out_dims_(std::move(out_dims)),
        half_(fp16) {
    // Tiles pay off when both tile axes are long; short ones (e.g. NCHW -> NHWC with 3
    // channels) stay coalesced enough one element per thread.
    const int last = params_.rank - 1;
    for (int a = 0; a < last; ++a) {
      if (params_.stride[last] != 1 && params_.stride[a] == 1 && params_.out[a] >= 16 &&
          params_.out[last] >= 16) {
        tile_axis_ = a;
      }
    }
  }
  Layout input_layout(int index) const override {
    return index == 0 && half_ ? half_layout(in_dims_) : Layout();
  }
  Layout output_layout(int) const override { return half_ ? half_layout(out_dims_) : Layout(); }
  bool captures_input(int index) const override { return index > 0; }  // Slice's parameters

 protected:
  Status launch(const KernelIo& io, cudaStream_t stream) const override {
    if (params_.count == 0) return Status::ok();
    const void* x = io.inputs[0];
    void* y = io.outputs[0];
    if (tile_axis_ >= 0) {
      const int64_t tiles = params_.count /
                            (params_.out[tile_axis_] * params_.out[params_.rank - 1]) *
                            ((params_.out[tile_axis_] + kTile - 1) / kTile) *
                            ((params_.out[params_.rank - 1] + kTile - 1) / kTile);
      const auto blocks = static_cast<unsigned>(std::min<int64_t>(tiles, 65535 * 1024));
      dispatch_unit(element_, [&](auto unit) {
        using U = decltype(unit);
        tiled_copy_kernel<<<blocks, dim3(kTile, 8), 0, stream>>>(
            static_cast<const U*>(x), static_cast<U*>(y), params_, tile_axis_);
      });
      return Status::ok();
    }
    // Units of w bytes when the innermost axis is contiguous and everything is a multiple of w.
    Strided p = params_;
    size_t unit = element_;
    if (p.rank > 0 && p.stride[p.rank - 1] == 1) {
      std::vector<int64_t> bytes = {p.out[p.rank - 1] * static_cast<int64_t>(element_),
                                    p.base * static_cast<int64_t>(element_)};
      for (int a = 0; a + 1 < p.rank; ++a)
        bytes.push_back(p.stride[a] * static_cast<int64_t>(element_));
      unit = widest_unit(element_, bytes, {x, y});
      const auto v = static_cast<int64_t>(unit / element_);
      p.out[p.rank - 1] /= v;
      for (int a = 0; a + 1 < p.rank; ++a)
        p.stride[a] /= v;
      p.base /= v;
      p.count /= v;
    }
    dispatch_unit(unit, [&](auto u) {
      using U = decltype(u);
      strided_copy_kernel<<<blocks_for(p.count, kThreads), kThreads, 0, stream>>>(
          static_cast<const U*>(x), static_cast<U*>(y), p);
    });
    return Status::ok();
  }

 private:
  Strided params_;
  size_t element_;
  Dims in_dims_, out_dims_;
  bool half_;
  int tile_axis_ = -1;  // the output axis that is contiguous in the input, for a tiled transpose
};

// Bytes per element of `t` as stored: 2 for a float tensor in half.
size_t element_bytes(const Tensor* t, bool fp16) {
  return fp16 ? 2 : element_size(t->dtype());
}

// ------------------------------------------------------------------ Concat

struct ConcatParams {
  int inputs = 0;
  int64_t outer = 1;      // the product of the axes before `axis`
  int64_t out_block = 0;  // output units per outer index
  int64_t begin[kMaxConcatInputs] = {};
  int64_t extent[kMaxConcatInputs] = {};  // input units per outer index
};

struct ConcatInputs {
  const void* data[kMaxConcatInputs];
};

// Grid row k copies input k: its unit i = (o, e) goes to output unit o · out_block + begin_k + e.
template <typename U>
__global__ void concat_kernel(ConcatInputs in, U* __restrict__ y, ConcatParams p) {
  const int k = static_cast<int>(blockIdx.y);
  const auto* x = static_cast<const U*>(in.data[k]);
  const int64_t extent = p.extent[k];
  const int64_t count = p.outer * extent;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * blockDim.x) {
    y[i / extent * p.out_block + p.begin[k] + i % extent] = x[i];
  }
}

class ConcatKernel final : public CudaKernel {
 public:
  // `params` in elements of `element` bytes; `captured[k]`: input k uploaded at creation.
  ConcatKernel(std::string name, ConcatParams params, size_t element, std::vector<Dims> in_dims,
               Dims out_dims, bool fp16, std::vector<bool> half_inputs,
               std::vector<DeviceArray> captured)
      : CudaKernel(std::move(name)),
        params_(params),
        element_(element),
        in_dims_(std::move(in_dims)),
        out_dims_(std::move(out_dims)),
        half_(fp16),
        half_inputs_(std::move(half_inputs)),
        captured_(std::move(captured)) {}
  Layout input_layout(int index) const override {
    const auto i = static_cast<size_t>(index);
    return half_inputs_[i] ? half_layout(in_dims_[i]) : Layout();
  }
  Layout output_layout(int) const override { return half_ ? half_layout(out_dims_) : Layout(); }
  bool captures_input(int index) const override {
    return !captured_[static_cast<size_t>(index)].empty();
  }

 protected:
  Status launch(const KernelIo& io, cudaStream_t stream) const override {
    if (params_.outer * params_.out_block == 0) return Status::ok();
    ConcatInputs in{};
    std::vector<int64_t> bytes = {params_.out_block * static_cast<int64_t>(element_)};
    std::vector<const void*> pointers = {io.outputs[0]};
    for (int k = 0; k < params_.inputs; ++k) {
      const DeviceArray& c = captured_[static_cast<size_t>(k)];
      in.data[k] = c.empty() ? io.inputs[static_cast<size_t>(k)] : c.as<void>();
      bytes.push_back(params_.extent[k] * static_cast<int64_t>(element_));
      pointers.push_back(in.data[k]);
    }
    const size_t unit = widest_unit(element_, bytes, pointers);
    const auto v = static_cast<int64_t>(unit / element_);
    ConcatParams p = params_;
    int64_t largest = 0;
    p.out_block /= v;
    for (int k = 0; k < p.inputs; ++k) {
      p.begin[k] /= v;
      p.extent[k] /= v;
      largest = std::max(largest, p.outer * p.extent[k]);
    }
    const dim3 grid(blocks_for(largest, kThreads), static_cast<unsigned>(p.inputs));
    dispatch_unit(unit, [&](auto u) {
      using U = decltype(u);
      concat_kernel<<<grid, kThreads, 0, stream>>>(in, static_cast<U*>(io.outputs[0]), p);
    });
    return Status::ok();
  }

 private:
  ConcatParams params_;
  size_t element_;
  std::vector<Dims> in_dims_;
  Dims out_dims_;
  bool half_;
  std::vector<bool> half_inputs_;
  std::vector<DeviceArray> captured_;
};

}  // namespace

Result<KernelPtr> make_concat(const KernelRequest& request) {
  const Layer& layer = request.layer;
  const Tensor* y = layer.output(0);
  const int inputs = layer.num_inputs();
  if (y == nullptr || inputs < 1 || inputs > kMaxConcatInputs) return KernelPtr();
  const Dims& out = y->dims();
  int64_t axis = layer.attrs_as<ConcatAttrs>().axis;
  if (axis < 0) axis += out.rank();
  if (axis < 0 || axis >= out.rank()) return KernelPtr();
  const bool is_float = y->dtype() == DataType::kFloat;
  const bool fp16 = request.allow_fp16 && is_float;
  const size_t element = fp16 ? 2 : element_size(y->dtype());
  ConcatParams p;
  p.inputs = inputs;
  for (int a = 0; a < axis; ++a)
    p.outer *= out[a];
  std::vector<Dims> in_dims;
  std::vector<bool> half_inputs;
  std::vector<DeviceArray> captured(static_cast<size_t>(inputs));
  int64_t begin = 0;
  for (int k = 0; k < inputs; ++k) {
    const Tensor* t = layer.input(k);
    if (t == nullptr || t->dtype() != y->dtype() || t->dims().rank() != out.rank()) {
      return KernelPtr();
    }
    int64_t block = 1;
    for (int a = static_cast<int>(axis); a < out.rank(); ++a)
      block *= t->dims()[a];
    p.begin[k] = begin;
    p.extent[k] = block;
    begin += block;
    in_dims.push_back(t->dims());
    half_inputs.push_back(fp16 && !t->is_constant());
    if (fp16 && t->is_constant()) {  // constants are float32: upload them as half
      const Weights& w = t->constant_value();
      std::vector<__half> values(static_cast<size_t>(w.count()));
      for (size_t i = 0; i < values.size(); ++i)
        values[i] = __float2half_rn(w.data_as<float>()[i]);
      INT8RT_ASSIGN_OR_RETURN(captured[static_cast<size_t>(k)],
                              DeviceArray::upload(values, ir::describe(layer) + " input " +
                                                              std::to_string(k) + " (half)"));
    }
  }
  p.out_block = begin;
  if (p.outer * p.out_block != out.volume()) return KernelPtr();
  return KernelPtr(std::make_unique<ConcatKernel>(fp16 ? "cuda.concat(half)" : "cuda.concat", p,
                                                  element, std::move(in_dims), out, fp16,
                                                  std::move(half_inputs), std::move(captured)));
}

Result<KernelPtr> make_transpose(const KernelRequest& request) {
  const Layer& layer = request.layer;
  const Tensor* x = layer.input(0);
  const Tensor* y = layer.output(0);
  if (x == nullptr || y == nullptr || x->dtype() != y->dtype()) return KernelPtr();
  const Dims& in = x->dims();
  const int rank = in.rank();
  std::vector<int64_t> perm = layer.attrs_as<TransposeAttrs>().perm;
  if (perm.empty()) {
    for (int a = rank - 1; a >= 0; --a)
      perm.push_back(a);
  }
  if (static_cast<int>(perm.size()) != rank) return KernelPtr();
  std::vector<int64_t> in_strides(static_cast<size_t>(rank), 1);
  for (int a = rank - 2; a >= 0; --a)
    in_strides[static_cast<size_t>(a)] = in_strides[static_cast<size_t>(a) + 1] * in[a + 1];
  std::vector<int64_t> out, strides;
  for (int64_t axis : perm) {
    if (axis < 0 || axis >= rank) return KernelPtr();
    out.push_back(in[static_cast<int>(axis)]);
    strides.push_back(in_strides[static_cast<size_t>(axis)]);
  }
  if (Dims(out) != y->dims()) return KernelPtr();
  bool ok = false;
  const Strided p = simplify(out, strides, 0, ok);
  if (!ok) return KernelPtr();
  const bool fp16 = request.allow_fp16 && x->dtype() == DataType::kFloat && !x->is_constant();
  return KernelPtr(
      std::make_unique<StridedCopyKernel>(fp16 ? "cuda.transpose(half)" : "cuda.transpose", p,
                                          element_bytes(x, fp16), in, y->dims(), fp16));
}

Result<KernelPtr> make_slice(const KernelRequest& request) {
  const Layer& layer = request.layer;
  const Tensor* x = layer.input(0);
  const Tensor* y = layer.output(0);
  if (x == nullptr || y == nullptr || x->dtype() != y->dtype() || layer.num_inputs() < 3 ||
      layer.num_inputs() > 5) {
    return KernelPtr();
  }
  for (int i = 1; i < layer.num_inputs(); ++i) {
    if (layer.input(i) != nullptr && !layer.input(i)->is_constant()) return KernelPtr();
  }
  INT8RT_ASSIGN_OR_RETURN(std::vector<ir::SliceAxis> slice, ir::resolve_slice(layer));
  const Dims& in = x->dims();
  const int rank = in.rank();
  if (static_cast<int>(slice.size()) != rank) return KernelPtr();
  std::vector<int64_t> in_strides(static_cast<size_t>(rank), 1);
  for (int a = rank - 2; a >= 0; --a)
    in_strides[static_cast<size_t>(a)] = in_strides[static_cast<size_t>(a) + 1] * in[a + 1];
  std::vector<int64_t> out, strides;
  int64_t base = 0;
  for (size_t a = 0; a < slice.size(); ++a) {
    base += slice[a].start * in_strides[a];
    out.push_back(slice[a].count);
    strides.push_back(slice[a].step * in_strides[a]);
  }
  if (Dims(out) != y->dims()) return KernelPtr();
  bool ok = false;
  const Strided p = simplify(out, strides, base, ok);
  if (!ok) return KernelPtr();
  const bool fp16 = request.allow_fp16 && x->dtype() == DataType::kFloat && !x->is_constant();
  return KernelPtr(std::make_unique<StridedCopyKernel>(
      fp16 ? "cuda.slice(half)" : "cuda.slice", p, element_bytes(x, fp16), in, y->dims(), fp16));
}

}  // namespace int8rt::cuda
