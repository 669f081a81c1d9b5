// INT8 Conv (2-D) on the device: int32 accumulation of int8 x int8 over the window, then the
// output stage of docs/int8.md per element (quant_device.cuh), exactly as the reference kernel.
//
// Activations are NHWC with channels padded to a multiple of 4 (int8_activation_layout), the
// residual too; the output is NHWC int8 (padding channels written as 0) or NCHW float32.
// Two kernels:
//   dense (group 1): an implicit GEMM. Rows are output pixels, columns output channels,
//     K = KH · KW · C_padded bytes, consumed as 32-bit words with __dp4a (four int8 products
//     summed into int32). A block computes 64 pixels x 64 channels from 8-word slices of both
//     operands in shared memory; a thread keeps 4 x 4 accumulators.
//     weights: M · (KH · KW · C_padded) int8, packed as int32 words, zero in padding channels.
//   direct (grouped and depthwise): one thread per output element, byte loads.
//     weights: M · (C/group) · KH · KW int8, as quantized.
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/int8_stage.cuh"
#include "backends/cuda/int8_tile.cuh"
#include "ir/ops/op_util.h"
#include "ir/quantization.h"

namespace int8rt::cuda {

namespace {

struct ConvParams {
  Window2 g;
  int64_t cp_in = 0;       // input channels in memory (padded)
  int64_t m = 0;           // output channels
  int64_t cols = 0;        // channels written: padded for an int8 output, m for a float one
  int64_t cp_res = 0;      // residual channels in memory (padded)
  int64_t cg = 0, mg = 0;  // input / output channels per group
  bool int8_out = true;
  DeviceOutputStage stage;
};

// Writes one output value: NHWC int8 at (pixel row, channel col), or NCHW float32.
__device__ __forceinline__ void store_output(void* y, const ConvParams& p, int64_t row, int64_t col,
                                             float v) {
  if (p.int8_out) {
    static_cast<int8_t*>(y)[row * p.cols + col] = saturate_rne(v);
  } else {
    const int64_t plane = p.g.oh * p.g.ow;
    const int64_t n = row / plane;
    static_cast<float*>(y)[(n * p.m + col) * plane + row % plane] = v;
  }
}

// Rows: output pixels; columns: output channels; K: the window's (kh, kw, c) bytes.
__global__ void __launch_bounds__(kTileThreads)
    conv_dense_dp4a(const int8_t* __restrict__ x, const int32_t* __restrict__ w, const int8_t* r,
                    void* y, ConvParams p, int64_t k_words) {
  const Window2& g = p.g;
  const int64_t plane = g.oh * g.ow;
  auto a_word = [&](int64_t row, int64_t k) -> int32_t {
    const int64_t byte = k * 4;
    const int64_t position = byte / p.cp_in;  // kh · KW + kw
    const int64_t ih = row % plane / g.ow * g.sh - g.pt + position / g.kw * g.dh;
    const int64_t iw = row % g.ow * g.sw - g.pl + position % g.kw * g.dw;
    if (ih < 0 || ih >= g.ih || iw < 0 || iw >= g.iw) return 0;
    return *reinterpret_cast<const int32_t*>(x + ((row / plane * g.ih + ih) * g.iw + iw) * p.cp_in +
                                             byte % p.cp_in);
  };
  auto b_word = [&](int64_t col, int64_t k) -> int32_t {
    return col < p.m ? w[col * k_words + k] : 0;
  };
  auto epilogue = [&](int64_t row, int64_t col, int32_t acc) {
    if (col >= p.m) {  // an int8 output's padding channel
      static_cast<int8_t*>(y)[row * p.cols + col] = 0;
      return;
    }
    const int8_t residual = r != nullptr ? r[row * p.cp_res + col] : int8_t{0};
    store_output(y, p, row, col, p.stage.finish(acc, col, residual));
  };
  dp4a_tile(g.n * plane, p.cols, k_words, a_word, b_word, epilogue);
}

// One thread per output element; weights [M][C/group][KH][KW].
// r and y may be one buffer (inplace_input): each element is read, then written, by one thread.
__global__ void conv_direct(const int8_t* __restrict__ x, const int8_t* __restrict__ w,
                            const int8_t* r, void* y, ConvParams p) {
  const Window2& g = p.g;
  const int64_t rows = g.n * g.oh * g.ow;
  const int64_t total = rows * p.cols;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < total;
       i += int64_t{gridDim.x} * blockDim.x) {
    int64_t row, col;
    if (p.int8_out) {  // NHWC order: consecutive threads write consecutive channels
      row = i / p.cols;
      col = i % p.cols;
    } else {  // NCHW order
      const int64_t plane = g.oh * g.ow;
      const int64_t n = i / (p.m * plane);
      col = i / plane % p.m;
      row = n * plane + i % plane;
    }
    if (col >= p.m) {
      static_cast<int8_t*>(y)[i] = 0;
      continue;
    }
    const int64_t plane = g.oh * g.ow;
    const int64_t n = row / plane;
    const int64_t oh = row % plane / g.ow, ow = row % g.ow;
    const int64_t c_begin = col / p.mg * p.cg;
    const int8_t* wc = w + col * p.cg * g.kh * g.kw;
    int32_t acc = 0;
    for (int64_t kh = 0; kh < g.kh; ++kh) {
      const int64_t ih = oh * g.sh - g.pt + kh * g.dh;
      if (ih < 0 || ih >= g.ih) continue;
      for (int64_t kw = 0; kw < g.kw; ++kw) {
        const int64_t iw = ow * g.sw - g.pl + kw * g.dw;
        if (iw < 0 || iw >= g.iw) continue;
        const int8_t* xp = x + ((n * g.ih + ih) * g.iw + iw) * p.cp_in + c_begin;
        const int8_t* wp = wc + kh * g.kw + kw;
        for (int64_t c = 0; c < p.cg; ++c)
          acc += int32_t{xp[c]} * int32_t{wp[c * g.kh * g.kw]};
      }
    }
    const int8_t residual = r != nullptr ? r[row * p.cp_res + col] : int8_t{0};
    store_output(y, p, row, col, p.stage.finish(acc, col, residual));
  }
}

class Int8ConvKernel final : public CudaKernel {
 public:
  Int8ConvKernel(bool dense, ConvParams params, Int8Stage stage, DeviceArray weights,
                 int64_t k_words, Layout in_layout, Layout out_layout, Layout residual_layout)
      : CudaKernel(dense ? "cuda.int8.conv(dp4a)" : "cuda.int8.conv(direct)"),
        dense_(dense),
        params_(params),
        stage_(std::move(stage)),
        weights_(std::move(weights)),
        k_words_(k_words),
        in_layout_(std::move(in_layout)),
        out_layout_(std::move(out_layout)),
        residual_layout_(std::move(residual_layout)) {
    params_.stage = stage_.device;
  }
  Layout input_layout(int index) const override {
    return index == 0 ? in_layout_ : index == 3 ? residual_layout_ : Layout();
  }
  Layout output_layout(int) const override { return out_layout_; }
  bool captures_input(int index) const override { return index == 1 || index == 2; }
  // A residual with the output's layout and size: the output may take its buffer.
  int inplace_input() const override {
    return params_.stage.has_residual && params_.int8_out ? 3 : -1;
  }

 protected:
  Status launch(const KernelIo& io, cudaStream_t stream) const override {
    const auto* x = static_cast<const int8_t*>(io.inputs[0]);
    const auto* r = params_.stage.has_residual ? static_cast<const int8_t*>(io.inputs[3]) : nullptr;
    const Window2& g = params_.g;
    const int64_t rows = g.n * g.oh * g.ow;
    if (dense_) {
      conv_dense_dp4a<<<tile_grid(rows, params_.cols), kTileThreads, 0, stream>>>(
          x, weights_.as<int32_t>(), r, io.outputs[0], params_, k_words_);
    } else {
      const unsigned threads = 256;
      conv_direct<<<blocks_for(rows * params_.cols, threads), threads, 0, stream>>>(
          x, weights_.as<int8_t>(), r, io.outputs[0], params_);
    }
    return Status::ok();
  }

 private:
  bool dense_;
  ConvParams params_;
  Int8Stage stage_;
  DeviceArray weights_;
  int64_t k_words_;
  Layout in_layout_, out_layout_, residual_layout_;
};

int64_t padded_channels_of(const Layout& layout, int64_t channels) {
  const CudaLayout* cuda = cuda_layout(layout);
  return cuda != nullptr ? cuda->padded_channels() : channels;
}

}  // namespace

Result<KernelPtr> make_int8_conv(const KernelRequest& request) {
  const Layer& layer = request.layer;
  const auto& attrs = layer.attrs_as<ConvAttrs>();
  const Tensor* x = layer.input(0);
  const Tensor* out = layer.output(0);
  if (x->dims().rank() != 4 || !ir::is_quantized(x) || !layer.input(1)->is_constant()) {
    return KernelPtr();
  }
  const bool has_residual = layer.num_inputs() > 3 && layer.input(3) != nullptr;
  if (has_residual && !ir::is_quantized(layer.input(3))) return KernelPtr();
  const bool int8_out = out->dtype() == DataType::kInt8;
  if (!int8_out && out->dtype() != DataType::kFloat) return KernelPtr();
  INT8RT_ASSIGN_OR_RETURN(
      Window2 g, window2_of(layer, attrs.kernel_shape, attrs.strides, attrs.pads, attrs.dilations));
  const Layout in_layout = int8_activation_layout(x->dims());
  const Layout out_layout = int8_out ? int8_activation_layout(out->dims()) : Layout();
  const Layout residual_layout = has_residual ? int8_activation_layout(out->dims()) : Layout();

  ConvParams p;
  p.g = g;
  p.cp_in = padded_channels_of(in_layout, g.c);
  p.m = out->dims()[1];
  p.cols = int8_out ? padded_channels_of(out_layout, p.m) : p.m;
  p.cp_res = has_residual ? padded_channels_of(residual_layout, p.m) : 0;
  p.cg = g.c / attrs.group;
  p.mg = p.m / attrs.group;
  p.int8_out = int8_out;

  const float s_in = ir::int8_scale(*x);
  const float* w = layer.input(1)->constant_value().data_as<float>();
  const float* bias = nullptr;
  if (layer.num_inputs() > 2 && layer.input(2) != nullptr) {
    if (!layer.input(2)->is_constant() || layer.input(2)->dtype() != DataType::kFloat) {
      return KernelPtr();
    }
    bias = layer.input(2)->constant_value().data_as<float>();
  }
  const int64_t k_volume = g.kh * g.kw;
  quant::PerChannelWeights qw = quant::quantize_per_channel(w, p.m, p.cg * k_volume);
  const float s_residual = has_residual ? ir::int8_scale(*layer.input(3)) : 0.0f;
  const quant::OutputStage stage =
      quant::make_output_stage(s_in, qw.scales, bias, has_residual, s_residual, attrs.activation,
                               int8_out, int8_out ? ir::int8_scale(*out) : 1.0f);
  const std::string what = "Conv \"" + layer.name() + "\" weights";
  INT8RT_ASSIGN_OR_RETURN(Int8Stage device_stage, upload_stage(stage, what));

  if (g.n * g.oh * g.ow == 0 || p.m == 0 || !fits_tile_grid(p.cols)) return KernelPtr();
  const bool dense = attrs.group == 1;
  DeviceArray weights;
  int64_t k_words = 0;
  if (dense) {
    // [M][KH][KW][C_padded] from [M][C][KH][KW], zero in the padding channels.
    const int64_t k_bytes = k_volume * p.cp_in;
    k_words = k_bytes / 4;
    std::vector<int8_t> packed(static_cast<size_t>(p.m * k_bytes), 0);
    for (int64_t m = 0; m < p.m; ++m)
      for (int64_t c = 0; c < p.cg; ++c)
        for (int64_t k = 0; k < k_volume; ++k)
          packed[static_cast<size_t>(m * k_bytes + k * p.cp_in + c)] =
              qw.values[static_cast<size_t>((m * p.cg + c) * k_volume + k)];
    INT8RT_ASSIGN_OR_RETURN(weights, DeviceArray::upload(packed, what));
  } else {
    INT8RT_ASSIGN_OR_RETURN(weights, DeviceArray::upload(qw.values, what));
  }
  return KernelPtr(std::make_unique<Int8ConvKernel>(dense, p, std::move(device_stage),
                                                    std::move(weights), k_words, in_layout,
                                                    out_layout, residual_layout));
}

}  // namespace int8rt::cuda
