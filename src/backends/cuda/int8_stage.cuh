// An INT8 kernel's output stage (backends/quant.h, OutputStage) in device memory: its per-channel
// scales and biases uploaded once when the kernel is created.
#pragma once

#include <string_view>

#include "backends/cuda/cuda_common.h"
#include "backends/cuda/quant_device.cuh"
#include "backends/quant.h"

namespace int8rt::cuda {

struct Int8Stage {
  DeviceArray scales;
  DeviceArray bias;
  DeviceOutputStage device;  // points into `scales` and `bias`
};

inline Result<Int8Stage> upload_stage(const quant::OutputStage& stage, std::string_view what) {
  Int8Stage out;
  INT8RT_ASSIGN_OR_RETURN(out.scales, DeviceArray::upload(stage.scales, what));
  if (!stage.bias.empty()) {
    INT8RT_ASSIGN_OR_RETURN(out.bias, DeviceArray::upload(stage.bias, what));
  }
  DeviceOutputStage& d = out.device;
  d.scales = out.scales.as<float>();
  d.bias = stage.bias.empty() ? nullptr : out.bias.as<float>();
  d.has_residual = stage.has_residual;
  d.residual_scale = stage.residual_scale;
  d.activation = {stage.activation.kind, stage.activation.alpha, stage.activation.beta};
  d.has_post_scale = stage.has_post_scale;
  d.post_scale = stage.post_scale;
  d.int8_output = stage.int8_output;
  return out;
}

}  // namespace int8rt::cuda
