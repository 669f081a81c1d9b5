// Shape inference of the broadcasting elementwise ops. Every input broadcasts against every other
// (numpy multidirectional rules); the output has the broadcast shape.
#include "ir/ops/op_util.h"
#include "ir/quantization.h"
#include "ir/shape_inference.h"

namespace int8rt::ir {

namespace {

// Every input slot present; returns the broadcast of all their shapes.
Result<Dims> broadcast_all(const Layer& layer) {
  Dims out;
  for (int i = 0; i < layer.num_inputs(); ++i) {
    INT8RT_ASSIGN_OR_RETURN(const Tensor* input, required_input(layer, i, "operand"));
    if (i == 0) {
      out = input->dims();
      continue;
    }
    INT8RT_ASSIGN_OR_RETURN(out, broadcast_shapes(layer, out, input->dims()));
  }
  return out;
}

// Inputs [first, num_inputs) share the dtype of input `first`.
Status expect_same_dtype(const Layer& layer, int first) {
  const Tensor* reference = layer.input(first);
  for (int i = first + 1; i < layer.num_inputs(); ++i) {
    const Tensor* t = layer.input(i);
    if (t->dtype() != reference->dtype()) {
      return invalid_argument(describe(layer), ": input \"", t->name(), "\" has dtype ",
                              to_string(t->dtype()), ", but input \"", reference->name(), "\" has ",
                              to_string(reference->dtype()), "; they must match");
    }
  }
  return Status::ok();
}

// Add, Sub, Mul, Div, Max, Min: numeric operands of one dtype, output of that dtype.
Status infer_numeric(Layer& layer, int min_inputs, int max_inputs) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, min_inputs, max_inputs));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(Dims out, broadcast_all(layer));
  INT8RT_RETURN_IF_ERROR(expect_dtype(
      layer, 0,
      {DataType::kFloat, DataType::kInt8, DataType::kUInt8, DataType::kInt32, DataType::kInt64}));
  INT8RT_RETURN_IF_ERROR(expect_same_dtype(layer, 0));
  set_output(layer, 0, layer.input(0)->dtype(), std::move(out));
  return Status::ok();
}

constexpr int kManyInputs = 1 << 20;

}  // namespace

// INT8 (src/ir/quantization.h): quantized operands keep the output dtype the precision pass chose.
Status infer_Add(Layer& layer) {
  const DataType quantized = quantized_output_dtype(layer, 0);
  INT8RT_RETURN_IF_ERROR(infer_numeric(layer, 2, 2));
  if (!is_quantized(layer.input(0))) return Status::ok();
  INT8RT_RETURN_IF_ERROR(check_int8_operands(layer, {0, 1}, {}));
  layer.output(0)->set_dtype(quantized);
  return Status::ok();
}

Status infer_Sub(Layer& layer) {
  return infer_numeric(layer, 2, 2);
}

Status infer_Mul(Layer& layer) {
  return infer_numeric(layer, 2, 2);
}

Status infer_Div(Layer& layer) {
  return infer_numeric(layer, 2, 2);
}

// Pow(X, Y): the exponent may have another dtype than the base; the result has the base's.
Status infer_Pow(Layer& layer) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 2, 2));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(Dims out, broadcast_all(layer));
  INT8RT_RETURN_IF_ERROR(
      expect_dtype(layer, 0, {DataType::kFloat, DataType::kInt32, DataType::kInt64}));
  INT8RT_RETURN_IF_ERROR(
      expect_dtype(layer, 1, {DataType::kFloat, DataType::kInt32, DataType::kInt64}));
  set_output(layer, 0, layer.input(0)->dtype(), std::move(out));
  return Status::ok();
}

Status infer_Max(Layer& layer) {
  return infer_numeric(layer, 1, kManyInputs);
}

Status infer_Min(Layer& layer) {
  return infer_numeric(layer, 1, kManyInputs);
}

Status infer_Equal(Layer& layer) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 2, 2));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(Dims out, broadcast_all(layer));
  INT8RT_RETURN_IF_ERROR(expect_same_dtype(layer, 0));
  set_output(layer, 0, DataType::kBool, std::move(out));
  return Status::ok();
}

// Where(condition, X, Y): condition is bool; X and Y share any dtype.
Status infer_Where(Layer& layer) {
  INT8RT_RETURN_IF_ERROR(expect_inputs(layer, 3, 3));
  INT8RT_RETURN_IF_ERROR(expect_outputs(layer, 1, 1));
  INT8RT_ASSIGN_OR_RETURN(Dims out, broadcast_all(layer));
  INT8RT_RETURN_IF_ERROR(expect_dtype(layer, 0, {DataType::kBool}));
  INT8RT_RETURN_IF_ERROR(expect_same_dtype(layer, 1));
  set_output(layer, 0, layer.input(1)->dtype(), std::move(out));
  return Status::ok();
}

}  // namespace int8rt::ir
