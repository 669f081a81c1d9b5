// Conv / ConvTranspose / Gemm followed by BatchNormalization -> one layer with folded parameters.
//
// BatchNormalization (inference) on channel c: y = (x − μ_c) · s_c + β_c with s_c = γ_c / √(σ²_c +
// ε). With x = W ∗ X + b, that is (W·s) ∗ X + ((b − μ) · s + β): every weight feeding output
// channel c is scaled by s_c and the bias becomes b'_c = (b_c − μ_c) · s_c + β_c (b = 0 when
// absent). The arithmetic is in double, rounded once to float.
//
// Where output channel c lives in each weight layout:
//   Conv           W [O, I/group, k...]          c = o
//   ConvTranspose  W [I, O/group, k...]          c = (i / (I/group)) · (O/group) + j   (W[i, j,
//   ...]) Gemm           Y = α·A·B' + β·C, B' = B or Bᵀ, Y [M, N]: c = n (B [K, N], or [N, K] with
//                  trans_b); the new C is b'_c with b_c = β·C_c (C absent, a scalar, [N] or [1,
//                  N]), and β becomes 1.
#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ir/graph_editor.h"
#include "passes/fusion.h"
#include "passes/passes.h"

namespace int8rt::passes {

namespace {

// A constant float input of `count` values (rank 1, or broadcastable from a scalar when
// `allow_scalar`); nullopt when it is anything else.
std::optional<std::vector<double>> per_channel(const Tensor* t, int64_t count, bool allow_scalar) {
  if (t == nullptr || !t->is_constant() || t->dtype() != DataType::kFloat) return std::nullopt;
  std::vector<double> values = t->constant_value().to_double();
  if (allow_scalar && values.size() == 1)
    return std::vector<double>(static_cast<size_t>(count), values[0]);
  if (static_cast<int64_t>(values.size()) != count) return std::nullopt;
  return values;
}

// How the producer's weight maps onto output channels, and the bias it carries.
struct Folding {
  int64_t channels = 0;
  std::function<int64_t(int64_t)> channel_of;  // flat weight index -> output channel
  std::vector<double> bias;                    // per output channel, before normalization
};

// The normalization must apply to conv + bias alone: not after a fused activation (BN(act(y)) is
// not act(BN(y))), and not to a fused residual, which the folded weights would not scale.
bool has_epilogue(const Layer& layer) {
  if (layer.type() == OpType::kConv) {
    const auto& attrs = layer.attrs_as<ConvAttrs>();
    bool residual = layer.num_inputs() > 3 && layer.input(3) != nullptr;
    return residual || attrs.activation.kind != ActivationKind::kNone;
  }
  if (layer.type() == OpType::kGemm) {
    return layer.attrs_as<GemmAttrs>().activation.kind != ActivationKind::kNone;
  }
  return false;
}

std::optional<Folding> plan_folding(const Layer& layer) {
  if (has_epilogue(layer)) return std::nullopt;
  const Tensor* weight = layer.input(1);
  if (weight == nullptr || !weight->is_constant() || weight->dtype() != DataType::kFloat) {
    return std::nullopt;
  }
  const Dims& w = weight->dims();
  const Tensor* bias = layer.num_inputs() > 2 ? layer.input(2) : nullptr;
  Folding plan;
  switch (layer.type()) {
    case OpType::kConv: {
      if (w.rank() < 3 || w[0] == 0) return std::nullopt;
      int64_t inner = w.volume() / w[0];
      plan.channels = w[0];
      plan.channel_of = [inner](int64_t i) { return i / inner; };
      break;
    }
    case OpType::kConvTranspose: {
      int64_t group = layer.attrs_as<ConvTransposeAttrs>().group;
      if (w.rank() < 3 || group < 1 || w[0] % group != 0) return std::nullopt;
      int64_t in_per_group = w[0] / group;
      int64_t out_per_group = w[1];
      int64_t spatial = w.volume() / (w[0] * w[1]);
      plan.channels = out_per_group * group;
      plan.channel_of = [=](int64_t i) {
        int64_t in_channel = i / (out_per_group * spatial);
        int64_t j = (i / spatial) % out_per_group;
        return (in_channel / in_per_group) * out_per_group + j;
      };
      break;
    }
    case OpType::kGemm: {
      const auto& attrs = layer.attrs_as<GemmAttrs>();
      if (w.rank() != 2) return std::nullopt;
      int64_t n = attrs.trans_b ? w[0] : w[1];
      int64_t k = attrs.trans_b ? w[1] : w[0];
      plan.channels = n;
      if (attrs.trans_b) {
        plan.channel_of = [k](int64_t i) { return i / k; };
      } else {
        plan.channel_of = [n](int64_t i) { return i % n; };
      }
      if (bias != nullptr && bias->dims().rank() == 2 && bias->dims()[0] != 1) return std::nullopt;
      break;
    }
    default:
      return std::nullopt;
  }
  if (bias == nullptr) {
    plan.bias.assign(static_cast<size_t>(plan.channels), 0.0);
  } else {
    bool gemm = layer.type() == OpType::kGemm;
    auto values = per_channel(bias, plan.channels, gemm);
    if (!values) return std::nullopt;
    plan.bias = std::move(*values);
    if (gemm) {
      for (double& b : plan.bias)
        b *= layer.attrs_as<GemmAttrs>().beta;
    }
  }
  return plan;
}

// True when the layer's result has its channels on axis 1, as BatchNormalization expects.
bool channels_on_axis_1(const Layer& layer, int64_t channels) {
  const Dims& out = layer.output(0)->dims();
  int min_rank = layer.type() == OpType::kGemm ? 2 : 3;
  return out.rank() >= min_rank && out[1] == channels;
}

}  // namespace

Status fuse_conv_batchnorm(Network& network, Logger& logger) {
  ir::GraphEditor editor(network);
  std::vector<Layer*> producers;
  for (int i = 0; i < network.num_layers(); ++i) {
    OpType type = network.layer(i)->type();
    if (type == OpType::kConv || type == OpType::kConvTranspose || type == OpType::kGemm) {
      producers.push_back(network.layer(i));
    }
  }
  for (Layer* layer : producers) {
    Layer* bn = fusible_consumer(editor, *layer);
    if (bn == nullptr || bn->type() != OpType::kBatchNormalization || bn->num_inputs() != 5) {
      continue;
    }
    std::optional<Folding> plan = plan_folding(*layer);
    if (!plan || !channels_on_axis_1(*layer, plan->channels)) continue;
    const int64_t channels = plan->channels;
    auto gamma = per_channel(bn->input(1), channels, false);
    auto beta = per_channel(bn->input(2), channels, false);
    auto mean = per_channel(bn->input(3), channels, false);
    auto var = per_channel(bn->input(4), channels, false);
    if (!gamma || !beta || !mean || !var) continue;
    const double epsilon = bn->attrs_as<BatchNormAttrs>().epsilon;

    // ONNX requires var >= 0; a non-positive var + epsilon has no real scale: leave it to the
    // BatchNormalization kernel.
    bool positive = true;
    for (double v : *var)
      positive = positive && v + epsilon > 0.0;
    if (!positive) continue;
    std::vector<double> scale(static_cast<size_t>(channels));
    std::vector<float> bias(static_cast<size_t>(channels));
    for (size_t c = 0; c < scale.size(); ++c) {
      scale[c] = (*gamma)[c] / std::sqrt((*var)[c] + epsilon);
      bias[c] = static_cast<float>((plan->bias[c] - (*mean)[c]) * scale[c] + (*beta)[c]);
    }
    const Weights& w = layer->input(1)->constant_value();
    Weights folded = Weights::zeros(DataType::kFloat, w.dims());
    const float* src = w.data_as<float>();
    auto* dst = static_cast<float*>(folded.mutable_data());
    for (int64_t i = 0; i < w.count(); ++i) {
      dst[i] = static_cast<float>(src[i] * scale[static_cast<size_t>(plan->channel_of(i))]);
    }

    const std::string fused = layer->name() + "+" + bn->name();
    editor.set_input(*layer, 1, editor.add_constant(fused + ".weight", std::move(folded)));
    editor.set_input(
        *layer, 2,
        editor.add_constant(fused + ".bias",
                            Weights::from_vector(DataType::kFloat, Dims{channels}, bias)));
    if (layer->type() == OpType::kGemm) std::get<GemmAttrs>(layer->mutable_attrs()).beta = 1.0f;
    INT8RT_RETURN_IF_ERROR(absorb_consumer(editor, *layer, *bn, logger, "fuse_conv_batchnorm"));
  }
  editor.remove_dead_code();
  return Status::ok();
}

}  // namespace int8rt::passes
