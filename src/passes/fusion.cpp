#include "passes/fusion.h"

#include <string>

#include "core/log.h"
#include "ir/shape_inference.h"

namespace int8rt::passes {

namespace {
bool precisions_agree(const Layer& a, const Layer& b) {
  return !a.precision_is_set() || !b.precision_is_set() || a.precision() == b.precision();
}
}  // namespace

bool is_fusible_edge(const ir::GraphEditor& editor, const Tensor& tensor, const Layer& consumer) {
  const Layer* producer = tensor.producer();
  if (producer == nullptr || tensor.is_network_output()) return false;
  if (editor.sole_consumer(tensor) != &consumer) return false;
  if (consumer.num_outputs() != 1 || consumer.output(0) == nullptr) return false;
  return precisions_agree(*producer, consumer);
}

Layer* fusible_consumer(const ir::GraphEditor& editor, const Layer& producer) {
  if (producer.num_outputs() < 1 || producer.output(0) == nullptr) return nullptr;
  const Tensor& tensor = *producer.output(0);
  Layer* consumer = editor.sole_consumer(tensor);
  if (consumer == nullptr || consumer->num_inputs() < 1 || consumer->input(0) != &tensor) {
    return nullptr;
  }
  return is_fusible_edge(editor, tensor, *consumer) ? consumer : nullptr;
}

Status absorb_consumer(ir::GraphEditor& editor, Layer& producer, Layer& consumer, Logger& logger,
                       std::string_view pass, std::string_view producer_op) {
  Tensor* result = consumer.output(0);
  const DataType dtype = result->dtype();
  const Dims dims = result->dims();
  const std::string fused_name = producer.name() + "+" + consumer.name();
  log_verbose(logger, pass, ": ", producer_op.empty() ? to_string(producer.type()) : producer_op,
              " \"", producer.name(), "\" + ", to_string(consumer.type()), " \"", consumer.name(),
              "\" -> \"", fused_name, "\"");
  if (consumer.precision_is_set() && !producer.precision_is_set()) {
    producer.set_precision(consumer.precision());
  }
  editor.move_after(&producer, &consumer);
  editor.set_output(producer, 0, result);
  editor.remove_layer(&consumer);
  editor.rename_layer(producer, fused_name);
  INT8RT_RETURN_IF_ERROR(ir::infer_layer(producer));
  if (result->dtype() != dtype || result->dims() != dims) {
    return internal_error(pass, ": fused layer \"", fused_name, "\" computes ",
                          to_string(result->dtype()), " ", result->dims().to_string(),
                          " but tensor \"", result->name(), "\" was ", to_string(dtype), " ",
                          dims.to_string());
  }
  return Status::ok();
}

}  // namespace int8rt::passes
