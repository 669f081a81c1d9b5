// Reference kernels of the shape ops. Flatten, Reshape, Squeeze, Unsqueeze and Identity keep the
// row-major element order, so they copy bytes.
#include <cstring>
#include <type_traits>

#include "backends/reference/elementwise_util.h"
#include "backends/reference/ref_util.h"
#include "backends/reference/reference.h"
#include "ir/ops/op_util.h"

namespace int8rt::reference {

namespace {

KernelPtr copy_kernel(const Layer& layer) {
  const size_t bytes = static_cast<size_t>(layer.output(0)->dims().volume()) *
                       element_size(layer.output(0)->dtype());
  return make_kernel(layer, [bytes](const KernelIo& io) {
    if (bytes != 0) std::memcpy(io.outputs[0], io.inputs[0], bytes);
    return Status::ok();
  });
}

// One element of Cast. ONNX: to bool is x != 0 (NaN is true); from bool is 0 or 1; float to
// integer truncates toward zero (out-of-range values, undefined in ONNX, saturate here and NaN
// becomes 0); integer to narrower integer keeps the low bits (two's complement wrap-around).
template <typename To, typename From>
To cast_value(From x, bool to_bool) {
  if (to_bool) return static_cast<To>(x != From{0} ? 1 : 0);
  if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    return saturate_cast<To>(static_cast<double>(x));
  } else {
    return static_cast<To>(x);
  }
}

}  // namespace

Result<KernelPtr> make_Flatten(const Layer& layer) {
  return copy_kernel(layer);
}

Result<KernelPtr> make_Reshape(const Layer& layer) {
  return copy_kernel(layer);
}

Result<KernelPtr> make_Squeeze(const Layer& layer) {
  return copy_kernel(layer);
}

Result<KernelPtr> make_Unsqueeze(const Layer& layer) {
  return copy_kernel(layer);
}

// Writes the input's static extents; never reads the input's data (constant folding passes
// nullptr for it).
Result<KernelPtr> make_Shape(const Layer& layer) {
  const ShapeAttrs& attrs = layer.attrs_as<ShapeAttrs>();
  const std::vector<int64_t>& extents = layer.input(0)->dims().extents();
  const auto rank = static_cast<int64_t>(extents.size());
  if (attrs.start < 0 || attrs.end > rank || attrs.start > attrs.end) {
    return internal_error(ir::describe(layer), ": start/end were not resolved by shape inference");
  }
  const std::vector<int64_t> values(extents.begin() + attrs.start, extents.begin() + attrs.end);
  return make_kernel(layer, [values](const KernelIo& io) {
    if (!values.empty()) {
      std::memcpy(io.outputs[0], values.data(), values.size() * sizeof(int64_t));
    }
    return Status::ok();
  });
}

Result<KernelPtr> make_Cast(const Layer& layer) {
  const DataType from = layer.input(0)->dtype();
  const DataType to = layer.output(0)->dtype();
  const int64_t count = layer.output(0)->dims().volume();
  const bool from_bool = from == DataType::kBool;
  const bool to_bool = to == DataType::kBool;
  return dispatch_dtype(from, [&](auto from_tag) {
    using From = decltype(from_tag);
    return dispatch_dtype(to, [&](auto to_tag) {
      using To = decltype(to_tag);
      return make_kernel(layer, [count, from_bool, to_bool](const KernelIo& io) {
        const auto* x = static_cast<const From*>(io.inputs[0]);
        auto* y = static_cast<To*>(io.outputs[0]);
        for (int64_t i = 0; i < count; ++i) {
          const From v = from_bool ? static_cast<From>(x[i] != 0 ? 1 : 0) : x[i];
          y[i] = cast_value<To>(v, to_bool);
        }
        return Status::ok();
      });
    });
  });
}

// Every element is `value` (float32 0 when the attribute is unset), copied as raw bytes.
Result<KernelPtr> make_ConstantOfShape(const Layer& layer) {
  const Weights& value = layer.attrs_as<ConstantOfShapeAttrs>().value;
  const Weights fill = value.empty() ? Weights::zeros(DataType::kFloat, Dims{}) : value;
  if (fill.dtype() != layer.output(0)->dtype() || fill.count() != 1) {
    return internal_error(ir::describe(layer), ": value does not match the inferred output");
  }
  const int64_t count = layer.output(0)->dims().volume();
  return dispatch_bits(fill.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T bits{};
    std::memcpy(&bits, fill.data(), sizeof(T));
    return make_kernel(layer, [count, bits](const KernelIo& io) {
      auto* y = static_cast<T*>(io.outputs[0]);
      for (int64_t i = 0; i < count; ++i)
        y[i] = bits;
      return Status::ok();
    });
  });
}

// y[i] = start + i * delta in the inputs' dtype (ONNX's definition; not a running sum).
Result<KernelPtr> make_Range(const Layer& layer) {
  const DataType type = layer.output(0)->dtype();
  const int64_t count = layer.output(0)->dims().volume();
  if (type != DataType::kFloat && type != DataType::kInt32 && type != DataType::kInt64) {
    return unsupported(ir::describe(layer), ": no reference kernel for dtype ", to_string(type));
  }
  return dispatch_dtype(type, [&](auto tag) -> Result<KernelPtr> {
    using T = decltype(tag);
    return make_kernel(layer, [count](const KernelIo& io) {
      const T start = *static_cast<const T*>(io.inputs[0]);
      const T delta = *static_cast<const T*>(io.inputs[2]);
      auto* y = static_cast<T*>(io.outputs[0]);
      for (int64_t i = 0; i < count; ++i)
        y[i] = static_cast<T>(start + static_cast<T>(i) * delta);
      return Status::ok();
    });
  });
}

Result<KernelPtr> make_Identity(const Layer& layer) {
  return copy_kernel(layer);
}

}  // namespace int8rt::reference
