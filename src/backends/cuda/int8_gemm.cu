// INT8 Gemm and MatMul on the device: A (int8, plain, rows = every axis but the last; Gemm may
// transpose it) times the per-column quantized weights (quant::gemm_weights_by_column), int32
// accumulation with __dp4a (int8_tile.cuh), then the output stage of docs/int8.md per element.
// The output is plain int8 or float32 [rows, N].
//   weights: N · K_padded int8 (K rounded up to 4, zero-filled), packed as int32 words.
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/int8_stage.cuh"
#include "backends/cuda/int8_tile.cuh"
#include "ir/quantization.h"

namespace int8rt::cuda {

namespace {

struct GemmParams {
  int64_t rows = 0, cols = 0, k = 0;
  bool trans_a = false;
  bool int8_out = true;
  DeviceOutputStage stage;
};

__global__ void __launch_bounds__(kTileThreads)
    gemm_dp4a(const int8_t* __restrict__ a, const int32_t* __restrict__ w, void* __restrict__ y,
              GemmParams p, int64_t k_words) {
  // Four bytes of row `row` of A (A[k, row] when transposed); zero past K.
  auto a_word = [&](int64_t row, int64_t word) -> int32_t {
    uint32_t packed = 0;
#pragma unroll
    for (int b = 0; b < 4; ++b) {
      const int64_t k = word * 4 + b;
      if (k >= p.k) break;
      const int8_t v = p.trans_a ? a[k * p.rows + row] : a[row * p.k + k];
      packed |= uint32_t{static_cast<uint8_t>(v)} << (8 * b);
    }
    return static_cast<int32_t>(packed);
  };
  auto b_word = [&](int64_t col, int64_t word) -> int32_t { return w[col * k_words + word]; };
  auto epilogue = [&](int64_t row, int64_t col, int32_t acc) {
    const float v = p.stage.finish(acc, col, 0);
    if (p.int8_out) {
      static_cast<int8_t*>(y)[row * p.cols + col] = saturate_rne(v);
    } else {
      static_cast<float*>(y)[row * p.cols + col] = v;
    }
  };
  dp4a_tile(p.rows, p.cols, k_words, a_word, b_word, epilogue);
}

class Int8GemmKernel final : public CudaKernel {
 public:
  Int8GemmKernel(GemmParams params, Int8Stage stage, DeviceArray weights, int64_t k_words)
      : CudaKernel("cuda.int8.gemm(dp4a)"),
        params_(params),
        stage_(std::move(stage)),
        weights_(std::move(weights)),
        k_words_(k_words) {
    params_.stage = stage_.device;
  }
  bool captures_input(int index) const override { return index > 0; }

 protected:
  Status launch(const KernelIo& io, cudaStream_t stream) const override {
    gemm_dp4a<<<tile_grid(params_.rows, params_.cols), kTileThreads, 0, stream>>>(
        static_cast<const int8_t*>(io.inputs[0]), weights_.as<int32_t>(), io.outputs[0], params_,
        k_words_);
    return Status::ok();
  }

 private:
  GemmParams params_;
  Int8Stage stage_;
  DeviceArray weights_;
  int64_t k_words_;
};

}  // namespace

Result<KernelPtr> make_int8_gemm(const KernelRequest& request) {
  const Layer& layer = request.layer;
  const Tensor* a = layer.input(0);
  const Tensor* b = layer.input(1);
  const Tensor* out = layer.output(0);
  if (!ir::is_quantized(a) || !b->is_constant() || b->dtype() != DataType::kFloat ||
      b->dims().rank() != 2 || a->dims().rank() < 2) {
    return KernelPtr();
  }
  const bool int8_out = out->dtype() == DataType::kInt8;
  if (!int8_out && out->dtype() != DataType::kFloat) return KernelPtr();
  GemmParams p;
  p.int8_out = int8_out;
  FusedActivation activation;
  std::vector<float> weights, bias;
  const float* b_values = b->constant_value().data_as<float>();
  if (layer.type() == OpType::kGemm) {
    const auto& attrs = layer.attrs_as<GemmAttrs>();
    if (a->dims().rank() != 2) return KernelPtr();
    p.trans_a = attrs.trans_a;
    p.rows = attrs.trans_a ? a->dims()[1] : a->dims()[0];
    p.k = attrs.trans_a ? a->dims()[0] : a->dims()[1];
    p.cols = attrs.trans_b ? b->dims()[0] : b->dims()[1];
    weights = quant::gemm_weights_by_column(b_values, p.k, p.cols, attrs.trans_b, attrs.alpha);
    if (layer.num_inputs() > 2 && layer.input(2) != nullptr) {
      const Tensor* c = layer.input(2);
      if (!c->is_constant() || c->dtype() != DataType::kFloat) return KernelPtr();
      const Dims& cd = c->dims();
      const int64_t count = cd.volume();
      const bool per_column = cd.rank() <= 1 || (cd.rank() == 2 && cd[0] == 1);
      if (!per_column || (count != 1 && count != p.cols)) return KernelPtr();
      bias = quant::gemm_bias(c->constant_value().data_as<float>(), count, p.cols, attrs.beta);
    }
    activation = attrs.activation;
  } else {
    p.k = a->dims()[a->dims().rank() - 1];
    if (p.k == 0) return KernelPtr();
    p.rows = a->dims().volume() / p.k;
    p.cols = b->dims()[1];
    weights = quant::gemm_weights_by_column(b_values, p.k, p.cols, false, 1.0f);
  }
  if (b->dims().volume() != p.k * p.cols || p.rows == 0 || p.cols == 0 || p.k == 0 ||
      !fits_tile_grid(p.cols)) {
    return KernelPtr();
  }
  quant::PerChannelWeights qw = quant::quantize_per_channel(weights.data(), p.cols, p.k);
  const quant::OutputStage stage = quant::make_output_stage(
      ir::int8_scale(*a), qw.scales, bias.empty() ? nullptr : bias.data(), false, 0.0f, activation,
      int8_out, int8_out ? ir::int8_scale(*out) : 1.0f);
  const std::string what =
      std::string(to_string(layer.type())) + " \"" + layer.name() + "\" weights";
  INT8RT_ASSIGN_OR_RETURN(Int8Stage device_stage, upload_stage(stage, what));
  const int64_t k_words = (p.k + 3) / 4;
  std::vector<int8_t> packed(static_cast<size_t>(p.cols * k_words * 4), 0);
  for (int64_t n = 0; n < p.cols; ++n)
    for (int64_t k = 0; k < p.k; ++k)
      packed[static_cast<size_t>(n * k_words * 4 + k)] =
          qw.values[static_cast<size_t>(n * p.k + k)];
  INT8RT_ASSIGN_OR_RETURN(DeviceArray device_weights, DeviceArray::upload(packed, what));
  return KernelPtr(std::make_unique<Int8GemmKernel>(p, std::move(device_stage),
                                                    std::move(device_weights), k_words));
}

}  // namespace int8rt::cuda
