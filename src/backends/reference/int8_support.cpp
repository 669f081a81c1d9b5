// Which layers have an INT8 kernel (the precision pass asks before it quantizes a layer), and the
// checks every INT8 factory shares.
#include "backends/reference/int8_kernels.h"
#include "backends/reference/reference.h"
#include "ir/ops/op_util.h"
#include "ir/quantization.h"

namespace int8rt::reference {

namespace {

bool is_constant_input(const Layer& layer, int index) {
  return index < layer.num_inputs() && layer.input(index) != nullptr &&
         layer.input(index)->is_constant();
}

bool is_absent_or_constant(const Layer& layer, int index) {
  return index >= layer.num_inputs() || layer.input(index) == nullptr ||
         layer.input(index)->is_constant();
}

int rank_of(const Layer& layer, int index) {
  return layer.input(index) != nullptr ? layer.input(index)->dims().rank() : 0;
}

}  // namespace

// The configurations the INT8 kernels implement. Weights and biases must be constants (they are
// quantized once, when the kernel is created); data inputs may have 1 to 3 spatial axes.
bool supports_int8(const Layer& layer) {
  switch (layer.type()) {
    case OpType::kConv:
      return is_constant_input(layer, 1) && is_absent_or_constant(layer, 2) &&
             rank_of(layer, 0) >= 3 && rank_of(layer, 0) <= 5;
    case OpType::kGemm: {
      // C must be a per-column bias: absent, or a constant that broadcasts along the rows.
      if (!is_constant_input(layer, 1) || !is_absent_or_constant(layer, 2)) return false;
      if (layer.num_inputs() < 3 || layer.input(2) == nullptr) return true;
      const Dims& c = layer.input(2)->dims();
      return c.rank() <= 1 || (c.rank() == 2 && c[0] == 1);
    }
    case OpType::kMatMul:
      return is_constant_input(layer, 1) && rank_of(layer, 1) == 2 && rank_of(layer, 0) >= 2;
    case OpType::kMaxPool:
      // Without the optional indices output.
      return (layer.num_outputs() == 1 || layer.output(1) == nullptr) && rank_of(layer, 0) >= 3 &&
             rank_of(layer, 0) <= 5;
    case OpType::kAveragePool:
      return rank_of(layer, 0) >= 3 && rank_of(layer, 0) <= 5;
    case OpType::kGlobalAveragePool:
      return rank_of(layer, 0) >= 3;
    case OpType::kAdd:
    case OpType::kConcat:
    case OpType::kQuantize:
    case OpType::kDequantize:
    // Data movement: the kernels copy bytes of any dtype.
    case OpType::kReshape:
    case OpType::kFlatten:
    case OpType::kTranspose:
    case OpType::kSqueeze:
    case OpType::kUnsqueeze:
      return true;
    default:
      return false;
  }
}

Result<float> int8_scale_of(const Layer& layer, const Tensor* tensor, std::string_view what) {
  if (!tensor->dynamic_range_is_set()) {
    return invalid_argument(ir::describe(layer), ": ", what, " \"", tensor->name(),
                            "\" has no dynamic range; an INT8 layer needs the scale of every "
                            "int8 tensor it reads or writes");
  }
  return ir::int8_scale(*tensor);
}

Result<Int8Output> int8_output_of(const Layer& layer, int index) {
  const Tensor* out = layer.output(index);
  if (out->dtype() == DataType::kFloat) return Int8Output{false, 1.0f};
  if (out->dtype() != DataType::kInt8) {
    return unsupported(ir::describe(layer), ": output \"", out->name(), "\" has dtype ",
                       to_string(out->dtype()), "; an INT8 layer writes int8 or float32");
  }
  INT8RT_ASSIGN_OR_RETURN(float scale, int8_scale_of(layer, out, "output"));
  return Int8Output{true, scale};
}

Result<const float*> float_constant_of(const Layer& layer, int index, std::string_view what) {
  const Tensor* t = layer.input(index);
  if (!t->is_constant() || t->dtype() != DataType::kFloat) {
    return unsupported(ir::describe(layer), ": ", what, " \"", t->name(), "\" must be a float32 ",
                       "constant for the INT8 kernel (it is ",
                       t->is_constant() ? "a constant" : "computed at run time", " of dtype ",
                       to_string(t->dtype()), ")");
  }
  return t->constant_value().data_as<float>();
}

}  // namespace int8rt::reference
