// INT8 Conv on oneDNN: s8 source in the layout the primitive prefers (NHWC on AVX-512), s8
// weights quantized per output channel and packed once, f32 bias b' in the accumulator domain,
// per-channel output scales and the post-ops of int8_common.h; s8 or f32 destination.
//
// s8 · s8 products: oneDNN shifts the source to u8 (x + 128) and subtracts 128 · Σw, a
// compensation precomputed when the weights are packed. With VNNI (vpdpbusd) the u8 · s8 products
// accumulate in int32 exactly. Without it (AVX2: vpmaddubsw adds pairs of u8 · s8 products into
// saturating int16) oneDNN packs the weights halved (memory extra scale_adjust = 0.5, so odd
// weights round) and doubles the output scale: not the contract. There the kernel runs the split
// form instead: x = x⁺ - x⁻ with x⁺ = max(x, 0), x⁻ = max(-x, 0), both u8 in [0, 127], and
//   acc = Σ w · x⁺ + Σ (-w) · x⁻
// is one u8 convolution over 2C channels (per group: the group's C/G channels of x⁺, then of x⁻)
// with weights [w | -w]. A pair sum is at most 2 · 127 · 127 = 32258 < 32767, so vpmaddubsw never
// saturates and acc is exact; a u8 source needs no compensation and no weight adjustment. It costs
// twice the multiply-adds and one pass writing the split source (NHWC u8) into scratch.
// Depthwise convs get a form of their own (DepthwiseSplitKernel below).
#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "backends/cpu/conv_geometry.h"
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/int8_common.h"
#include "backends/cpu/onednn_common.h"

namespace int8rt::cpu {

using dnnl::memory;

namespace {

// Channels-last tag of a rank-3..5 tensor.
memory::format_tag channels_last(int rank) {
  return rank == 3   ? memory::format_tag::nwc
         : rank == 4 ? memory::format_tag::nhwc
                     : memory::format_tag::ndhwc;
}

// The weights [O, C/G, k...] quantized, as [O, 2C/G, k...]: per output channel, its C/G input
// channels' weights, then the same negated.
Weights split_weights(const Weights& q) {
  const Dims& dims = q.dims();
  const int64_t out = dims[0];
  const int64_t row = dims.volume() / out;  // C/G · k...
  std::vector<int64_t> extents(dims.extents().begin(), dims.extents().end());
  extents[1] *= 2;
  Weights result = Weights::zeros(DataType::kInt8, Dims(extents));
  const auto* src = q.data_as<int8_t>();
  auto* dst = static_cast<int8_t*>(result.mutable_data());
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t i = 0; i < row; ++i) {
      dst[o * 2 * row + i] = src[o * row + i];
      dst[o * 2 * row + row + i] = static_cast<int8_t>(-src[o * row + i]);
    }
  }
  return result;
}

// Splits an NHWC s8 source into x⁺ | x⁻ per group (NHWC u8, 2C channels) in scratch, then runs
// the u8 convolution on it.
class SplitSourceConvKernel final : public Kernel {
 public:
  SplitSourceConvKernel(std::unique_ptr<PrimitiveKernel> conv, memory::desc source, int64_t pixels,
                        int64_t channels, int64_t group)
      : conv_(std::move(conv)),
        source_(std::move(source)),
        pixels_(pixels),
        channels_(channels),
        group_(group),
        split_bytes_((static_cast<size_t>(pixels * channels * 2) + 63) / 64 * 64) {}

  std::string name() const override { return conv_->name() + "[split s8]"; }
  size_t scratch_bytes() const override { return split_bytes_ + conv_->scratch_bytes(); }
  std::unique_ptr<KernelState> create_state() const override { return conv_->create_state(); }
  Layout input_layout(int index) const override {
    return index == 0 ? to_layout(source_) : conv_->input_layout(index);
  }
  Layout output_layout(int index) const override { return conv_->output_layout(index); }
  int inplace_input() const override { return conv_->inplace_input(); }

  Status execute(const KernelIo& io) const override {
    const auto* x = static_cast<const int8_t*>(io.inputs[0]);
    auto* split = static_cast<uint8_t*>(io.scratch);
    const int64_t per_group = channels_ / group_;
#pragma omp parallel for
    for (int64_t p = 0; p < pixels_; ++p) {
      const int8_t* in = x + p * channels_;
      uint8_t* out = split + p * 2 * channels_;
      for (int64_t g = 0; g < group_; ++g) {
        for (int64_t c = 0; c < per_group; ++c) {
          const int v = in[g * per_group + c];
          out[2 * g * per_group + c] = static_cast<uint8_t>(std::max(v, 0));
          out[2 * g * per_group + per_group + c] = static_cast<uint8_t>(std::max(-v, 0));
        }
      }
    }
    std::vector<const void*> inputs(io.inputs.begin(), io.inputs.end());
    inputs[0] = split;
    KernelIo inner{inputs, io.outputs, static_cast<std::byte*>(io.scratch) + split_bytes_,
                   io.state};
    return conv_->execute(inner);
  }

 private:
  std::unique_ptr<PrimitiveKernel> conv_;
  memory::desc source_;  // s8, channels-last, C channels
  int64_t pixels_, channels_, group_;
  size_t split_bytes_;
};

// Depthwise convs (one input channel per group) without VNNI: the split form would make groups of
// two channels, which oneDNN runs with its reference implementation. Instead two u8 depthwise
// convs (jit) compute x⁺ · w and x⁻ · w into int32, acc = (x⁺ · w) - (x⁻ · w) exactly, and
// quant::OutputStage (the reference's own arithmetic) finishes each element. All channels-last.
class DepthwiseSplitKernel final : public Kernel {
 public:
  DepthwiseSplitKernel(std::unique_ptr<PrimitiveKernel> conv, memory::desc source, memory::desc out,
                       memory::desc residual, quant::OutputStage stage, int64_t in_count,
                       int64_t out_count, int64_t out_channels)
      : conv_(std::move(conv)),
        source_(std::move(source)),
        out_(std::move(out)),
        residual_(std::move(residual)),
        stage_(std::move(stage)),
        in_count_(in_count),
        out_count_(out_count),
        out_channels_(out_channels),
        split_bytes_(round64(static_cast<size_t>(in_count))),
        acc_bytes_(round64(static_cast<size_t>(out_count) * sizeof(int32_t))) {}

  std::string name() const override { return conv_->name() + "[depthwise split s8]"; }
  size_t scratch_bytes() const override {
    return 2 * split_bytes_ + 2 * acc_bytes_ + conv_->scratch_bytes();
  }
  std::unique_ptr<KernelState> create_state() const override { return nullptr; }
  Layout input_layout(int index) const override {
    return index == 0 ? to_layout(source_) : index == 3 ? to_layout(residual_) : Layout();
  }
  Layout output_layout(int) const override { return to_layout(out_); }

  Status execute(const KernelIo& io) const override {
    const auto* x = static_cast<const int8_t*>(io.inputs[0]);
    auto* bytes = static_cast<std::byte*>(io.scratch);
    auto* pos = reinterpret_cast<uint8_t*>(bytes);
    auto* neg = reinterpret_cast<uint8_t*>(bytes + split_bytes_);
    auto* acc_pos = reinterpret_cast<int32_t*>(bytes + 2 * split_bytes_);
    auto* acc_neg = reinterpret_cast<int32_t*>(bytes + 2 * split_bytes_ + acc_bytes_);
    void* inner_scratch = bytes + 2 * split_bytes_ + 2 * acc_bytes_;
#pragma omp parallel for
    for (int64_t i = 0; i < in_count_; ++i) {
      const int v = x[i];
      pos[i] = static_cast<uint8_t>(std::max(v, 0));
      neg[i] = static_cast<uint8_t>(std::max(-v, 0));
    }
    for (auto [src, acc] : {std::pair<const void*, void*>{pos, acc_pos}, {neg, acc_neg}}) {
      const void* inputs[1] = {src};
      void* outputs[1] = {acc};
      INT8RT_RETURN_IF_ERROR(conv_->execute(KernelIo{inputs, outputs, inner_scratch, nullptr}));
    }
    const auto* r = static_cast<const int8_t*>(io.inputs.size() > 3 ? io.inputs[3] : nullptr);
    const bool int8_output = stage_.int8_output;
#pragma omp parallel for
    for (int64_t i = 0; i < out_count_; ++i) {
      const float v = stage_.finish(acc_pos[i] - acc_neg[i], i % out_channels_,
                                    r != nullptr ? r[i] : int8_t{0});
      if (int8_output) {
        static_cast<int8_t*>(io.outputs[0])[i] = static_cast<int8_t>(v);
      } else {
        static_cast<float*>(io.outputs[0])[i] = v;
      }
    }
    return Status::ok();
  }

 private:
  static size_t round64(size_t bytes) {
    return (bytes + 63) / 64 * 64;
  }

  std::unique_ptr<PrimitiveKernel> conv_;  // u8 source, s32 destination, no bias or scales
  memory::desc source_, out_, residual_;
  quant::OutputStage stage_;
  int64_t in_count_, out_count_, out_channels_;
  size_t split_bytes_, acc_bytes_;
};

}  // namespace

Result<KernelPtr> make_int8_conv(const Layer& layer, std::span<const Layout> input_layouts) {
  (void)input_layouts;  // the source takes the primitive's preferred layout
  const auto& attrs = layer.attrs_as<ConvAttrs>();
  const Tensor* x = layer.input(0);
  const Tensor* w = layer.input(1);
  const Tensor* b = layer.num_inputs() > 2 ? layer.input(2) : nullptr;
  const Tensor* r = layer.num_inputs() > 3 ? layer.input(3) : nullptr;
  const Tensor* y = layer.output(0);
  const int rank = x->dims().rank();
  const bool int8_output = y->dtype() == DataType::kInt8;
  if (!is_int8_data(x) || (!int8_output && y->dtype() != DataType::kFloat)) return KernelPtr();
  if (rank < 3 || rank > 5 || w->dims().rank() != rank || !w->is_constant() ||
      w->dtype() != DataType::kFloat) {
    return KernelPtr();
  }
  if (b != nullptr && (!b->is_constant() || b->dtype() != DataType::kFloat)) return KernelPtr();
  // The residual is summed in the destination's type: INT8 into an INT8 output only.
  if (r != nullptr && (!is_int8_data(r) || !int8_output || r->dims() != y->dims())) {
    return KernelPtr();
  }
  if (attrs.group < 1 || w->dims()[0] % attrs.group != 0) return KernelPtr();
  auto g = geometry(rank - 2, attrs.strides, attrs.pads, attrs.dilations);
  if (!g) return KernelPtr();
  const std::optional<float> s_in = int8_scale_of(*x);
  const std::optional<float> s_out = int8_output ? int8_scale_of(*y) : std::optional<float>(1.0f);
  const std::optional<float> s_r = r != nullptr ? int8_scale_of(*r) : std::optional<float>(1.0f);
  if (!s_in || !s_out || !s_r) return KernelPtr();

  const Weights& w_value = w->constant_value();
  const int64_t channels = w->dims()[0];
  const quant::PerChannelWeights q = quant::quantize_per_channel(w_value.data_as<float>(), channels,
                                                                 w->dims().volume() / channels);
  const Weights q_values = Weights::from_vector(DataType::kInt8, w->dims(), q.values);
  const quant::OutputStage stage = quant::make_output_stage(
      *s_in, q.scales, b != nullptr ? b->constant_value().data_as<float>() : nullptr, r != nullptr,
      *s_r, attrs.activation, int8_output, *s_out);
  dnnl::post_ops ops;
  if (!append_output_stage(ops, stage)) return KernelPtr();

  return guarded_create(layer, [&]() -> Result<KernelPtr> {
    const auto f32 = memory::data_type::f32;
    const memory::desc b_desc =
        b ? memory::desc({w->dims()[0]}, f32, memory::format_tag::a) : memory::desc();
    const memory::desc any_y(to_onednn_dims(y->dims()), int8_path_type(y->dtype()),
                             memory::format_tag::any);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    attr.set_output_scales(1 << 1, stage.scales);
    attr.set_post_ops(ops);
    auto make_pd = [&](const memory::desc& src, const Dims& weight_dims) {
      const memory::desc any_w(conv_weight_dims(weight_dims, attrs.group), memory::data_type::s8,
                               memory::format_tag::any);
      dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference,
                                           dnnl::algorithm::convolution_direct, src, any_w, b_desc,
                                           any_y, g->strides, g->dilates, g->pad_l, g->pad_r);
      return dnnl::convolution_forward::primitive_desc(desc, attr, onednn_engine());
    };
    auto build = [&](const dnnl::convolution_forward::primitive_desc& pd, const Weights& weights) {
      auto kernel =
          std::make_unique<PrimitiveKernel>(kernel_name("conv", pd), dnnl::convolution_forward(pd),
                                            pd.scratchpad_desc(), layer.num_inputs(), 1);
      kernel->bind_input(DNNL_ARG_SRC, 0, pd.src_desc());
      const memory::desc w_plain =
          plain_desc(Dims(conv_weight_dims(weights.dims(), attrs.group)), DataType::kInt8);
      kernel->bind_constant(DNNL_ARG_WEIGHTS,
                            reorder_constant(weights, w_plain, pd.weights_desc()));
      if (b != nullptr) {
        const Weights values = Weights::from_vector(DataType::kFloat, Dims{channels}, stage.bias);
        kernel->bind_constant(DNNL_ARG_BIAS, reorder_constant(values, b_desc, b_desc));
      }
      kernel->bind_output(DNNL_ARG_DST, 0, pd.dst_desc());
      if (r != nullptr) kernel->accumulate_into_output(3);
      return kernel;
    };

    const memory::dims x_dims = to_onednn_dims(x->dims());
    auto pd =
        make_pd(memory::desc(x_dims, memory::data_type::s8, memory::format_tag::any), w->dims());
    const auto& extra = pd.weights_desc().data.extra;
    const bool adjusted =
        (extra.flags & dnnl_memory_extra_flag_scale_adjust) != 0 && extra.scale_adjust != 1.0f;
    if (!adjusted) return KernelPtr(build(pd, q_values));

    // oneDNN would round the weights: run a split form (see the top of this file).
    const memory::format_tag nhwc = channels_last(rank);
    if (w->dims()[1] == 1) {
      try {
        dnnl::primitive_attr plain_attr;
        plain_attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
        const memory::desc u8_src(x_dims, memory::data_type::u8, nhwc);
        const memory::desc s32_dst(to_onednn_dims(y->dims()), memory::data_type::s32, nhwc);
        dnnl::convolution_forward::desc desc(
            dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, u8_src,
            memory::desc(conv_weight_dims(w->dims(), attrs.group), memory::data_type::s8,
                         memory::format_tag::any),
            s32_dst, g->strides, g->dilates, g->pad_l, g->pad_r);
        dnnl::convolution_forward::primitive_desc dw_pd(desc, plain_attr, onednn_engine());
        if (std::string(dw_pd.impl_info_str()).rfind("ref", 0) != 0) {
          auto conv = std::make_unique<PrimitiveKernel>(kernel_name("conv", dw_pd),
                                                        dnnl::convolution_forward(dw_pd),
                                                        dw_pd.scratchpad_desc(), 1, 1);
          conv->bind_input(DNNL_ARG_SRC, 0, u8_src);
          conv->bind_constant(
              DNNL_ARG_WEIGHTS,
              reorder_constant(
                  q_values,
                  plain_desc(Dims(conv_weight_dims(w->dims(), attrs.group)), DataType::kInt8),
                  dw_pd.weights_desc()));
          conv->bind_output(DNNL_ARG_DST, 0, s32_dst);
          const memory::dims y_dims = to_onednn_dims(y->dims());
          return KernelPtr(std::make_unique<DepthwiseSplitKernel>(
              std::move(conv), memory::desc(x_dims, memory::data_type::s8, nhwc),
              memory::desc(y_dims, int8_path_type(y->dtype()), nhwc),
              memory::desc(y_dims, memory::data_type::s8, nhwc), stage, x->dims().volume(),
              y->dims().volume(), y->dims()[1]));
        }
      } catch (const dnnl::error&) {
        // No u8 depthwise implementation: the general split form below.
      }
    }
    memory::dims split_dims = x_dims;
    split_dims[1] *= 2;
    std::vector<int64_t> w_split(w->dims().extents().begin(), w->dims().extents().end());
    w_split[1] *= 2;
    auto split_pd = make_pd(memory::desc(split_dims, memory::data_type::u8, nhwc), Dims(w_split));
    const memory::desc source(x_dims, memory::data_type::s8, nhwc);
    const int64_t pixels = x->dims().volume() / x->dims()[1];
    return KernelPtr(std::make_unique<SplitSourceConvKernel>(
        build(split_pd, split_weights(q_values)), source, pixels, x->dims()[1], attrs.group));
  });
}

}  // namespace int8rt::cpu
