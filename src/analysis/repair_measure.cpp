#include "analysis/repair_measure.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>

#include "analysis/evaluate_util.h"

namespace int8rt::analysis {

Result<std::unique_ptr<DatasetSource>> load_samples(DataSource& source, int64_t count) {
  const int64_t n = count < 0 ? source.size() : std::min(count, source.size());
  Dataset dataset;
  dataset.sample_dims = source.sample_dims();
  dataset.name = source.name();
  const int64_t volume = dataset.sample_dims.volume();
  dataset.data.resize(static_cast<size_t>(n * volume));
  if (source.has_labels()) dataset.labels.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    INT8RT_RETURN_IF_ERROR(source.read(i, dataset.data.data() + i * volume));
    if (source.has_labels()) dataset.labels[static_cast<size_t>(i)] = source.label(i);
  }
  return std::make_unique<DatasetSource>(std::move(dataset));
}

namespace {

// Axis 0 of every input set to `batch`; the output shapes follow.
Status set_batch(const Engine& engine, ExecutionContext& context, int64_t batch) {
  for (int i = 0; i < engine.num_inputs(); ++i) {
    Dims dims = engine.input(i).dims;
    if (dims.rank() == 0) continue;
    std::vector<int64_t> extents(dims.extents().begin(), dims.extents().end());
    extents[0] = batch;
    INT8RT_RETURN_IF_ERROR(context.set_input_shape(engine.input(i).name, Dims(extents)));
  }
  return Status::ok();
}

}  // namespace

Result<OutputRun> run_outputs(const Engine& engine, DataSource& data, int64_t batch) {
  if (engine.num_inputs() != 1 || engine.input(0).dtype != DataType::kFloat) {
    return invalid_argument("repair needs an engine with one float32 input, this one has ",
                            engine.num_inputs(), " inputs");
  }
  const int64_t built = engine.input(0).dims.rank() > 0 ? engine.input(0).dims[0] : 1;
  batch = std::clamp<int64_t>(batch, 1, built);
  auto context = engine.create_execution_context();
  INT8RT_RETURN_IF_ERROR(set_batch(engine, *context, batch));
  std::vector<std::vector<float>> outputs(static_cast<size_t>(engine.num_outputs()));
  std::vector<void*> output_ptrs;
  int64_t row = 0;  // values of output 0 per sample
  for (int i = 0; i < engine.num_outputs(); ++i) {
    INT8RT_ASSIGN_OR_RETURN(Dims dims, context->output_shape(i));
    if (engine.output(i).dtype != DataType::kFloat) {
      return invalid_argument("output \"", engine.output(i).name, "\" is ",
                              to_string(engine.output(i).dtype), "; repair needs float32 scores");
    }
    outputs[static_cast<size_t>(i)].resize(static_cast<size_t>(dims.volume()));
    output_ptrs.push_back(outputs[static_cast<size_t>(i)].data());
    if (i == 0) {
      if (dims.rank() < 1 || dims[0] != batch) {
        return invalid_argument("output \"", engine.output(0).name, "\" is ", dims.to_string(),
                                " at batch ", batch, "; repair needs scores [", batch,
                                ", classes]");
      }
      row = dims.volume() / batch;
    }
  }
  OutputRun run;
  BatchStream stream(data, batch);
  run.outputs.reserve(static_cast<size_t>(stream.size() * row));
  Batch b;
  for (;;) {
    INT8RT_ASSIGN_OR_RETURN(bool more, stream.next(b));
    if (!more) break;
    const void* inputs[] = {b.data.data()};
    INT8RT_RETURN_IF_ERROR(context->execute(inputs, output_ptrs));
    const std::vector<float>& scores = outputs[0];
    for (int64_t i = 0; i < b.count; ++i) {
      const float* r = scores.data() + i * row;
      run.outputs.insert(run.outputs.end(), r, r + row);
      if (b.labels.empty()) continue;
      run.accuracy.correct += argmax(r, row) == b.labels[static_cast<size_t>(i)];
    }
    run.accuracy.total += b.count;
  }
  return run;
}

double relative_l2(const std::vector<float>& y, const std::vector<float>& ref) {
  double error = 0.0, norm = 0.0;
  const size_t n = std::min(y.size(), ref.size());
  for (size_t i = 0; i < n; ++i) {
    const double e = static_cast<double>(y[i]) - ref[i];
    error += e * e;
    norm += static_cast<double>(ref[i]) * ref[i];
  }
  if (error == 0.0) return 0.0;
  if (norm == 0.0) return std::numeric_limits<double>::infinity();
  return std::sqrt(error / norm);
}

Result<double> median_latency_ms(const Engine& engine, int64_t batch, int iterations) {
  if (iterations <= 0) return 0.0;
  const int64_t built = engine.input(0).dims.rank() > 0 ? engine.input(0).dims[0] : 1;
  batch = std::clamp<int64_t>(batch, 1, built);
  auto context = engine.create_execution_context();
  INT8RT_RETURN_IF_ERROR(set_batch(engine, *context, batch));
  std::mt19937 random(42);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::vector<std::vector<float>> inputs(static_cast<size_t>(engine.num_inputs()));
  std::vector<const void*> input_ptrs;
  for (int i = 0; i < engine.num_inputs(); ++i) {
    auto& values = inputs[static_cast<size_t>(i)];
    values.resize(static_cast<size_t>(context->input_shape(i).volume()));
    for (float& v : values)
      v = uniform(random);
    input_ptrs.push_back(values.data());
  }
  std::vector<std::vector<float>> outputs(static_cast<size_t>(engine.num_outputs()));
  std::vector<void*> output_ptrs;
  for (int i = 0; i < engine.num_outputs(); ++i) {
    INT8RT_ASSIGN_OR_RETURN(Dims dims, context->output_shape(i));
    // Room for any dtype up to 8 bytes per value.
    outputs[static_cast<size_t>(i)].resize(static_cast<size_t>(dims.volume()) * 2);
    output_ptrs.push_back(outputs[static_cast<size_t>(i)].data());
  }
  std::vector<double> times;
  for (int i = 0; i < 2 * iterations; ++i) {
    const auto start = std::chrono::steady_clock::now();
    INT8RT_RETURN_IF_ERROR(context->execute(input_ptrs, output_ptrs));
    const auto end = std::chrono::steady_clock::now();
    if (i >= iterations)
      times.push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  std::sort(times.begin(), times.end());
  const size_t n = times.size();
  return n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
}

}  // namespace int8rt::analysis
