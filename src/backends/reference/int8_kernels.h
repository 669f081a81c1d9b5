// The reference INT8 kernels (docs/int8.md): exact integer accumulation and the float32 output
// stage of src/backends/quant.h, one element at a time. Each op's factory (make_Conv, ...) returns
// its INT8 kernel when the layer's data input is int8; these functions check the rest (dynamic
// ranges, constant weights, output dtype) and fail naming the layer and tensor.
#pragma once

#include <string>
#include <utility>

#include "backends/reference/ref_util.h"
#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt::reference {

Result<KernelPtr> make_int8_conv(const Layer& layer);                 // int8_conv.cpp
Result<KernelPtr> make_int8_gemm(const Layer& layer);                 // int8_matmul.cpp
Result<KernelPtr> make_int8_matmul(const Layer& layer);               // int8_matmul.cpp
Result<KernelPtr> make_int8_max_pool(const Layer& layer);             // int8_pooling.cpp
Result<KernelPtr> make_int8_average_pool(const Layer& layer);         // int8_pooling.cpp
Result<KernelPtr> make_int8_global_average_pool(const Layer& layer);  // int8_pooling.cpp
Result<KernelPtr> make_int8_add(const Layer& layer);                  // int8_elementwise.cpp
Result<KernelPtr> make_int8_concat(const Layer& layer);               // int8_layout.cpp

// The scale (ir::int8_scale) of `tensor`, which must have a dynamic range; `what` says which
// operand it is ("input", "residual", "output").
Result<float> int8_scale_of(const Layer& layer, const Tensor* tensor, std::string_view what);

// How an INT8 layer writes output `index`: int8 (with its scale) or float32 (dequantized).
struct Int8Output {
  bool is_int8 = true;
  float scale = 1.0f;  // meaningful for an int8 output
};
Result<Int8Output> int8_output_of(const Layer& layer, int index = 0);

// Checks input `index` is a float32 constant (weights, bias) and returns its values.
Result<const float*> float_constant_of(const Layer& layer, int index, std::string_view what);

// A kernel named "reference.int8.<OpType>".
template <typename Fn>
KernelPtr make_int8_kernel(const Layer& layer, Fn fn) {
  return std::make_unique<FnKernel<Fn>>(
      std::string("reference.int8.") + std::string(to_string(layer.type())), std::move(fn));
}

}  // namespace int8rt::reference
