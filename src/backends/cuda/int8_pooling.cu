// INT8 pooling on the device, exactly as the reference kernels (reference/int8_pooling.cpp):
//   MaxPool:           the largest int8 value at the window positions inside the input;
//                      requantized to the output scale (int8) or dequantized (float32).
//   AveragePool:       avg = float(int32 sum) / float(count), count the positions inside the
//                      input (or inside the padded input with count_include_pad); int8 output
//                      clamp(rne(avg · (s_in / s_out))), float output avg · s_in.
//   GlobalAveragePool: the same over the whole plane.
// Input NHWC int8 with padded channels; output NHWC int8 (padding channels 0) or NCHW float32.
// One thread per output element.
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/quant_device.cuh"
#include "backends/quant.h"
#include "ir/quantization.h"

namespace int8rt::cuda {

namespace {

enum class PoolKind : uint8_t { kMax, kAverage };

struct PoolParams {
  Window2 g;
  PoolKind kind = PoolKind::kMax;
  bool count_include_pad = false;
  int64_t cp_in = 0;  // input channels in memory
  int64_t cols = 0;   // output channels written: padded (int8) or C (float)
  bool int8_out = true;
  float ratio = 1.0f;  // s_in / s_out
  float s_in = 1.0f;
};

__global__ void int8_pool_kernel(const int8_t* __restrict__ x, void* __restrict__ y, PoolParams p) {
  const Window2& g = p.g;
  const int64_t plane = g.oh * g.ow;
  const int64_t total = g.n * plane * p.cols;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < total;
       i += int64_t{gridDim.x} * blockDim.x) {
    int64_t pixel, c;
    if (p.int8_out) {  // NHWC
      pixel = i / p.cols;
      c = i % p.cols;
      if (c >= g.c) {
        static_cast<int8_t*>(y)[i] = 0;
        continue;
      }
    } else {  // NCHW
      const int64_t n = i / (g.c * plane);
      c = i / plane % g.c;
      pixel = n * plane + i % plane;
    }
    const int64_t n = pixel / plane;
    const int64_t oh = pixel % plane / g.ow, ow = pixel % g.ow;
    const int8_t* xn = x + n * g.ih * g.iw * p.cp_in + c;
    int best = -127;
    int32_t sum = 0;
    int64_t count = 0;
    for (int64_t kh = 0; kh < g.kh; ++kh) {
      const int64_t ih = oh * g.sh - g.pt + kh * g.dh;
      if (ih < -g.pt || ih >= g.ih + g.pb) continue;  // outside the padded input
      for (int64_t kw = 0; kw < g.kw; ++kw) {
        const int64_t iw = ow * g.sw - g.pl + kw * g.dw;
        if (iw < -g.pl || iw >= g.iw + g.pr) continue;
        const bool inside = ih >= 0 && ih < g.ih && iw >= 0 && iw < g.iw;
        if (inside) {
          const int v = xn[(ih * g.iw + iw) * p.cp_in];
          best = v > best ? v : best;
          sum += v;
        }
        if (inside || p.count_include_pad) ++count;
      }
    }
    if (p.kind == PoolKind::kMax) {
      const auto q = static_cast<int8_t>(best);
      if (p.int8_out) {
        static_cast<int8_t*>(y)[i] = requantize_value(q, p.ratio);
      } else {
        static_cast<float*>(y)[i] = __fmul_rn(static_cast<float>(q), p.s_in);
      }
    } else {
      const float avg =
          count > 0 ? __fdiv_rn(static_cast<float>(sum), static_cast<float>(count)) : 0.0f;
      if (p.int8_out) {
        static_cast<int8_t*>(y)[i] = saturate_rne(__fmul_rn(avg, p.ratio));
      } else {
        static_cast<float*>(y)[i] = __fmul_rn(avg, p.s_in);
      }
    }
  }
}

class Int8PoolKernel final : public CudaKernel {
 public:
  Int8PoolKernel(std::string name, PoolParams params, Layout in_layout, Layout out_layout)
      : CudaKernel(std::move(name)),
        params_(params),
        in_layout_(std::move(in_layout)),
        out_layout_(std::move(out_layout)) {}
  Layout input_layout(int) const override { return in_layout_; }
  Layout output_layout(int) const override { return out_layout_; }

 protected:
  Status launch(const KernelIo& io, cudaStream_t stream) const override {
    const Window2& g = params_.g;
    const int64_t total = g.n * g.oh * g.ow * params_.cols;
    const unsigned threads = 256;
    int8_pool_kernel<<<blocks_for(total, threads), threads, 0, stream>>>(
        static_cast<const int8_t*>(io.inputs[0]), io.outputs[0], params_);
    return Status::ok();
  }

 private:
  PoolParams params_;
  Layout in_layout_, out_layout_;
};

int64_t padded_channels_of(const Layout& layout, int64_t channels) {
  const CudaLayout* cuda = cuda_layout(layout);
  return cuda != nullptr ? cuda->padded_channels() : channels;
}

}  // namespace

Result<KernelPtr> make_int8_pooling(const KernelRequest& request) {
  const Layer& layer = request.layer;
  const Tensor* x = layer.input(0);
  const Tensor* out = layer.output(0);
  if (!ir::is_quantized(x) || x->dims().rank() != 4) return KernelPtr();
  if (layer.num_outputs() > 1 && layer.output(1) != nullptr) return KernelPtr();
  const bool int8_out = out->dtype() == DataType::kInt8;
  if (!int8_out && out->dtype() != DataType::kFloat) return KernelPtr();
  PoolParams p;
  switch (layer.type()) {
    case OpType::kMaxPool:
    case OpType::kAveragePool: {
      const auto& attrs = layer.attrs_as<PoolAttrs>();
      INT8RT_ASSIGN_OR_RETURN(
          p.g, window2_of(layer, attrs.kernel_shape, attrs.strides, attrs.pads, attrs.dilations));
      p.kind = layer.type() == OpType::kMaxPool ? PoolKind::kMax : PoolKind::kAverage;
      p.count_include_pad = attrs.count_include_pad;
      break;
    }
    case OpType::kGlobalAveragePool: {
      const Dims& d = x->dims();
      INT8RT_ASSIGN_OR_RETURN(p.g, window2_of(layer, {d[2], d[3]}, {1, 1}, {0, 0, 0, 0}, {1, 1}));
      p.kind = PoolKind::kAverage;
      break;
    }
    default:
      return KernelPtr();
  }
  const Layout in_layout = int8_activation_layout(x->dims());
  const Layout out_layout = int8_out ? int8_activation_layout(out->dims()) : Layout();
  p.cp_in = padded_channels_of(in_layout, p.g.c);
  p.cols = int8_out ? padded_channels_of(out_layout, p.g.c) : p.g.c;
  p.int8_out = int8_out;
  p.s_in = ir::int8_scale(*x);
  p.ratio = int8_out ? quant::requantize_ratio(p.s_in, ir::int8_scale(*out)) : 1.0f;
  const std::string name =
      "cuda.int8." + std::string(layer.type() == OpType::kMaxPool ? "max_pool" : "average_pool");
  return KernelPtr(std::make_unique<Int8PoolKernel>(name, p, in_layout, out_layout));
}

}  // namespace int8rt::cuda
