#include "analysis/evaluate_util.h"

#include <algorithm>

namespace int8rt::analysis {

Status check_input_fits(const Engine& engine, const DataSource& data, std::string_view what) {
  if (engine.num_inputs() != 1) {
    return invalid_argument(what, ": a model with one input is needed, this one has ",
                            engine.num_inputs());
  }
  const IoTensor& input = engine.input(0);
  if (input.dtype != DataType::kFloat) {
    return invalid_argument(what, ": input \"", input.name, "\" is ", to_string(input.dtype),
                            "; data sources give float32 samples");
  }
  const Dims& sample = data.sample_dims();
  bool fits = input.dims.rank() == sample.rank() + 1;
  for (int axis = 0; fits && axis < sample.rank(); ++axis)
    fits = input.dims[axis + 1] == sample[axis];
  if (!fits) {
    return invalid_argument("data \"", data.name(), "\": samples are ", sample.to_string(),
                            ", but input \"", input.name, "\" of the ", what, " is ",
                            input.dims.to_string(), " (expected a batch axis, then ",
                            sample.to_string(), ")");
  }
  return Status::ok();
}

Result<int64_t> run_batch(const Engine& engine, int64_t requested) {
  if (requested < 1) return invalid_argument("batch size ", requested, ": expected at least 1");
  return std::min(requested, engine.input(0).dims[0]);
}

Dims batch_dims(const DataSource& data, int64_t batch) {
  std::vector<int64_t> extents = {batch};
  const auto& sample = data.sample_dims().extents();
  extents.insert(extents.end(), sample.begin(), sample.end());
  return Dims(extents);
}

Result<ClassifierRun> classifier_run(const Engine& engine, const DataSource& data, int64_t batch,
                                     std::string_view what) {
  ClassifierRun run;
  run.context = engine.create_execution_context();
  INT8RT_RETURN_IF_ERROR(
      run.context->set_input_shape(engine.input(0).name, batch_dims(data, batch)));
  INT8RT_ASSIGN_OR_RETURN(Dims output, run.context->output_shape(0));
  run.output_name = engine.output(0).name;
  if (engine.output(0).dtype != DataType::kFloat || output.rank() < 2 || output[0] != batch) {
    return invalid_argument(what, ": output \"", run.output_name, "\" is ",
                            to_string(engine.output(0).dtype), " ", output.to_string(),
                            " at batch ", batch, "; expected float32 scores [", batch,
                            ", classes]");
  }
  run.classes = output.volume() / batch;
  return run;
}

Result<int64_t> checked_label(const DataSource& data, const Batch& batch, int64_t row,
                              int64_t classes, const std::string& output_name) {
  const int64_t label = batch.labels[static_cast<size_t>(row)];
  if (label < 0 || label >= classes) {
    return invalid_argument("data \"", data.name(), "\": sample ", batch.first + row, " has label ",
                            label, ", outside the ", classes, " classes of output \"", output_name,
                            "\"");
  }
  return label;
}

}  // namespace int8rt::analysis
