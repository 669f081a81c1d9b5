#include "backends/quant.h"

#include <algorithm>
#include <cmath>

namespace int8rt::quant {

int8_t saturate_rne(float v) {
  if (std::isnan(v)) return 0;
  const float clamped = std::min(std::max(v, -kQMax), kQMax);
  // nearbyint rounds in the current rounding mode: to nearest, ties to even by default.
  return static_cast<int8_t>(std::nearbyint(clamped));
}

int8_t quantize(float x, float scale) {
  return saturate_rne(x / scale);
}

int8_t requantize(int8_t q, float ratio) {
  if (ratio == 1.0f) return q;
  return saturate_rne(static_cast<float>(q) * ratio);
}

PerChannelWeights quantize_per_channel(const float* w, int64_t channels, int64_t per_channel) {
  PerChannelWeights out;
  out.values.resize(static_cast<size_t>(channels * per_channel));
  out.scales.resize(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c) {
    const float* wc = w + c * per_channel;
    float amax = 0.0f;
    for (int64_t i = 0; i < per_channel; ++i)
      amax = std::max(amax, std::fabs(wc[i]));
    const float scale = amax > 0.0f ? amax / kQMax : 1.0f;
    out.scales[static_cast<size_t>(c)] = scale;
    for (int64_t i = 0; i < per_channel; ++i)
      out.values[static_cast<size_t>(c * per_channel + i)] = quantize(wc[i], scale);
  }
  return out;
}

std::vector<float> gemm_weights_by_column(const float* b, int64_t k, int64_t n, bool trans_b,
                                          float alpha) {
  std::vector<float> w(static_cast<size_t>(k * n));
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t p = 0; p < k; ++p) {
      const float v = trans_b ? b[j * k + p] : b[p * n + j];
      w[static_cast<size_t>(j * k + p)] = alpha == 1.0f ? v : alpha * v;
    }
  }
  return w;
}

std::vector<float> gemm_bias(const float* c, int64_t c_count, int64_t n, float beta) {
  std::vector<float> bias(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) {
    const float v = c[c_count == 1 ? 0 : j];
    bias[static_cast<size_t>(j)] = beta == 1.0f ? v : beta * v;
  }
  return bias;
}

float apply_activation(float x, const FusedActivation& act) {
  switch (act.kind) {
    case ActivationKind::kNone:
      return x;
    case ActivationKind::kRelu:
      return x > 0.0f ? x : 0.0f;
    case ActivationKind::kClip:
      return std::min(std::max(x, act.alpha), act.beta);
    case ActivationKind::kLeakyRelu:
      return x < 0.0f ? act.alpha * x : x;
    case ActivationKind::kHardSwish:
      return x * std::min(std::max(x + 3.0f, 0.0f), 6.0f) / 6.0f;
    case ActivationKind::kSigmoid:
      return 1.0f / (1.0f + std::exp(-x));
  }
  return x;
}

float OutputStage::finish(int32_t acc, int64_t channel, int8_t residual) const {
  const auto c = static_cast<size_t>(channel);
  float v = static_cast<float>(acc);
  if (!bias.empty()) v = v + bias[c];
  v = scales[c] * v;
  if (has_residual) v = std::fma(residual_scale, static_cast<float>(residual), v);
  v = apply_activation(v, activation);
  if (has_post_scale) v = v * post_scale;
  return int8_output ? static_cast<float>(saturate_rne(v)) : v;
}

OutputStage make_output_stage(float s_in, std::span<const float> weight_scales, const float* bias,
                              bool has_residual, float s_residual,
                              const FusedActivation& activation, bool int8_output, float s_out) {
  OutputStage stage;
  stage.int8_output = int8_output;
  const bool homogeneous =
      activation.kind == ActivationKind::kNone || activation.kind == ActivationKind::kRelu ||
      activation.kind == ActivationKind::kLeakyRelu || activation.kind == ActivationKind::kClip;
  // In output units when the output is int8 and the activation commutes with scaling.
  const bool output_units = int8_output && homogeneous;
  stage.scales.reserve(weight_scales.size());
  for (size_t c = 0; c < weight_scales.size(); ++c) {
    const float real = s_in * weight_scales[c];
    stage.scales.push_back(output_units ? real / s_out : real);
    if (bias != nullptr) stage.bias.push_back(bias[c] / real);
  }
  stage.has_residual = has_residual;
  if (has_residual) stage.residual_scale = output_units ? s_residual / s_out : s_residual;
  stage.activation = activation;
  if (output_units && activation.kind == ActivationKind::kClip) {
    stage.activation.alpha = activation.alpha / s_out;
    stage.activation.beta = activation.beta / s_out;
  }
  if (int8_output && !homogeneous) {
    stage.has_post_scale = true;
    stage.post_scale = 1.0f / s_out;
  }
  return stage;
}

}  // namespace int8rt::quant
