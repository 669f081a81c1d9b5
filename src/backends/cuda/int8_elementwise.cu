// INT8 Add and Concat on the device, exactly as the reference kernels:
//   Add:    int8 output clamp(rne(float(qa) · ra + float(qb) · rb)) with ra = s_a / s_y and
//           rb = s_b / s_y; float output float(qa) · s_a + float(qb) · s_b (each product rounded,
//           then the sum).
//   Concat: each input requantized to the output scale (a copy when the scales are equal), or
//           dequantized for a float output.
// Same-shape operands are read in their NHWC layout (padding channels give 0 + 0 = 0); broadcast
// operands, and float outputs, are plain.
#include "backends/cuda/broadcast.cuh"
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/quant_device.cuh"
#include "backends/quant.h"
#include "ir/quantization.h"

namespace int8rt::cuda {

namespace {

constexpr unsigned kThreads = 256;

struct AddParams {
  int64_t count = 0;
  bool same_shape = true;
  BroadcastIndex index;
  float ra = 1.0f, rb = 1.0f;
  bool int8_out = true;
};

// a and y may be one buffer (inplace_input): each element is read, then written, by one thread.
__global__ void int8_add_kernel(const int8_t* a, const int8_t* b, void* y, AddParams p) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < p.count;
       i += int64_t{gridDim.x} * blockDim.x) {
    int64_t ia = i, ib = i;
    if (!p.same_shape) p.index.offsets(i, ia, ib);
    const float v = __fadd_rn(__fmul_rn(static_cast<float>(a[ia]), p.ra),
                              __fmul_rn(static_cast<float>(b[ib]), p.rb));
    if (p.int8_out) {
      static_cast<int8_t*>(y)[i] = saturate_rne(v);
    } else {
      static_cast<float*>(y)[i] = v;
    }
  }
}

class Int8AddKernel final : public CudaKernel {
 public:
  Int8AddKernel(AddParams params, Layout layout)
      : CudaKernel("cuda.int8.add"), params_(params), layout_(std::move(layout)) {}
  Layout input_layout(int) const override { return layout_; }
  Layout output_layout(int) const override { return params_.int8_out ? layout_ : Layout(); }
  int inplace_input() const override { return params_.same_shape && params_.int8_out ? 0 : -1; }

 protected:
  Status launch(const KernelIo& io, cudaStream_t stream) const override {
    int8_add_kernel<<<blocks_for(params_.count, kThreads), kThreads, 0, stream>>>(
        static_cast<const int8_t*>(io.inputs[0]), static_cast<const int8_t*>(io.inputs[1]),
        io.outputs[0], params_);
    return Status::ok();
  }

 private:
  AddParams params_;
  Layout layout_;
};

constexpr int kMaxConcatInputs = 32;

struct ConcatParams {
  int inputs = 0;
  int64_t count = 0;  // output elements (in the output's layout)
  // NHWC channel concat: pixels, the output's padded channels, and per input its first channel
  // and padded channel count. Plain concat: outer extent, and per input its block (the elements
  // of one outer index) and its first element within the output's block.
  bool nhwc = false;
  int64_t out_block = 0;  // nhwc: padded output channels; plain: output elements per outer index
  int64_t begin[kMaxConcatInputs] = {};
  int64_t extent[kMaxConcatInputs] = {};  // channels (nhwc) or block elements (plain)
  int64_t stride[kMaxConcatInputs] = {};  // nhwc: the input's padded channels
  float factor[kMaxConcatInputs] = {};    // s_i / s_out (int8 output) or s_i (float output)
  bool int8_out = true;
};

struct ConcatInputs {
  const int8_t* data[kMaxConcatInputs];
};

__global__ void int8_concat_kernel(ConcatInputs in, void* __restrict__ y, ConcatParams p) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < p.count;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t outer = i / p.out_block;
    const int64_t e = i % p.out_block;
    int k = 0;
    while (k + 1 < p.inputs && e >= p.begin[k + 1])
      ++k;
    const int64_t offset = e - p.begin[k];
    if (offset >= p.extent[k]) {  // an NHWC output's padding channel
      static_cast<int8_t*>(y)[i] = 0;
      continue;
    }
    const int8_t q = in.data[k][outer * (p.nhwc ? p.stride[k] : p.extent[k]) + offset];
    if (p.int8_out) {
      static_cast<int8_t*>(y)[i] = requantize_value(q, p.factor[k]);
    } else {
      static_cast<float*>(y)[i] = __fmul_rn(static_cast<float>(q), p.factor[k]);
    }
  }
}

class Int8ConcatKernel final : public CudaKernel {
 public:
  Int8ConcatKernel(ConcatParams params, std::vector<Layout> in_layouts, Layout out_layout)
      : CudaKernel("cuda.int8.concat"),
        params_(params),
        in_layouts_(std::move(in_layouts)),
        out_layout_(std::move(out_layout)) {}
  Layout input_layout(int index) const override { return in_layouts_[static_cast<size_t>(index)]; }
  Layout output_layout(int) const override { return out_layout_; }

 protected:
  Status launch(const KernelIo& io, cudaStream_t stream) const override {
    ConcatInputs in{};
    for (int k = 0; k < params_.inputs; ++k)
      in.data[k] = static_cast<const int8_t*>(io.inputs[static_cast<size_t>(k)]);
    int8_concat_kernel<<<blocks_for(params_.count, kThreads), kThreads, 0, stream>>>(
        in, io.outputs[0], params_);
    return Status::ok();
  }

 private:
  ConcatParams params_;
  std::vector<Layout> in_layouts_;
  Layout out_layout_;
};

}  // namespace

Result<KernelPtr> make_int8_add(const KernelRequest& request) {
  const Layer& layer = request.layer;
  const Tensor* a = layer.input(0);
  const Tensor* b = layer.input(1);
  const Tensor* out = layer.output(0);
  if (!ir::is_quantized(a) || !ir::is_quantized(b)) return KernelPtr();
  const bool int8_out = out->dtype() == DataType::kInt8;
  if (!int8_out && out->dtype() != DataType::kFloat) return KernelPtr();
  AddParams p;
  p.int8_out = int8_out;
  const float s_out = int8_out ? ir::int8_scale(*out) : 1.0f;
  p.ra = int8_out ? ir::int8_scale(*a) / s_out : ir::int8_scale(*a);
  p.rb = int8_out ? ir::int8_scale(*b) / s_out : ir::int8_scale(*b);
  p.same_shape = a->dims() == out->dims() && b->dims() == out->dims();
  Layout layout;
  if (p.same_shape && int8_out) {
    layout = int8_activation_layout(out->dims());
    const CudaLayout* cuda = cuda_layout(layout);
    p.count = cuda != nullptr ? static_cast<int64_t>(cuda->byte_size()) : out->dims().volume();
  } else {
    p.count = out->dims().volume();
    if (!p.same_shape && !BroadcastIndex::make(a->dims(), b->dims(), out->dims(), p.index)) {
      return KernelPtr();
    }
  }
  return KernelPtr(std::make_unique<Int8AddKernel>(p, layout));
}

Result<KernelPtr> make_int8_concat(const KernelRequest& request) {
  const Layer& layer = request.layer;
  const Tensor* out = layer.output(0);
  const int inputs = layer.num_inputs();
  if (inputs < 1 || inputs > kMaxConcatInputs) return KernelPtr();
  for (int k = 0; k < inputs; ++k) {
    if (!ir::is_quantized(layer.input(k))) return KernelPtr();
  }
  const bool int8_out = out->dtype() == DataType::kInt8;
  if (!int8_out && out->dtype() != DataType::kFloat) return KernelPtr();
  const Dims& out_dims = out->dims();
  int64_t axis = layer.attrs_as<ConcatAttrs>().axis;
  if (axis < 0) axis += out_dims.rank();
  ConcatParams p;
  p.inputs = inputs;
  p.int8_out = int8_out;
  const float s_out = int8_out ? ir::int8_scale(*out) : 1.0f;
  std::vector<Layout> in_layouts(static_cast<size_t>(inputs));
  Layout out_layout;
  // Channels of NHWC int8 tensors: every input and the output in their NHWC layouts.
  p.nhwc = int8_out && out_dims.rank() == 4 && axis == 1;
  if (p.nhwc) {
    out_layout = int8_activation_layout(out_dims);
    const CudaLayout* o = cuda_layout(out_layout);
    p.out_block = o != nullptr ? o->padded_channels() : out_dims[1];
    p.count = out_dims[0] * out_dims[2] * out_dims[3] * p.out_block;
  } else {
    p.out_block = 1;
    for (int a = static_cast<int>(axis); a < out_dims.rank(); ++a)
      p.out_block *= out_dims[a];
    p.count = out_dims.volume();
  }
  int64_t begin = 0;
  for (int k = 0; k < inputs; ++k) {
    const Tensor* t = layer.input(k);
    const float s = ir::int8_scale(*t);
    p.factor[k] = int8_out ? quant::requantize_ratio(s, s_out) : s;
    p.begin[k] = begin;
    if (p.nhwc) {
      in_layouts[static_cast<size_t>(k)] = int8_activation_layout(t->dims());
      const CudaLayout* c = cuda_layout(in_layouts[static_cast<size_t>(k)]);
      p.extent[k] = t->dims()[1];
      p.stride[k] = c != nullptr ? c->padded_channels() : t->dims()[1];
    } else {
      int64_t block = 1;
      for (int a = static_cast<int>(axis); a < t->dims().rank(); ++a)
        block *= t->dims()[a];
      p.extent[k] = block;
    }
    begin += p.extent[k];
  }
  return KernelPtr(std::make_unique<Int8ConcatKernel>(p, std::move(in_layouts), out_layout));
}

}  // namespace int8rt::cuda
