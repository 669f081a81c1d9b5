#include "runtime/observe_plan.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "backends/cpu/cpu_backend.h"
#include "backends/quant.h"
#include "ir/quantization.h"

namespace int8rt::detail {

namespace {

template <typename T>
void convert(const void* data, size_t count, float* out) {
  const T* in = static_cast<const T*>(data);
  for (size_t i = 0; i < count; ++i)
    out[i] = static_cast<float>(in[i]);
}

// `count` values of `dtype` (plain) as float32; quantized int8 (scale > 0) as q · scale.
void to_float(DataType dtype, float scale, const void* data, size_t count, float* out) {
  switch (dtype) {
    case DataType::kFloat:
      std::memcpy(out, data, count * sizeof(float));
      return;
    case DataType::kInt8:
      if (scale > 0.0f) {
        const auto* q = static_cast<const int8_t*>(data);
        for (size_t i = 0; i < count; ++i)
          out[i] = quant::dequantize(q[i], scale);
      } else {
        convert<int8_t>(data, count, out);
      }
      return;
    case DataType::kUInt8:
      return convert<uint8_t>(data, count, out);
    case DataType::kInt32:
      return convert<int32_t>(data, count, out);
    case DataType::kInt64:
      return convert<int64_t>(data, count, out);
    case DataType::kBool:
      return convert<bool>(data, count, out);
  }
}

}  // namespace

ObservePlan::~ObservePlan() = default;

Result<std::unique_ptr<ObservePlan>> ObservePlan::create(const EngineImpl& engine) {
  auto plan = std::unique_ptr<ObservePlan>(new ObservePlan());
  const Network& network = *engine.network;
  // The int8 tensor a Dequantize reformat reads -> the name the Dequantize gives back.
  std::unordered_map<const Tensor*, std::string> dequantized_as;
  for (int i = 0; i < network.num_layers(); ++i) {
    const Layer& layer = *network.layer(i);
    if (layer.type() == OpType::kDequantize && layer.input(0) && layer.output(0)) {
      dequantized_as[layer.input(0)] = layer.output(0)->name();
    }
  }
  size_t plain_bytes = 0, scratch_bytes = 0, max_count = 0;
  plan->points_.resize(engine.steps.size());
  for (size_t s = 0; s < engine.steps.size(); ++s) {
    const EngineStep& step = engine.steps[s];
    if (step.is_reorder || step.op == OpType::kQuantize || step.op == OpType::kDequantize) continue;
    const Layer* layer = network.find_layer(step.layer_name);
    if (layer == nullptr || static_cast<size_t>(layer->num_outputs()) != step.outputs.size()) {
      return internal_error("tensor observer: step \"", step.layer_name,
                            "\" matches no layer of the engine's network");
    }
    for (size_t j = 0; j < step.outputs.size(); ++j) {
      const Tensor* out = layer->output(static_cast<int>(j));
      if (step.outputs[j] < 0 || out == nullptr) continue;
      const EngineTensor& tensor = engine.tensors[static_cast<size_t>(step.outputs[j])];
      Point point;
      point.tensor = step.outputs[j];
      point.count = static_cast<size_t>(tensor.dims.volume());
      auto renamed = dequantized_as.find(out);
      point.info.name = renamed != dequantized_as.end() ? renamed->second : out->name();
      point.info.layer = step.layer_name;
      point.info.precision = step.precision;
      point.info.dtype = tensor.dtype;
      point.info.scale = ir::is_quantized(out) ? ir::int8_scale(*out) : 0.0f;
      point.info.dims = tensor.dims;
      if (!tensor.layout.is_plain()) {
        INT8RT_ASSIGN_OR_RETURN(point.to_plain, cpu::create_reorder(tensor.dtype, tensor.dims,
                                                                    tensor.layout, Layout()));
        point.to_plain_state = point.to_plain->create_state();
        plain_bytes = std::max(plain_bytes, point.count * element_size(tensor.dtype));
        scratch_bytes = std::max(scratch_bytes, point.to_plain->scratch_bytes());
      }
      max_count = std::max(max_count, point.count);
      plan->points_[s].push_back(std::move(point));
    }
  }
  INT8RT_ASSIGN_OR_RETURN(plan->plain_, allocate_aligned(plain_bytes, "observed tensors"));
  INT8RT_ASSIGN_OR_RETURN(plan->scratch_, allocate_aligned(scratch_bytes, "observer scratch"));
  plan->values_.resize(max_count);
  return plan;
}

Status ObservePlan::observe(size_t step, std::span<void* const> address, TensorObserver& observer) {
  for (Point& point : points_[step]) {
    const void* data = address[static_cast<size_t>(point.tensor)];
    if (point.to_plain) {
      const void* in[] = {data};
      void* out[] = {plain_.get()};
      // One thread: a copy of one activation is too small to pay for waking the OpenMP team,
      // and on a loaded machine each parallel region may wait a time slice for a descheduled
      // thread.
      const int threads = omp_get_max_threads();
      omp_set_num_threads(1);
      Status status =
          point.to_plain->execute(KernelIo{in, out, scratch_.get(), point.to_plain_state.get()});
      omp_set_num_threads(threads);
      if (!status.is_ok()) {
        return status.with_context("tensor observer: reorder of \"" + point.info.name + "\"");
      }
      data = plain_.get();
    }
    to_float(point.info.dtype, point.info.scale, data, point.count, values_.data());
    point.info.values = std::span<const float>(values_.data(), point.count);
    observer.on_tensor(point.info);
  }
  return Status::ok();
}

}  // namespace int8rt::detail
