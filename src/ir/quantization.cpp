#include "ir/quantization.h"

#include <cfloat>
#include <cmath>
#include <cstdio>

#include "ir/ops/op_util.h"

namespace int8rt::ir {

namespace {

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

// Why `value` can't be a range or a scale at all: NaN, infinite or negative; else empty.
std::string invalid_magnitude_reason(float value) {
  if (std::isnan(value)) return "is not a number";
  if (std::isinf(value)) return "is infinite";
  if (value < 0.0f) return "is negative";
  return {};
}

}  // namespace

std::string invalid_amax_reason(float amax) {
  if (std::string reason = invalid_magnitude_reason(amax); !reason.empty()) return reason;
  if (amax > 0.0f && amax < kMinInt8Amax) {
    return "is below " + number(kMinInt8Amax) +
           ", the smallest range whose INT8 scale (amax / 127) is a normal float (0 means a "
           "tensor that is always zero)";
  }
  return {};
}

std::string invalid_scale_reason(float scale) {
  if (std::string reason = invalid_magnitude_reason(scale); !reason.empty()) return reason;
  if (scale > 0.0f && scale < FLT_MIN) {
    return "is a denormal float, below " + number(FLT_MIN) +
           ", the smallest normal one (0 means a tensor that is always zero)";
  }
  if (!std::isfinite(scale * 127.0f)) return "gives an infinite range (scale * 127)";
  return {};
}

Status check_int8_operands(const Layer& layer, std::initializer_list<int> data,
                           std::initializer_list<int> constants) {
  for (int index : data) {
    if (index >= layer.num_inputs() || layer.input(index) == nullptr) continue;
    const Tensor* t = layer.input(index);
    if (!is_quantized(t)) {
      return unsupported(describe(layer), ": input ", index, " \"", t->name(), "\" has dtype ",
                         to_string(t->dtype()),
                         t->dtype() == DataType::kInt8 ? " without a dynamic range" : "",
                         ", expected int8 with a dynamic range (the layer runs INT8)");
    }
  }
  for (int index : constants) {
    if (index >= layer.num_inputs() || layer.input(index) == nullptr) continue;
    const Tensor* t = layer.input(index);
    if (!t->is_constant() || t->dtype() != DataType::kFloat) {
      return unsupported(describe(layer), ": input ", index, " \"", t->name(), "\" is ",
                         t->is_constant() ? "a constant" : "computed at run time", " of dtype ",
                         to_string(t->dtype()),
                         ", expected a float32 constant (the layer runs INT8 and quantizes it)");
    }
  }
  return Status::ok();
}

}  // namespace int8rt::ir
