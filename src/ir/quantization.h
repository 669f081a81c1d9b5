// How INT8 appears in the builder's graph (the quantization contract, docs/int8.md).
//
// A tensor stored as INT8 has dtype kInt8 and a dynamic range; its scale is amax / 127, its zero
// point 0, its values in [-127, 127]. A layer whose data inputs are INT8 runs an INT8 kernel; its
// outputs are INT8 (requantized to their own scales) or float32 (dequantized). Weights and biases
// stay float32 constants in the graph: INT8 kernels quantize weights per output channel when they
// are created (src/backends/quant.h).
//
// Dtypes and shape inference. Shape inference runs before precision assignment, on a float32
// graph. The precision pass then sets kInt8 on the tensors it quantizes (every one of them has a
// dynamic range) and chooses each INT8 layer's output dtype: kInt8, or kFloat for a dequantizing
// output. Re-running ir::infer_layer afterwards is safe: an op with an INT8 kernel whose data input
// is quantized (is_quantized) keeps the dtype its output already has when that is kInt8 or kFloat
// (quantized_output_dtype), so it never undoes the pass's choice. An int8 tensor without a range
// is plain integer data: ops with integer semantics (MaxPool, Add, Concat, Relu...) handle it as
// before, Conv/Gemm/MatMul/AveragePool/GlobalAveragePool reject it.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt::ir {

// The ranges an INT8 tensor may have (docs/int8.md, "Valid ranges"): amax 0 (a tensor that is
// always zero), or a finite amax whose scale amax / 127 is a normal float, so that 1 / scale is
// finite and no quantized value can become NaN: amax in [kMinInt8Amax, FLT_MAX].
inline constexpr float kMinInt8Amax = 127.0f * 1.17549435e-38f;  // 127 * FLT_MIN, about 1.49e-36

// Empty when `amax` is a valid range; else why not, as a phrase ("is not finite", ...) to follow
// the value in a message. Every entry of a range checks it: ranges files, caches,
// Tensor::set_dynamic_range (manual ranges, plans), calibration results.
std::string invalid_amax_reason(float amax);
// The same for a scale as a calibration cache holds it (amax / 127): 0, or a normal float whose
// amax (scale * 127) is finite.
std::string invalid_scale_reason(float scale);

// The INT8 scale of a tensor with a dynamic range: amax / 127. A range of amax 0 (a tensor that is
// always zero) gets scale 1, as an all-zero weight channel does, so that no scale is ever 0.
inline float int8_scale(const Tensor& tensor) {
  const float amax = tensor.dynamic_range_amax();
  return amax > 0.0f ? amax / 127.0f : 1.0f;
}

// Whether `tensor` holds quantized values: dtype kInt8 and a dynamic range.
inline bool is_quantized(const Tensor* tensor) {
  return tensor != nullptr && tensor->dtype() == DataType::kInt8 && tensor->dynamic_range_is_set();
}

// The output dtype shape inference gives output `index` of a layer whose data input is quantized:
// the dtype the precision pass set (kInt8), else kFloat (a dequantizing output).
inline DataType quantized_output_dtype(const Layer& layer, int index) {
  const Tensor* out = layer.output(index);
  return out != nullptr && out->dtype() == DataType::kInt8 ? DataType::kInt8 : DataType::kFloat;
}

// When a tensor t is needed in both dtypes, insert_reformats names its INT8 copy t + kInt8Suffix.
inline constexpr std::string_view kInt8Suffix = ":int8";
// The network tensor an engine tensor holds: t for "t:int8", else the name itself.
inline std::string_view network_tensor_name(std::string_view name) {
  return name.ends_with(kInt8Suffix) ? name.substr(0, name.size() - kInt8Suffix.size()) : name;
}

// Ops whose INT8 kernels move values without changing them (Reshape, Flatten, Transpose,
// Squeeze, Unsqueeze, MaxPool): their output keeps the input's scale, so nothing is requantized.
// (Concat moves values too, but requantizes the inputs whose range is smaller than its output's.)
inline bool moves_int8_values(OpType type) {
  switch (type) {
    case OpType::kReshape:
    case OpType::kFlatten:
    case OpType::kTranspose:
    case OpType::kSqueeze:
    case OpType::kUnsqueeze:
    case OpType::kMaxPool:
      return true;
    default:
      return false;
  }
}

// Checks the operands of a layer running INT8: every present input listed in `data` is quantized,
// every present input listed in `constants` (weights, bias) is a float32 constant. Errors name the
// layer and the tensor: `Conv "c1": residual input "r" has dtype float32, expected int8 with a
// dynamic range (an INT8 Conv reads quantized data)`.
Status check_int8_operands(const Layer& layer, std::initializer_list<int> data,
                           std::initializer_list<int> constants);

}  // namespace int8rt::ir
