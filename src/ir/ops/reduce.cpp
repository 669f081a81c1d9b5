// ReduceMean/Sum/Max/Min/Prod shape inference.
//
// data, axes? (constant) -> reduced. Reduced axes keep extent 1 with keepdims, else disappear;
// absent/empty axes reduce every axis, or none with noop_with_empty_axes (then Y = data).
#include <algorithm>

#include "ir/ops/compute_params.h"
#include "ir/ops/op_util.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

namespace {
Status infer_reduce(Layer& layer, std::initializer_list<DataType> dtypes) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 1, 2));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* x, required_input(layer, 0, "data"));
  INT8RT_RETURN_IF_ERROR(expect_dtype(layer, 0, dtypes));
  if (layer.num_inputs() > 1) {
    INT8RT_RETURN_IF_ERROR(expect_dtype(layer, 1, {DataType::kInt64, DataType::kInt32}));
  }
  INT8RT_ASSIGN_OR_RETURN(std::vector<int> axes, reduce_axes(layer));
  const auto& attrs = layer.attrs_as<ReduceAttrs>();
  std::vector<int64_t> out;
  const Dims& in = x->dims();
  for (int axis = 0; axis < in.rank(); ++axis) {
    const bool reduced = std::find(axes.begin(), axes.end(), axis) != axes.end();
    if (!reduced) {
      out.push_back(in[axis]);
    } else if (attrs.keepdims) {
      out.push_back(1);
    }
  }
  set_output(layer, 0, x->dtype(), Dims(std::move(out)));
  return Status::ok();
}

constexpr std::initializer_list<DataType> kArithmeticTypes = {DataType::kFloat, DataType::kInt32,
                                                              DataType::kInt64};
constexpr std::initializer_list<DataType> kOrderedTypes = {
    DataType::kFloat, DataType::kInt32, DataType::kInt64, DataType::kInt8, DataType::kUInt8};
}  // namespace

Status infer_ReduceMean(Layer& layer) {
  return infer_reduce(layer, kArithmeticTypes);
}
Status infer_ReduceSum(Layer& layer) {
  return infer_reduce(layer, kArithmeticTypes);
}
Status infer_ReduceProd(Layer& layer) {
  return infer_reduce(layer, kArithmeticTypes);
}
Status infer_ReduceMax(Layer& layer) {
  return infer_reduce(layer, kOrderedTypes);
}
Status infer_ReduceMin(Layer& layer) {
  return infer_reduce(layer, kOrderedTypes);
}

}  // namespace int8rt::ir
