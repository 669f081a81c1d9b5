// assign_precision: which layers of the fused graph run INT8 (docs/passes.md, docs/int8 notes).
//
// Walks the layers in order, so a data-movement layer sees the ranges its producer's decision
// left on its input. Then sets the dtypes of INT8 layers' outputs; insert_reformats makes the
// graph consistent with them.
#include <algorithm>
#include <optional>
#include <set>
#include <string>

#include "core/log.h"
#include "ir/graph_editor.h"
#include "ir/ops/op_util.h"
#include "ir/quantization.h"
#include "passes/passes.h"

namespace int8rt::passes {

namespace {

// Ops whose INT8 kernels move values, Concat included: their output range is propagated from
// the inputs rather than calibrated for them.
bool moves_data(OpType type) {
  return ir::moves_int8_values(type) || type == OpType::kConcat;
}

// Ops whose INT8 kernels can dequantize their result themselves (float32 output, no rounding):
// they need no output range when only float32 layers read the output.
bool can_write_float(OpType type) {
  return type == OpType::kConv || type == OpType::kGemm || type == OpType::kMatMul;
}

// Ops whose INT8 kernels take float32 constants (weights, bias) and quantize them themselves.
// Other ops read every input as data: a float32 constant among them has no range to quantize it
// with (calibration covers activations only), so the layer stays float32.
bool takes_weights(OpType type) {
  return type == OpType::kConv || type == OpType::kConvTranspose || type == OpType::kGemm ||
         type == OpType::kMatMul;
}

bool is_data_input(const Tensor* t) {
  return t != nullptr && !t->is_constant();
}

class Assigner {
 public:
  Assigner(Network& network, const PrecisionOptions& options, Logger& logger)
      : net_(network), editor_(network), options_(options), logger_(logger) {}

  Result<PrecisionAssignment> run() {
    for (int i = 0; i < net_.num_layers(); ++i) {
      INT8RT_RETURN_IF_ERROR(assign(*net_.layer(i)));
    }
    INT8RT_RETURN_IF_ERROR(set_output_dtypes());
    return std::move(result_);
  }

 private:
  // Why `t`'s range keeps it out of INT8, or nullopt when it has a usable range.
  std::optional<std::string> range_problem(const Tensor& t) {
    if (!t.dynamic_range_is_set()) return "tensor \"" + t.name() + "\" has no range";
    if (t.dynamic_range_amax() == 0.0f) {
      if (zero_warned_.insert(&t).second) {
        log_warning(logger_, "tensor \"", t.name(),
                    "\" has dynamic range 0 (zero on every calibration batch): it stays float32");
      }
      return "tensor \"" + t.name() + "\" has range 0";
    }
    return std::nullopt;
  }

  // Why `layer` cannot run INT8, or nullopt when it can. The checks go from the most to the
  // least fundamental, so the reason given is the one a user must fix first.
  std::optional<std::string> int8_problem(const Layer& layer, bool requested) {
    if (!options_.supports_int8 || !options_.supports_int8(layer)) return "no INT8 kernel";
    bool input_is_int8 = false;
    for (int j = 0; j < layer.num_inputs(); ++j) {
      const Tensor* t = layer.input(j);
      if (t != nullptr && t->is_constant() && t->dtype() == DataType::kFloat &&
          !takes_weights(layer.type())) {
        return "input \"" + t->name() + "\" is a float32 constant";
      }
      if (!is_data_input(t)) continue;
      if (t->dtype() != DataType::kFloat) {
        return "input \"" + t->name() + "\" is " + std::string(to_string(t->dtype()));
      }
      if (auto problem = range_problem(*t)) return problem;
      input_is_int8 = input_is_int8 || (t->producer() && result_.is_int8(*t->producer()));
    }
    for (int j = 0; j < layer.num_outputs(); ++j) {
      const Tensor* t = layer.output(j);
      if (t == nullptr) continue;
      if (t->dtype() != DataType::kFloat) {
        return "output \"" + t->name() + "\" is " + std::string(to_string(t->dtype()));
      }
      // A data-movement output takes its input's range; an output without a (usable) range can
      // have no INT8 reader, so Conv/Gemm/MatMul then write it as float32.
      if (moves_data(layer.type()) || can_write_float(layer.type())) continue;
      if (auto problem = range_problem(*t)) return problem;
    }
    // Moving float32 data in INT8 would only add a Quantize before and a Dequantize after it.
    if (moves_data(layer.type()) && !input_is_int8 && !requested) return "input is float32";
    return std::nullopt;
  }

  Status assign(Layer& layer) {
    const bool requested_int8 = layer.precision_is_set() && layer.precision() == DataType::kInt8;
    const bool requested_float = layer.precision_is_set() && layer.precision() == DataType::kFloat;
    if (layer.precision_is_set() && !requested_int8 && !requested_float) {
      return invalid_argument(ir::describe(layer), ": precision request ",
                              to_string(layer.precision()),
                              " is not supported (expected int8 or float32)");
    }
    std::optional<std::string> problem = requested_float
                                             ? std::optional<std::string>("requested float32")
                                             : int8_problem(layer, requested_int8);
    if (problem && requested_int8) {
      if (options_.obey_constraints) {
        return invalid_argument(ir::describe(layer), ": INT8 requested but it must run float32 (",
                                *problem, "); precision constraints are obeyed");
      }
      log_warning(logger_, ir::describe(layer), ": INT8 requested but it runs float32 (", *problem,
                  ")");
    }
    if (problem) {
      ++result_.num_float;
      log_info(logger_, ir::describe(layer), ": float32 (", *problem, ")");
      return Status::ok();
    }
    result_.int8.insert(&layer);
    ++result_.num_int8;
    if (moves_data(layer.type())) INT8RT_RETURN_IF_ERROR(propagate_range(layer));
    log_info(logger_, ir::describe(layer), ": int8");
    return Status::ok();
  }

  // The output of a data-movement layer holds (some of) its input's values: it takes the input's
  // range, so the kernel copies int8 values unchanged. Concat takes the largest |range| of its
  // inputs; the kernel requantizes the inputs with smaller ranges.
  Status propagate_range(Layer& layer) {
    const Tensor* widest = nullptr;
    for (int j = 0; j < layer.num_inputs(); ++j) {
      const Tensor* t = layer.input(j);
      if (!is_data_input(t)) continue;
      if (widest == nullptr || t->dynamic_range_amax() > widest->dynamic_range_amax()) widest = t;
      if (layer.type() != OpType::kConcat) break;
    }
    if (widest == nullptr) {
      return internal_error(ir::describe(layer), ": INT8 data movement without a data input");
    }
    for (int j = 0; j < layer.num_outputs(); ++j) {
      Tensor* out = layer.output(j);
      if (out == nullptr) continue;
      float min = widest->dynamic_range_min(), max = widest->dynamic_range_max();
      if (layer.type() == OpType::kConcat) {
        min = -widest->dynamic_range_amax();
        max = widest->dynamic_range_amax();
      }
      if (out->dynamic_range_is_set() &&
          out->dynamic_range_amax() != widest->dynamic_range_amax()) {
        log_verbose(logger_, ir::describe(layer), ": output \"", out->name(), "\" takes range ",
                    widest->dynamic_range_amax(), " of \"", widest->name(), "\" (was ",
                    out->dynamic_range_amax(), ")");
      }
      INT8RT_RETURN_IF_ERROR(out->set_dynamic_range(min, max));
    }
    return Status::ok();
  }

  // An INT8 layer's outputs are int8, except a Conv/Gemm/MatMul output that no INT8 layer reads
  // (read by float32 layers, a network output, or unread): the kernel writes float32 directly.
  Status set_output_dtypes() {
    for (int i = 0; i < net_.num_layers(); ++i) {
      Layer& layer = *net_.layer(i);
      if (!result_.is_int8(layer)) continue;
      for (int j = 0; j < layer.num_outputs(); ++j) {
        Tensor* out = layer.output(j);
        if (out == nullptr) continue;
        bool int8_reader = false;
        for (const Layer* reader : editor_.consumers(*out))
          int8_reader = int8_reader || result_.is_int8(*reader);
        if (!int8_reader && can_write_float(layer.type())) continue;
        if (!out->dynamic_range_is_set() || out->dynamic_range_amax() == 0.0f) {
          return internal_error(ir::describe(layer), ": output \"", out->name(),
                                "\" becomes int8 without a usable range");
        }
        out->set_dtype(DataType::kInt8);
      }
    }
    return Status::ok();
  }

  Network& net_;
  ir::GraphEditor editor_;
  const PrecisionOptions& options_;
  Logger& logger_;
  PrecisionAssignment result_;
  std::set<const Tensor*> zero_warned_;
};

}  // namespace

Result<PrecisionAssignment> assign_precision(Network& network, const PrecisionOptions& options,
                                             Logger& logger) {
  return Assigner(network, options, logger).run();
}

}  // namespace int8rt::passes
