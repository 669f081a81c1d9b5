#include "backends/cpu/int8_common.h"

#include <cmath>

#include "ir/quantization.h"

namespace int8rt::cpu {

std::optional<float> int8_scale_of(const Tensor& tensor) {
  if (!tensor.dynamic_range_is_set()) return std::nullopt;
  const float scale = ir::int8_scale(tensor);
  if (!std::isfinite(scale) || !(scale > 0.0f)) return std::nullopt;
  return scale;
}

bool has_int8_input(const Layer& layer) {
  for (int i = 0; i < layer.num_inputs(); ++i) {
    if (is_int8_data(layer.input(i))) return true;
  }
  return false;
}

bool append_output_stage(dnnl::post_ops& ops, const quant::OutputStage& stage) {
  using dnnl::algorithm;
  if (stage.has_post_scale) return false;
  if (stage.has_residual) ops.append_sum(stage.residual_scale);
  const FusedActivation& act = stage.activation;
  switch (act.kind) {
    case ActivationKind::kNone:
      break;
    case ActivationKind::kRelu:
      ops.append_eltwise(1.0f, algorithm::eltwise_relu, 0.0f, 0.0f);
      break;
    case ActivationKind::kLeakyRelu:  // x < 0 ? alpha · x : x
      ops.append_eltwise(1.0f, algorithm::eltwise_relu, act.alpha, 0.0f);
      break;
    case ActivationKind::kClip:  // min(max(x, alpha), beta)
      ops.append_eltwise(1.0f, algorithm::eltwise_clip, act.alpha, act.beta);
      break;
    default:
      return false;
  }
  if (stage.int8_output) ops.append_eltwise(1.0f, algorithm::eltwise_clip, -127.0f, 127.0f);
  return true;
}

dnnl::memory::data_type int8_path_type(DataType type) {
  switch (type) {
    case DataType::kInt8:
      return dnnl::memory::data_type::s8;
    case DataType::kFloat:
      return dnnl::memory::data_type::f32;
    default:
      return dnnl::memory::data_type::undef;
  }
}

}  // namespace int8rt::cpu
