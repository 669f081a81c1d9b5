// Pooling shape inference.
//
// MaxPool/AveragePool: X [N, C, D1..Dn] -> Y [N, C, O1..On] (window geometry in window.h).
// MaxPool's optional second output holds, per output element, the int64 index of the maximum in
// the flattened (row-major, storage_order 0) input, N and C included.
// GlobalAveragePool/GlobalMaxPool: X [N, C, D1..Dn] -> Y [N, C, 1..1].
#include <algorithm>

#include "ir/ops/compute_params.h"
#include "ir/ops/op_util.h"
#include "ir/quantization.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

namespace {

Status check_pool_input(const Layer& layer) {
  const Tensor* x = layer.input(0);
  if (x->dims().rank() < 3) {
    return invalid_argument(describe(layer), ": input \"", x->name(), "\" has shape ",
                            x->dims().to_string(), ", expected N x C x spatial (rank >= 3)");
  }
  return Status::ok();
}

Status infer_pool(Layer& layer, std::initializer_list<DataType> dtypes, int max_outputs) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 1, 1));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, max_outputs));
  INT8RT_RETURN_IF_ERROR(required_input(layer, 0, "X").status());
  // INT8 (src/ir/quantization.h): a quantized X keeps the output dtype the precision pass chose.
  const bool int8 = is_quantized(layer.input(0));
  if (!int8) INT8RT_RETURN_IF_ERROR(expect_dtype(layer, 0, dtypes));
  INT8RT_RETURN_IF_ERROR(check_pool_input(layer));
  const Tensor* x = layer.input(0);
  auto& attrs = std::get<PoolAttrs>(layer.mutable_attrs());
  const int n = x->dims().rank() - 2;
  if (attrs.kernel_shape.empty()) {
    return invalid_argument(describe(layer), ": kernel_shape is required");
  }
  if (static_cast<int>(attrs.kernel_shape.size()) != n) {
    return invalid_argument(describe(layer), ": kernel_shape has ", attrs.kernel_shape.size(),
                            " entries but input ", x->dims().to_string(), " has ", n,
                            " spatial axes");
  }
  Window window{attrs.kernel_shape, attrs.strides, attrs.pads, attrs.dilations};
  std::vector<int64_t> in(x->dims().extents().begin() + 2, x->dims().extents().end());
  AutoPad auto_pad = attrs.auto_pad;
  INT8RT_ASSIGN_OR_RETURN(std::vector<int64_t> spatial,
                          resolve_window(layer, in, window, auto_pad, attrs.ceil_mode));
  for (size_t i = 0; i < spatial.size(); ++i) {
    // A pad as wide as the (dilated) window would make windows that see only padding.
    const int64_t extent = (window.kernel[i] - 1) * window.dilations[i] + 1;
    if (window.pads[i] >= extent || window.pads[i + spatial.size()] >= extent) {
      return invalid_argument(describe(layer), ": pads ", window.pads[i], "+",
                              window.pads[i + spatial.size()], " on spatial axis ", i,
                              " must be smaller than the window extent ", extent);
    }
  }
  attrs.kernel_shape = window.kernel;
  attrs.strides = window.strides;
  attrs.pads = window.pads;
  attrs.dilations = window.dilations;
  attrs.auto_pad = auto_pad;
  std::vector<int64_t> out = {x->dims()[0], x->dims()[1]};
  out.insert(out.end(), spatial.begin(), spatial.end());
  set_output(layer, 0, int8 ? quantized_output_dtype(layer, 0) : x->dtype(), Dims(out));
  if (layer.num_outputs() > 1) set_output(layer, 1, DataType::kInt64, Dims(out));
  return Status::ok();
}

Status infer_global_pool(Layer& layer) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 1, 1));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_RETURN_IF_ERROR(required_input(layer, 0, "X").status());
  const bool int8 = is_quantized(layer.input(0));
  if (!int8) INT8RT_RETURN_IF_ERROR(expect_dtype(layer, 0, {DataType::kFloat}));
  INT8RT_RETURN_IF_ERROR(check_pool_input(layer));
  std::vector<int64_t> out = layer.input(0)->dims().extents();
  std::fill(out.begin() + 2, out.end(), 1);
  set_output(layer, 0, int8 ? quantized_output_dtype(layer, 0) : DataType::kFloat,
             Dims(std::move(out)));
  return Status::ok();
}

}  // namespace

Status infer_MaxPool(Layer& layer) {
  return infer_pool(layer, {DataType::kFloat, DataType::kInt8, DataType::kUInt8}, 2);
}

Status infer_AveragePool(Layer& layer) {
  return infer_pool(layer, {DataType::kFloat}, 1);
}

Status infer_GlobalAveragePool(Layer& layer) {
  return infer_global_pool(layer);
}

Status infer_GlobalMaxPool(Layer& layer) {
  return infer_global_pool(layer);
}

}  // namespace int8rt::ir
