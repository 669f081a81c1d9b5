#include "backends/cpu/int8_common.h"

#include <algorithm>
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

ChannelQuantized quantize_per_channel(const Weights& w, int axis) {
  const Dims& dims = w.dims();
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i)
    outer *= dims[i];
  for (int i = axis + 1; i < dims.rank(); ++i)
    inner *= dims[i];
  const int64_t channels = dims[axis];
  const float* src = w.data_as<float>();
  ChannelQuantized q{Weights::zeros(DataType::kInt8, dims),
                     std::vector<float>(static_cast<size_t>(channels), 0.0f)};
  // Element (o, c, i) of the [outer, channels, inner] view is at (o · channels + c) · inner + i.
  auto at = [&](int64_t o, int64_t c, int64_t i) { return (o * channels + c) * inner + i; };
  for (int64_t c = 0; c < channels; ++c) {
    float amax = 0.0f;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i)
        amax = std::max(amax, std::fabs(src[at(o, c, i)]));
    q.scales[static_cast<size_t>(c)] = amax > 0.0f ? amax / 127.0f : 1.0f;
  }
  auto* dst = static_cast<int8_t*>(q.values.mutable_data());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t c = 0; c < channels; ++c) {
      const float scale = q.scales[static_cast<size_t>(c)];
      for (int64_t i = 0; i < inner; ++i) {
        const float r = std::nearbyint(src[at(o, c, i)] / scale);
        dst[at(o, c, i)] = static_cast<int8_t>(std::clamp(r, -127.0f, 127.0f));
      }
    }
  }
  return q;
}

std::vector<float> accumulator_bias(const float* bias, float s_in, const std::vector<float>& s_w) {
  std::vector<float> result;
  if (bias == nullptr) return result;
  for (size_t c = 0; c < s_w.size(); ++c)
    result.push_back(bias[c] / (s_in * s_w[c]));
  return result;
}

std::vector<float> output_scales(float s_in, const std::vector<float>& s_w,
                                 std::optional<float> s_out) {
  std::vector<float> result;
  for (float s : s_w)
    result.push_back(s_out ? s_in * s / *s_out : s_in * s);
  return result;
}

bool append_int8_post_ops(dnnl::post_ops& ops, const FusedActivation& activation,
                          std::optional<float> residual_scale, bool int8_output) {
  using dnnl::algorithm;
  if (residual_scale) ops.append_sum(*residual_scale);
  switch (activation.kind) {
    case ActivationKind::kNone:
      break;
    case ActivationKind::kRelu:
      ops.append_eltwise(1.0f, algorithm::eltwise_relu, 0.0f, 0.0f);
      break;
    case ActivationKind::kLeakyRelu:
      ops.append_eltwise(1.0f, algorithm::eltwise_relu, activation.alpha, 0.0f);
      break;
    case ActivationKind::kClip:
      ops.append_eltwise(1.0f, algorithm::eltwise_clip, activation.alpha, activation.beta);
      break;
    default:
      // HardSwish, Sigmoid: oneDNN's polynomial approximations differ from the reference's libm.
      return false;
  }
  if (int8_output) ops.append_eltwise(1.0f, algorithm::eltwise_clip, -127.0f, 127.0f);
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
