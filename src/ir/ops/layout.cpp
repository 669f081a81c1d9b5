// Shape inference of the data-movement ops: Concat, Split, Slice, Gather, Transpose, Pad, Expand.
// They work on every dtype (the builder folds int64 shape subgraphs through them). Negative axes
// are normalized here, into the layer's attributes, so that kernels see axes in [0, rank).
#include <algorithm>
#include <limits>

#include "ir/ops/op_util.h"
#include "ir/quantization.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

namespace {

// Input `index`, when present, holds int32 or int64 values.
Status expect_int_indices(const Layer& layer, int index) {
  if (index >= layer.num_inputs()) return Status::ok();
  return expect_dtype(layer, index, {DataType::kInt32, DataType::kInt64});
}

}  // namespace

Status infer_Concat(Layer& layer) {
  INT8RT_ASSIGN_OR_RETURN(const ConcatAttrs* attrs, attrs_of<ConcatAttrs>(layer));
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 1, std::numeric_limits<int>::max()));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* first, required_input(layer, 0, "inputs"));
  const int rank = first->dims().rank();
  if (rank == 0) {
    return invalid_argument(describe(layer), ": input \"", first->name(),
                            "\" is a scalar; Concat needs rank >= 1");
  }
  INT8RT_ASSIGN_OR_RETURN(int axis, normalize_axis(layer, attrs->axis, rank));
  Dims out = first->dims();
  out[axis] = 0;
  for (int i = 0; i < layer.num_inputs(); ++i) {
    INT8RT_ASSIGN_OR_RETURN(const Tensor* t, required_input(layer, i, "inputs"));
    if (t->dtype() != first->dtype()) {
      return invalid_argument(describe(layer), ": input \"", t->name(), "\" has dtype ",
                              to_string(t->dtype()), ", but input \"", first->name(), "\" has ",
                              to_string(first->dtype()));
    }
    bool compatible = t->dims().rank() == rank;
    for (int a = 0; compatible && a < rank; ++a) {
      compatible = a == axis || t->dims()[a] == first->dims()[a];
    }
    if (!compatible) {
      return invalid_argument(describe(layer), ": cannot concatenate ", t->dims().to_string(),
                              " (input \"", t->name(), "\") with ", first->dims().to_string(),
                              " (input \"", first->name(), "\") along axis ", axis);
    }
    out[axis] += t->dims()[axis];
  }
  std::get<ConcatAttrs>(layer.mutable_attrs()).axis = axis;
  // INT8 (src/ir/quantization.h): quantized inputs keep the output dtype the precision pass chose.
  DataType type = first->dtype();
  if (is_quantized(first)) {
    for (int i = 0; i < layer.num_inputs(); ++i) {
      if (!is_quantized(layer.input(i))) {
        return check_int8_operands(layer, {i}, {});
      }
    }
    type = quantized_output_dtype(layer, 0);
  }
  set_output(layer, 0, type, std::move(out));
  return Status::ok();
}

// Split (opset 13): `split` sizes when given, else equal parts, one per output.
Status infer_Split(Layer& layer) {
  INT8RT_ASSIGN_OR_RETURN(const SplitAttrs* attrs, attrs_of<SplitAttrs>(layer));
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 1, 2));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* x, required_input(layer, 0, "input"));
  if (x->dims().rank() == 0) {
    return invalid_argument(describe(layer), ": input \"", x->name(), "\" is a scalar");
  }
  INT8RT_ASSIGN_OR_RETURN(int axis, normalize_axis(layer, attrs->axis, x->dims().rank()));
  INT8RT_RETURN_IF_ERROR(expect_int_indices(layer, 1));
  INT8RT_ASSIGN_OR_RETURN(auto split, constant_ints(layer, 1, "split"));
  const int64_t extent = x->dims()[axis];
  const int parts = layer.num_outputs();
  std::vector<int64_t> sizes;
  if (split) {
    sizes = *split;
    if (static_cast<int>(sizes.size()) != parts) {
      return invalid_argument(describe(layer), ": split has ", sizes.size(), " sizes for ", parts,
                              " outputs");
    }
    int64_t total = 0;
    for (int64_t size : sizes) {
      if (size < 0) return invalid_argument(describe(layer), ": negative split size ", size);
      total += size;
    }
    if (total != extent) {
      return invalid_argument(describe(layer), ": split sizes add up to ", total, ", but axis ",
                              axis, " of ", x->dims().to_string(), " has ", extent);
    }
  } else {
    if (extent % parts != 0) {
      return invalid_argument(describe(layer), ": axis ", axis, " of ", x->dims().to_string(),
                              " does not split into ", parts, " equal parts");
    }
    sizes.assign(static_cast<size_t>(parts), extent / parts);
  }
  std::get<SplitAttrs>(layer.mutable_attrs()).axis = axis;
  for (int i = 0; i < parts; ++i) {
    Dims dims = x->dims();
    dims[axis] = sizes[static_cast<size_t>(i)];
    set_output(layer, i, x->dtype(), std::move(dims));
  }
  return Status::ok();
}

Result<std::vector<SliceAxis>> resolve_slice(const Layer& layer) {
  INT8RT_ASSIGN_OR_RETURN(const Tensor* data, required_input(layer, 0, "data"));
  for (int i = 1; i < layer.num_inputs(); ++i)
    INT8RT_RETURN_IF_ERROR(expect_int_indices(layer, i));
  INT8RT_ASSIGN_OR_RETURN(std::vector<int64_t> starts, required_constant_ints(layer, 1, "starts"));
  INT8RT_ASSIGN_OR_RETURN(std::vector<int64_t> ends, required_constant_ints(layer, 2, "ends"));
  INT8RT_ASSIGN_OR_RETURN(auto axes, constant_ints(layer, 3, "axes"));
  INT8RT_ASSIGN_OR_RETURN(auto steps, constant_ints(layer, 4, "steps"));
  const Dims& dims = data->dims();
  const size_t n = starts.size();
  if (ends.size() != n || (axes && axes->size() != n) || (steps && steps->size() != n)) {
    return invalid_argument(describe(layer), ": starts, ends, axes and steps have ", starts.size(),
                            ", ", ends.size(), ", ", axes ? axes->size() : n, " and ",
                            steps ? steps->size() : n, " entries; they must match");
  }
  std::vector<int64_t> axis_list = axes ? *axes : std::vector<int64_t>();
  if (!axes) {
    for (size_t i = 0; i < n; ++i)
      axis_list.push_back(static_cast<int64_t>(i));
  }
  INT8RT_ASSIGN_OR_RETURN(std::vector<int> normalized,
                          normalize_axes(layer, axis_list, dims.rank()));
  std::vector<SliceAxis> out;
  for (int a = 0; a < dims.rank(); ++a)
    out.push_back({0, 1, dims[a]});
  for (size_t i = 0; i < n; ++i) {
    const int axis = normalized[i];
    const int64_t extent = dims[axis];
    const int64_t step = steps ? (*steps)[i] : 1;
    if (step == 0) return invalid_argument(describe(layer), ": step 0 on axis ", axis);
    int64_t start = starts[i];
    int64_t end = ends[i];
    // Negative positions count from the end (ends as low as INT64_MIN stay far below -1).
    if (start < 0) start = start < -extent ? -1 : start + extent;
    if (end < 0) end = end < -extent ? -1 : end + extent;
    int64_t count = 0;
    if (extent == 0) {
      count = 0;
    } else if (step > 0) {
      start = std::clamp<int64_t>(start, 0, extent);
      end = std::clamp<int64_t>(end, 0, extent);
      count = end > start ? (end - start + step - 1) / step : 0;
    } else {
      // Walking backwards: start clamps to [0, extent - 1], end to [-1, extent - 1] (-1 means
      // "through index 0").
      start = std::clamp<int64_t>(start, 0, extent - 1);
      end = std::clamp<int64_t>(end, -1, extent - 1);
      count = start > end ? (start - end + (-step) - 1) / (-step) : 0;
    }
    out[static_cast<size_t>(axis)] = {count > 0 ? start : 0, step, count};
  }
  return out;
}

// Slice(data, starts, ends, axes?, steps?), opset 13; the parameters must be constant.
Status infer_Slice(Layer& layer) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 3, 5));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(std::vector<SliceAxis> slice, resolve_slice(layer));
  std::vector<int64_t> dims;
  for (const SliceAxis& s : slice)
    dims.push_back(s.count);
  set_output(layer, 0, layer.input(0)->dtype(), Dims(std::move(dims)));
  return Status::ok();
}

// Gather(data, indices): out = data.shape[:axis] + indices.shape + data.shape[axis + 1:].
Status infer_Gather(Layer& layer) {
  INT8RT_ASSIGN_OR_RETURN(const GatherAttrs* attrs, attrs_of<GatherAttrs>(layer));
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 2, 2));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* data, required_input(layer, 0, "data"));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* indices, required_input(layer, 1, "indices"));
  INT8RT_RETURN_IF_ERROR(expect_int_indices(layer, 1));
  const Dims& d = data->dims();
  if (d.rank() == 0) {
    return invalid_argument(describe(layer), ": data \"", data->name(), "\" is a scalar");
  }
  INT8RT_ASSIGN_OR_RETURN(int axis, normalize_axis(layer, attrs->axis, d.rank()));
  const int64_t extent = d[axis];
  if (indices->is_constant()) {
    for (int64_t index : indices->constant_value().to_int64()) {
      if (index < -extent || index >= extent) {
        return invalid_argument(describe(layer), ": index ", index, " is out of range for axis ",
                                axis, " of ", d.to_string());
      }
    }
  }
  std::vector<int64_t> out(d.extents().begin(), d.extents().begin() + axis);
  out.insert(out.end(), indices->dims().extents().begin(), indices->dims().extents().end());
  out.insert(out.end(), d.extents().begin() + axis + 1, d.extents().end());
  std::get<GatherAttrs>(layer.mutable_attrs()).axis = axis;
  set_output(layer, 0, data->dtype(), Dims(std::move(out)));
  return Status::ok();
}

// Transpose: output axis i is input axis perm[i]; an empty perm reverses the axes (filled in).
Status infer_Transpose(Layer& layer) {
  INT8RT_ASSIGN_OR_RETURN(const TransposeAttrs* attrs, attrs_of<TransposeAttrs>(layer));
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 1, 1));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* x, required_input(layer, 0, "data"));
  const int rank = x->dims().rank();
  std::vector<int64_t> perm = attrs->perm;
  if (perm.empty()) {
    for (int i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  }
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  bool valid = static_cast<int>(perm.size()) == rank;
  for (size_t i = 0; valid && i < perm.size(); ++i) {
    valid = perm[i] >= 0 && perm[i] < rank && !seen[static_cast<size_t>(perm[i])];
    if (valid) seen[static_cast<size_t>(perm[i])] = true;
  }
  if (!valid) {
    std::string text;
    for (int64_t p : perm) {
      if (!text.empty()) text += ',';
      text += std::to_string(p);
    }
    return invalid_argument(describe(layer), ": perm [", text, "] is not a permutation of the ",
                            rank, " axes of ", x->dims().to_string());
  }
  std::vector<int64_t> out;
  for (int64_t p : perm)
    out.push_back(x->dims()[static_cast<int>(p)]);
  std::get<TransposeAttrs>(layer.mutable_attrs()).perm = perm;
  set_output(layer, 0, x->dtype(), Dims(std::move(out)));
  return Status::ok();
}

// Pad(data, pads, constant_value?), opset 13: pads = [x1_begin, x2_begin, ..., x1_end, ...];
// negative pads crop. constant_value (a scalar of data's dtype, default 0) may be computed at
// run time.
Status infer_Pad(Layer& layer) {
  INT8RT_ASSIGN_OR_RETURN(const PadAttrs* attrs, attrs_of<PadAttrs>(layer));
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 2, 3));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* x, required_input(layer, 0, "data"));
  INT8RT_RETURN_IF_ERROR(expect_int_indices(layer, 1));
  INT8RT_ASSIGN_OR_RETURN(std::vector<int64_t> pads, required_constant_ints(layer, 1, "pads"));
  const Dims& d = x->dims();
  const int rank = d.rank();
  if (static_cast<int>(pads.size()) != 2 * rank) {
    return invalid_argument(describe(layer), ": pads has ", pads.size(), " entries, expected ",
                            2 * rank, " (begin and end for each axis of ", d.to_string(), ")");
  }
  if (layer.num_inputs() > 2 && layer.input(2) != nullptr) {
    const Tensor* value = layer.input(2);
    if (value->dtype() != x->dtype() || value->dims().volume() != 1) {
      return invalid_argument(describe(layer), ": constant_value \"", value->name(), "\" is ",
                              to_string(value->dtype()), " ", value->dims().to_string(),
                              ", expected a scalar of data's dtype ", to_string(x->dtype()));
    }
  }
  std::vector<int64_t> out;
  for (int a = 0; a < rank; ++a) {
    const int64_t begin = pads[static_cast<size_t>(a)];
    const int64_t end = pads[static_cast<size_t>(a + rank)];
    const int64_t extent = d[a] + begin + end;
    if (extent < 0) {
      return invalid_argument(describe(layer), ": pads ", begin, " and ", end, " crop axis ", a,
                              " of ", d.to_string(), " below zero");
    }
    if (attrs->mode != PadMode::kConstant && d[a] == 0 && extent > 0) {
      return invalid_argument(describe(layer), ": ", to_string(attrs->mode),
                              " padding of empty axis ", a, " of ", d.to_string());
    }
    out.push_back(extent);
  }
  set_output(layer, 0, x->dtype(), Dims(std::move(out)));
  return Status::ok();
}

// Expand(input, shape): the input broadcast with `shape` in both directions (numpy rules).
Status infer_Expand(Layer& layer) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 2, 2));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* x, required_input(layer, 0, "input"));
  INT8RT_RETURN_IF_ERROR(expect_int_indices(layer, 1));
  INT8RT_ASSIGN_OR_RETURN(std::vector<int64_t> shape, required_constant_ints(layer, 1, "shape"));
  for (int64_t extent : shape) {
    if (extent < 0) {
      return invalid_argument(describe(layer), ": shape has negative extent ", extent);
    }
  }
  INT8RT_ASSIGN_OR_RETURN(Dims out, broadcast_shapes(layer, x->dims(), Dims(shape)));
  set_output(layer, 0, x->dtype(), std::move(out));
  return Status::ok();
}

}  // namespace int8rt::ir
