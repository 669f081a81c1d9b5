// Conv / Gemm followed by an activation -> the layer with ConvAttrs/GemmAttrs::activation set.
//
//   Relu                 -> kRelu
//   Clip(x, min?, max?)  -> kClip(alpha = min, beta = max); an absent bound is ∓infinity. The
//                           bounds must be constant scalars (ReLU6 arrives as Clip(x, 0, 6)).
//   LeakyRelu(alpha)     -> kLeakyRelu(alpha)
//   HardSwish            -> kHardSwish
//   Sigmoid              -> kSigmoid
// The activation applies after the bias and a fused residual, so Conv+Add+Relu chains become one
// layer once fuse_conv_add has run. A layer that already has an activation takes no second one.
#include <limits>
#include <optional>
#include <vector>

#include "ir/graph_editor.h"
#include "passes/fusion.h"
#include "passes/passes.h"

namespace int8rt::passes {

namespace {

// The bound of a Clip: `fallback` when absent, nullopt when not a constant float scalar.
std::optional<float> clip_bound(const Layer& clip, int index, float fallback) {
  if (index >= clip.num_inputs() || clip.input(index) == nullptr) return fallback;
  const Tensor* t = clip.input(index);
  if (!t->is_constant() || t->dtype() != DataType::kFloat || t->dims().volume() != 1) {
    return std::nullopt;
  }
  return t->constant_value().data_as<float>()[0];
}

std::optional<FusedActivation> as_fused_activation(const Layer& layer) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  switch (layer.type()) {
    case OpType::kRelu:
      return FusedActivation{ActivationKind::kRelu};
    case OpType::kLeakyRelu:
      return FusedActivation{ActivationKind::kLeakyRelu, layer.attrs_as<LeakyReluAttrs>().alpha};
    case OpType::kHardSwish:
      return FusedActivation{ActivationKind::kHardSwish};
    case OpType::kSigmoid:
      return FusedActivation{ActivationKind::kSigmoid};
    case OpType::kClip: {
      std::optional<float> low = clip_bound(layer, 1, -kInf);
      std::optional<float> high = clip_bound(layer, 2, kInf);
      if (!low || !high) return std::nullopt;
      return FusedActivation{ActivationKind::kClip, *low, *high};
    }
    default:
      return std::nullopt;
  }
}

FusedActivation* activation_slot(Layer& layer) {
  if (layer.type() == OpType::kConv) return &std::get<ConvAttrs>(layer.mutable_attrs()).activation;
  if (layer.type() == OpType::kGemm) return &std::get<GemmAttrs>(layer.mutable_attrs()).activation;
  return nullptr;
}

}  // namespace

Status fuse_conv_activation(Network& network, Logger& logger) {
  ir::GraphEditor editor(network);
  std::vector<Layer*> producers;
  for (int i = 0; i < network.num_layers(); ++i) {
    if (activation_slot(*network.layer(i)) != nullptr) producers.push_back(network.layer(i));
  }
  for (Layer* layer : producers) {
    FusedActivation* slot = activation_slot(*layer);
    if (slot->kind != ActivationKind::kNone) continue;
    if (layer->output(0) == nullptr || layer->output(0)->dtype() != DataType::kFloat) continue;
    Layer* act = fusible_consumer(editor, *layer);
    if (act == nullptr) continue;
    std::optional<FusedActivation> fused = as_fused_activation(*act);
    if (!fused) continue;
    *slot = *fused;
    INT8RT_RETURN_IF_ERROR(absorb_consumer(editor, *layer, *act, logger, "fuse_conv_activation"));
  }
  editor.remove_dead_code();
  return Status::ok();
}

}  // namespace int8rt::passes
