// insert_reformats: Quantize/Dequantize layers where INT8 and float32 layers meet.
//
//   float t ─▶ INT8 readers:     t ─▶ Quantize "t:quantize" ─▶ t:int8 ─▶ INT8 readers
//                                (one per tensor; its output has t's range)
//   INT8 P ─▶ int8 t ─▶ float32 readers / network output:
//                                P ─▶ t:int8 ─▶ Dequantize "t:dequantize" ─▶ t ─▶ float32 readers
//                                           └─▶ INT8 readers
// Whenever a tensor exists in both dtypes, its own name holds the float32 value and "<name>:int8"
// (made unique if taken) the int8 one, so network outputs keep their names and dtype float32.
#include <string>
#include <vector>

#include "core/log.h"
#include "ir/graph_editor.h"
#include "ir/ops/op_util.h"
#include "ir/quantization.h"
#include "passes/passes.h"

namespace int8rt::passes {

namespace {

bool is_data_input(const Tensor* t) {
  return t != nullptr && !t->is_constant();
}

// Makes every input slot of `layer` that reads `from` read `to`.
void redirect(ir::GraphEditor& editor, Layer& layer, const Tensor* from, Tensor* to) {
  for (int j = 0; j < layer.num_inputs(); ++j) {
    if (layer.input(j) == from) editor.set_input(layer, j, to);
  }
}

void copy_range(const Tensor& from, Tensor& to) {
  // Cannot fail: the range was valid on `from`.
  (void)to.set_dynamic_range(from.dynamic_range_min(), from.dynamic_range_max());
}

class Reformatter {
 public:
  Reformatter(Network& network, const PrecisionAssignment& assignment, Logger& logger)
      : net_(network), editor_(network), assignment_(assignment), logger_(logger) {}

  Result<ReformatCounts> run() {
    // The tensors to look at, fixed before any layer is inserted.
    std::vector<Tensor*> values;
    for (int i = 0; i < net_.num_inputs(); ++i)
      values.push_back(net_.input(i));
    for (int i = 0; i < net_.num_layers(); ++i) {
      const Layer& layer = *net_.layer(i);
      for (int j = 0; j < layer.num_outputs(); ++j) {
        if (layer.output(j) != nullptr) values.push_back(layer.output(j));
      }
    }
    for (Tensor* t : values)
      INT8RT_RETURN_IF_ERROR(reformat(*t));
    INT8RT_RETURN_IF_ERROR(check());
    return counts_;
  }

 private:
  bool produced_int8(const Tensor& t) const {
    return t.dtype() == DataType::kInt8 && t.producer() != nullptr &&
           assignment_.is_int8(*t.producer());
  }

  Status reformat(Tensor& t) {
    if (t.is_constant()) return Status::ok();
    std::vector<Layer*> int8_readers, float_readers;
    for (Layer* reader : editor_.consumers(t))
      (assignment_.is_int8(*reader) ? int8_readers : float_readers).push_back(reader);
    if (t.dtype() == DataType::kFloat && !int8_readers.empty()) return quantize(t, int8_readers);
    if (produced_int8(t) && (!float_readers.empty() || t.is_network_output())) {
      return dequantize(t, int8_readers);
    }
    return Status::ok();
  }

  Status quantize(Tensor& t, const std::vector<Layer*>& int8_readers) {
    if (!t.dynamic_range_is_set() || t.dynamic_range_amax() == 0.0f) {
      return internal_error("tensor \"", t.name(), "\" is read by INT8 layer \"",
                            int8_readers.front()->name(), "\" but has no usable range");
    }
    INT8RT_ASSIGN_OR_RETURN(
        Layer * q,
        editor_.insert_layer(OpType::kQuantize, t.name() + ":quantize", {&t}, NoAttrs{},
                             {t.name() + std::string(ir::kInt8Suffix)}, int8_readers.front()));
    Tensor* out = q->output(0);
    out->set_dtype(DataType::kInt8);
    out->set_dims(t.dims());
    copy_range(t, *out);
    for (Layer* reader : int8_readers)
      redirect(editor_, *reader, &t, out);
    ++counts_.quantize;
    log_verbose(logger_, "insert_reformats: ", ir::describe(*q), " -> \"", out->name(), "\" for ",
                int8_readers.size(), " INT8 reader(s)");
    return Status::ok();
  }

  // `t` (int8, computed by an INT8 layer) moves to a new tensor "<t>:int8"; the Dequantize
  // computes `t` itself, in float32, for the float32 readers and the network output.
  Status dequantize(Tensor& t, const std::vector<Layer*>& int8_readers) {
    Layer& producer = *t.producer();
    int slot = -1;
    for (int j = 0; j < producer.num_outputs(); ++j) {
      if (producer.output(j) == &t) slot = j;
    }
    const int at = editor_.position(producer);
    const Layer* next = at + 1 < net_.num_layers() ? net_.layer(at + 1) : nullptr;
    INT8RT_ASSIGN_OR_RETURN(
        Layer * dq,
        editor_.insert_layer(OpType::kDequantize, t.name() + ":dequantize", {&t}, NoAttrs{},
                             {t.name() + std::string(ir::kInt8Suffix)}, next));
    Tensor* q = dq->output(0);
    // Swap the outputs: the Dequantize takes `t` first (the producer's slot is emptied and `q`
    // loses its producer), then the producer computes `q`.
    editor_.set_output(*dq, 0, &t);
    editor_.set_output(producer, slot, q);
    editor_.set_input(*dq, 0, q);
    q->set_dtype(DataType::kInt8);
    q->set_dims(t.dims());
    copy_range(t, *q);
    t.set_dtype(DataType::kFloat);
    for (Layer* reader : int8_readers)
      redirect(editor_, *reader, &t, q);
    ++counts_.dequantize;
    log_verbose(logger_, "insert_reformats: ", ir::describe(*dq), " after ", ir::describe(producer),
                ", which now computes \"", q->name(), "\"");
    return Status::ok();
  }

  // Every INT8 layer reads int8 data; no float32 layer reads int8 data; outputs are float32.
  Status check() const {
    for (int i = 0; i < net_.num_layers(); ++i) {
      const Layer& layer = *net_.layer(i);
      if (layer.type() == OpType::kQuantize || layer.type() == OpType::kDequantize) continue;
      const bool int8 = assignment_.is_int8(layer);
      for (int j = 0; j < layer.num_inputs(); ++j) {
        const Tensor* t = layer.input(j);
        if (!is_data_input(t)) continue;
        // (A network input the user declared int8 is not the builder's to convert.)
        const bool reads_int8 = t->dtype() == DataType::kInt8 && t->producer() != nullptr;
        if (int8 ? t->dtype() != DataType::kInt8 : reads_int8) {
          return internal_error("insert_reformats: ", ir::describe(layer), " (",
                                int8 ? "int8" : "float32", ") reads ", to_string(t->dtype()),
                                " tensor \"", t->name(), "\"");
        }
      }
    }
    for (int i = 0; i < net_.num_outputs(); ++i) {
      if (produced_int8(*net_.output(i))) {
        return internal_error("insert_reformats: network output \"", net_.output(i)->name(),
                              "\" is int8");
      }
    }
    return Status::ok();
  }

  Network& net_;
  ir::GraphEditor editor_;
  const PrecisionAssignment& assignment_;
  Logger& logger_;
  ReformatCounts counts_;
};

}  // namespace

Result<ReformatCounts> insert_reformats(Network& network, const PrecisionAssignment& assignment,
                                        Logger& logger) {
  return Reformatter(network, assignment, logger).run();
}

}  // namespace int8rt::passes
