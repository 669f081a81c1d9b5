#include "ir/ops/op_util.h"

#include <algorithm>

namespace int8rt::ir {

std::string describe(const Layer& layer) {
  return detail::concat(to_string(layer.type()), " \"", layer.name(), "\"");
}

Status expect_inputs(const Layer& layer, int min, int max) {
  int n = layer.num_inputs();
  if (n < min || n > max) {
    if (min == max)
      return invalid_argument(describe(layer), ": has ", n, " inputs, expected ", min);
    return invalid_argument(describe(layer), ": has ", n, " inputs, expected ", min, " to ", max);
  }
  return Status::ok();
}

Status expect_outputs(const Layer& layer, int min, int max) {
  int n = layer.num_outputs();
  if (n < min || n > max) {
    return invalid_argument(describe(layer), ": has ", n, " outputs, expected ", min,
                            min == max ? "" : detail::concat(" to ", max));
  }
  return Status::ok();
}

Result<const Tensor*> required_input(const Layer& layer, int index, std::string_view what) {
  if (index >= layer.num_inputs() || layer.input(index) == nullptr) {
    return invalid_argument(describe(layer), ": missing required input ", index, " (", what, ")");
  }
  return layer.input(index);
}

Status expect_dtype(const Layer& layer, int index, std::initializer_list<DataType> allowed) {
  if (index >= layer.num_inputs()) return Status::ok();  // an absent trailing optional input
  const Tensor* t = layer.input(index);
  if (t == nullptr) return Status::ok();
  if (std::find(allowed.begin(), allowed.end(), t->dtype()) != allowed.end()) return Status::ok();
  std::string names;
  for (DataType type : allowed) {
    if (!names.empty()) names += ", ";
    names += to_string(type);
  }
  return unsupported(describe(layer), ": input \"", t->name(), "\" has dtype ",
                     to_string(t->dtype()), ", expected one of: ", names);
}

namespace {
Result<const Tensor*> constant_input(const Layer& layer, int index, std::string_view what) {
  if (index >= layer.num_inputs() || layer.input(index) == nullptr) return nullptr;
  const Tensor* t = layer.input(index);
  if (!t->is_constant()) {
    return unsupported(describe(layer), ": input ", index, " (", what, ", tensor \"", t->name(),
                       "\") must be known at build time, but it is computed from the network's "
                       "inputs");
  }
  return t;
}
}  // namespace

Result<std::optional<std::vector<int64_t>>> constant_ints(const Layer& layer, int index,
                                                          std::string_view what) {
  INT8RT_ASSIGN_OR_RETURN(const Tensor* t, constant_input(layer, index, what));
  if (t == nullptr) return std::optional<std::vector<int64_t>>();
  return std::optional<std::vector<int64_t>>(t->constant_value().to_int64());
}

Result<std::vector<int64_t>> required_constant_ints(const Layer& layer, int index,
                                                    std::string_view what) {
  INT8RT_RETURN_IF_ERROR(required_input(layer, index, what).status());
  INT8RT_ASSIGN_OR_RETURN(const Tensor* t, constant_input(layer, index, what));
  return t->constant_value().to_int64();
}

Result<std::optional<std::vector<double>>> constant_floats(const Layer& layer, int index,
                                                           std::string_view what) {
  INT8RT_ASSIGN_OR_RETURN(const Tensor* t, constant_input(layer, index, what));
  if (t == nullptr) return std::optional<std::vector<double>>();
  return std::optional<std::vector<double>>(t->constant_value().to_double());
}

Result<int> normalize_axis(const Layer& layer, int64_t axis, int rank) {
  if (axis < -rank || axis >= std::max(rank, 1)) {
    return invalid_argument(describe(layer), ": axis ", axis, " is out of range for rank ", rank);
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

Result<std::vector<int>> normalize_axes(const Layer& layer, const std::vector<int64_t>& axes,
                                        int rank) {
  std::vector<int> out;
  if (rank == 0 && !axes.empty()) {
    return invalid_argument(describe(layer), ": a scalar has no axis ", axes.front());
  }
  for (int64_t axis : axes) {
    INT8RT_ASSIGN_OR_RETURN(int a, normalize_axis(layer, axis, rank));
    if (std::find(out.begin(), out.end(), a) != out.end()) {
      return invalid_argument(describe(layer), ": axis ", axis, " is given twice");
    }
    out.push_back(a);
  }
  return out;
}

Result<Dims> broadcast_shapes(const Layer& layer, const Dims& a, const Dims& b) {
  int rank = std::max(a.rank(), b.rank());
  std::vector<int64_t> out(static_cast<size_t>(rank));
  for (int i = 0; i < rank; ++i) {
    int ia = i - (rank - a.rank());
    int ib = i - (rank - b.rank());
    int64_t da = ia >= 0 ? a[ia] : 1;
    int64_t db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1) {
      return invalid_argument(describe(layer), ": shapes ", a.to_string(), " and ", b.to_string(),
                              " cannot be broadcast together");
    }
    out[static_cast<size_t>(i)] = da == 1 ? db : da;
  }
  return Dims(std::move(out));
}

void set_output(Layer& layer, int index, DataType type, Dims dims) {
  Tensor* t = layer.output(index);
  if (t == nullptr) return;
  t->set_dtype(type);
  t->set_dims(std::move(dims));
}

Status infer_same_as_input(Layer& layer, std::initializer_list<DataType> allowed) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 1, 1));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(const Tensor* x, required_input(layer, 0, "X"));
  INT8RT_RETURN_IF_ERROR(expect_dtype(layer, 0, allowed));
  set_output(layer, 0, x->dtype(), x->dims());
  return Status::ok();
}

}  // namespace int8rt::ir
