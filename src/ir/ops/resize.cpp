// Resize shape inference: X, roi?, scales?, sizes? -> Y with the extents of resize_geometry()
// (compute_params.h). scales, sizes and (for tf_crop_and_resize) roi must be constant.
#include "ir/ops/compute_params.h"
#include "ir/ops/op_util.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

Status infer_Resize(Layer& layer) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 1, 4));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* x, required_input(layer, 0, "X"));
  const auto& attrs = layer.attrs_as<ResizeAttrs>();
  if (attrs.mode == ResizeMode::kNearest) {
    INT8RT_RETURN_IF_ERROR(expect_dtype(
        layer, 0,
        {DataType::kFloat, DataType::kInt8, DataType::kUInt8, DataType::kInt32, DataType::kInt64}));
  } else if (x->dtype() != DataType::kFloat) {
    return unsupported(describe(layer), ": ", to_string(attrs.mode), " mode on ",
                       to_string(x->dtype()), " input \"", x->name(),
                       "\" (only nearest resizes integer data)");
  }
  const int n = layer.num_inputs();
  if (n > 1) INT8RT_RETURN_IF_ERROR(expect_dtype(layer, 1, {DataType::kFloat}));
  if (n > 2) INT8RT_RETURN_IF_ERROR(expect_dtype(layer, 2, {DataType::kFloat}));
  if (n > 3) INT8RT_RETURN_IF_ERROR(expect_dtype(layer, 3, {DataType::kInt64}));
  INT8RT_ASSIGN_OR_RETURN(ResizeGeometry geometry, resize_geometry(layer));
  set_output(layer, 0, x->dtype(), Dims(std::move(geometry.out)));
  return Status::ok();
}

}  // namespace int8rt::ir
