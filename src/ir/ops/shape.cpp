// Shape inference of the ops that reinterpret or create shapes: Flatten, Reshape, Squeeze,
// Unsqueeze, Shape, Cast, ConstantOfShape, Range, Identity. All but Range and ConstantOfShape work
// on every dtype.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ir/ops/op_util.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

namespace {

int64_t product(const std::vector<int64_t>& extents, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i)
    p *= extents[i];
  return p;
}

Status expect_one_input(const Layer& layer) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 1, 1));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  return required_input(layer, 0, "input").status();
}

// Input `index`, when present, holds int32 or int64 values.
Status expect_int_input(const Layer& layer, int index) {
  if (index >= layer.num_inputs()) return Status::ok();
  return expect_dtype(layer, index, {DataType::kInt64, DataType::kInt32});
}

std::string ints_to_string(const std::vector<int64_t>& values) {
  std::string text = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += ',';
    text += std::to_string(values[i]);
  }
  text += ']';
  return text;
}

}  // namespace

// Flatten: [d0 * ... * d(axis-1), d(axis) * ... * d(rank-1)]; axis in [-rank, rank].
Status infer_Flatten(Layer& layer) {
  INT8RT_ASSIGN_OR_RETURN(const FlattenAttrs* attrs, attrs_of<FlattenAttrs>(layer));
  INT8RT_RETURN_IF_ERROR(expect_one_input(layer));
  const Tensor* x = layer.input(0);
  const int rank = x->dims().rank();
  if (attrs->axis < -rank || attrs->axis > rank) {
    return invalid_argument(describe(layer), ": axis ", attrs->axis, " is out of range [", -rank,
                            ", ", rank, "] for ", x->dims().to_string());
  }
  const auto axis = static_cast<size_t>(attrs->axis < 0 ? attrs->axis + rank : attrs->axis);
  const std::vector<int64_t>& d = x->dims().extents();
  set_output(layer, 0, x->dtype(), Dims{product(d, 0, axis), product(d, axis, d.size())});
  return Status::ok();
}

// Reshape(data, shape): 0 copies the input's extent at that index (unless allowzero, where it is a
// literal 0); one -1 is inferred from the element count.
Status infer_Reshape(Layer& layer) {
  INT8RT_ASSIGN_OR_RETURN(const ReshapeAttrs* attrs, attrs_of<ReshapeAttrs>(layer));
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 2, 2));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* x, required_input(layer, 0, "data"));
  INT8RT_RETURN_IF_ERROR(expect_int_input(layer, 1));
  INT8RT_ASSIGN_OR_RETURN(std::vector<int64_t> shape, required_constant_ints(layer, 1, "shape"));
  const Dims& in = x->dims();
  std::vector<int64_t> out = shape;
  int inferred = -1;
  bool has_zero = false;
  for (size_t i = 0; i < out.size(); ++i) {
    int64_t& extent = out[i];
    if (extent == -1) {
      if (inferred >= 0) {
        return invalid_argument(describe(layer), ": shape ", ints_to_string(shape),
                                " has more than one -1");
      }
      inferred = static_cast<int>(i);
    } else if (extent == 0) {
      has_zero = true;
      if (!attrs->allowzero) {
        if (static_cast<int>(i) >= in.rank()) {
          return invalid_argument(describe(layer), ": shape ", ints_to_string(shape),
                                  " copies axis ", i, " (0), but the input ", in.to_string(),
                                  " has rank ", in.rank());
        }
        extent = in[static_cast<int>(i)];
      }
    } else if (extent < 0) {
      return invalid_argument(describe(layer), ": shape ", ints_to_string(shape),
                              " has negative extent ", extent);
    }
  }
  if (attrs->allowzero && has_zero && inferred >= 0) {
    return invalid_argument(describe(layer), ": shape ", ints_to_string(shape),
                            " has both 0 and -1, which allowzero forbids");
  }
  const int64_t volume = in.volume();
  if (inferred >= 0) {
    out[static_cast<size_t>(inferred)] = 1;
    const int64_t known = product(out, 0, out.size());
    if (known == 0 || volume % known != 0) {
      return invalid_argument(describe(layer), ": cannot reshape ", in.to_string(), " (", volume,
                              " elements) to ", ints_to_string(shape),
                              ": the -1 extent has no integer solution");
    }
    out[static_cast<size_t>(inferred)] = volume / known;
  }
  Dims result(std::move(out));
  if (result.volume() != volume) {
    return invalid_argument(describe(layer), ": cannot reshape ", in.to_string(), " (", volume,
                            " elements) to ", result.to_string(), " (", result.volume(),
                            " elements)");
  }
  set_output(layer, 0, x->dtype(), std::move(result));
  return Status::ok();
}

// Squeeze(data, axes?): removes the given axes (each of extent 1), or every axis of extent 1.
Status infer_Squeeze(Layer& layer) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 1, 2));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* x, required_input(layer, 0, "data"));
  INT8RT_RETURN_IF_ERROR(expect_int_input(layer, 1));
  INT8RT_ASSIGN_OR_RETURN(auto axes, constant_ints(layer, 1, "axes"));
  const Dims& in = x->dims();
  std::vector<bool> removed(static_cast<size_t>(in.rank()), false);
  if (axes) {
    INT8RT_ASSIGN_OR_RETURN(std::vector<int> normalized, normalize_axes(layer, *axes, in.rank()));
    for (int axis : normalized) {
      if (in[axis] != 1) {
        return invalid_argument(describe(layer), ": cannot squeeze axis ", axis, " of ",
                                in.to_string(), ", its extent is not 1");
      }
      removed[static_cast<size_t>(axis)] = true;
    }
  } else {
    for (int axis = 0; axis < in.rank(); ++axis)
      removed[static_cast<size_t>(axis)] = in[axis] == 1;
  }
  std::vector<int64_t> out;
  for (int axis = 0; axis < in.rank(); ++axis) {
    if (!removed[static_cast<size_t>(axis)]) out.push_back(in[axis]);
  }
  set_output(layer, 0, x->dtype(), Dims(std::move(out)));
  return Status::ok();
}

// Unsqueeze(data, axes): inserts extents of 1 at `axes`, which index the output (rank + n axes).
Status infer_Unsqueeze(Layer& layer) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 2, 2));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* x, required_input(layer, 0, "data"));
  INT8RT_RETURN_IF_ERROR(expect_int_input(layer, 1));
  INT8RT_ASSIGN_OR_RETURN(std::vector<int64_t> axes, required_constant_ints(layer, 1, "axes"));
  const Dims& in = x->dims();
  const int rank = in.rank() + static_cast<int>(axes.size());
  INT8RT_ASSIGN_OR_RETURN(std::vector<int> normalized, normalize_axes(layer, axes, rank));
  std::vector<int64_t> out(static_cast<size_t>(rank), 0);
  for (int axis : normalized)
    out[static_cast<size_t>(axis)] = 1;
  int next = 0;
  for (int axis = 0; axis < rank; ++axis) {
    if (std::find(normalized.begin(), normalized.end(), axis) == normalized.end()) {
      out[static_cast<size_t>(axis)] = in[next++];
    }
  }
  set_output(layer, 0, x->dtype(), Dims(std::move(out)));
  return Status::ok();
}

// Shape (opset 15): the extents [start, end) of the input's shape as int64; negative start/end
// count from the rank, both clamp to [0, rank]. Stores the clamped values in the attributes.
Status infer_Shape(Layer& layer) {
  INT8RT_ASSIGN_OR_RETURN(const ShapeAttrs* attrs, attrs_of<ShapeAttrs>(layer));
  INT8RT_RETURN_IF_ERROR(expect_one_input(layer));
  const int64_t rank = layer.input(0)->dims().rank();
  auto resolve = [rank](int64_t position) {
    if (position < 0) position = position < -rank ? 0 : position + rank;
    return std::min(position, rank);
  };
  const int64_t start = resolve(attrs->start);
  const int64_t end = std::max(start, resolve(attrs->end));
  ShapeAttrs& canonical = std::get<ShapeAttrs>(layer.mutable_attrs());
  canonical.start = start;
  canonical.end = end;
  set_output(layer, 0, DataType::kInt64, Dims{end - start});
  return Status::ok();
}

Status infer_Cast(Layer& layer) {
  INT8RT_ASSIGN_OR_RETURN(const CastAttrs* attrs, attrs_of<CastAttrs>(layer));
  INT8RT_RETURN_IF_ERROR(expect_one_input(layer));
  set_output(layer, 0, attrs->to, layer.input(0)->dims());
  return Status::ok();
}

// ConstantOfShape(shape): a tensor of that shape filled with `value` (float32 0 when unset).
Status infer_ConstantOfShape(Layer& layer) {
  INT8RT_ASSIGN_OR_RETURN(const ConstantOfShapeAttrs* attrs, attrs_of<ConstantOfShapeAttrs>(layer));
  INT8RT_RETURN_IF_ERROR(expect_one_input(layer));
  INT8RT_RETURN_IF_ERROR(expect_dtype(layer, 0, {DataType::kInt64, DataType::kInt32}));
  if (layer.input(0)->dims().rank() != 1) {
    return invalid_argument(describe(layer), ": shape input has shape ",
                            layer.input(0)->dims().to_string(), ", expected 1-D");
  }
  INT8RT_ASSIGN_OR_RETURN(std::vector<int64_t> shape, required_constant_ints(layer, 0, "shape"));
  for (int64_t extent : shape) {
    if (extent < 0) {
      return invalid_argument(describe(layer), ": shape ", ints_to_string(shape),
                              " has negative extent ", extent);
    }
  }
  if (!attrs->value.empty() && attrs->value.count() != 1) {
    return invalid_argument(describe(layer), ": value has ", attrs->value.count(),
                            " elements, expected 1");
  }
  const DataType type = attrs->value.empty() ? DataType::kFloat : attrs->value.dtype();
  set_output(layer, 0, type, Dims(shape));
  return Status::ok();
}

// Range(start, limit, delta): max(ceil((limit - start) / delta), 0) elements start + i * delta.
Status infer_Range(Layer& layer) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 3, 3));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  const char* names[] = {"start", "limit", "delta"};
  double values[3] = {};
  for (int i = 0; i < 3; ++i) {
    INT8RT_ASSIGN_OR_RETURN(const Tensor* t, required_input(layer, i, names[i]));
    INT8RT_RETURN_IF_ERROR(
        expect_dtype(layer, i, {DataType::kFloat, DataType::kInt32, DataType::kInt64}));
    if (t->dtype() != layer.input(0)->dtype() || t->dims().volume() != 1) {
      return invalid_argument(describe(layer), ": ", names[i], " \"", t->name(), "\" is ",
                              to_string(t->dtype()), " ", t->dims().to_string(),
                              ", expected a scalar of start's dtype");
    }
    if (!t->is_constant()) {
      return unsupported(describe(layer), ": ", names[i], " \"", t->name(),
                         "\" must be known at build time (it sets the output's length)");
    }
    values[i] = t->constant_value().to_double().front();
  }
  const DataType type = layer.input(0)->dtype();
  if (values[2] == 0) return invalid_argument(describe(layer), ": delta is 0");
  // limit - start in the inputs' dtype (float32 for float inputs), the division in double.
  const double span =
      type == DataType::kFloat
          ? static_cast<double>(static_cast<float>(values[1]) - static_cast<float>(values[0]))
          : values[1] - values[0];
  const double count = std::ceil(span / values[2]);
  if (!(count < static_cast<double>(std::numeric_limits<int32_t>::max()))) {
    return invalid_argument(describe(layer), ": ", count, " elements is too many");
  }
  set_output(layer, 0, type, Dims{std::max<int64_t>(static_cast<int64_t>(count), 0)});
  return Status::ok();
}

Status infer_Identity(Layer& layer) {
  INT8RT_RETURN_IF_ERROR(expect_one_input(layer));
  set_output(layer, 0, layer.input(0)->dtype(), layer.input(0)->dims());
  return Status::ok();
}

}  // namespace int8rt::ir
