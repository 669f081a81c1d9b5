#include "runtime/observe_plan.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

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
  std::array<size_t, kNumLocations> plain_bytes{}, scratch_bytes{};
  size_t host_bytes = 0, max_count = 0;
  if (engine.io_location() != TensorLocation::kHost) plan->device_ = engine.backend;
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
      point.location = tensor.location;
      const size_t l = location_index(tensor.location);
      const size_t bytes = point.count * element_size(tensor.dtype);
      if (!tensor.layout.is_plain()) {
        point.to_plain_backend = find_backend(tensor.layout.desc()->backend());
        if (point.to_plain_backend == nullptr) {
          return internal_error("tensor observer: no backend reads layout ",
                                tensor.layout.to_string(), " of \"", tensor.name, "\"");
        }
        INT8RT_ASSIGN_OR_RETURN(point.to_plain,
                                point.to_plain_backend->create_reorder(tensor.dtype, tensor.dims,
                                                                       tensor.layout, Layout()));
        if (point.to_plain == nullptr) {
          return internal_error("tensor observer: backend \"", point.to_plain_backend->name(),
                                "\" can't reorder \"", tensor.name, "\" to plain");
        }
        point.to_plain_state = point.to_plain->create_state();
        plain_bytes[l] = std::max(plain_bytes[l], bytes);
        scratch_bytes[l] = std::max(scratch_bytes[l], point.to_plain->scratch_bytes());
      }
      if (tensor.location != TensorLocation::kHost) host_bytes = std::max(host_bytes, bytes);
      max_count = std::max(max_count, point.count);
      plan->points_[s].push_back(std::move(point));
    }
  }
  for (size_t l = 0; l < kNumLocations; ++l) {
    const bool device = static_cast<TensorLocation>(l) != TensorLocation::kHost;
    if (device && plan->device_ == nullptr) continue;
    const Backend& owner = device ? *plan->device_ : *engine.backend;
    auto allocate = [&](size_t bytes, const char* what) {
      return device ? owner.allocate(bytes, what) : allocate_host(bytes, what);
    };
    INT8RT_ASSIGN_OR_RETURN(plan->plain_[l], allocate(plain_bytes[l], "observed tensors"));
    INT8RT_ASSIGN_OR_RETURN(plan->scratch_[l], allocate(scratch_bytes[l], "observer scratch"));
  }
  INT8RT_ASSIGN_OR_RETURN(plan->host_copy_, allocate_host(host_bytes, "observed device tensors"));
  plan->values_.resize(max_count);
  return plan;
}

Status ObservePlan::observe(size_t step, std::span<void* const> address,
                            const StreamStates& streams, TensorObserver& observer) {
  for (Point& point : points_[step]) {
    const void* data = address[static_cast<size_t>(point.tensor)];
    const size_t l = location_index(point.location);
    StreamState* device_stream = device_ ? streams.get(device_) : nullptr;
    if (point.to_plain) {
      const void* in[] = {data};
      void* out[] = {plain_[l].get()};
      // One thread: a copy of one activation is too small to pay for waking the OpenMP team,
      // and on a loaded machine each parallel region may wait a time slice for a descheduled
      // thread.
      const int threads = omp_get_max_threads();
      omp_set_num_threads(1);
      Status status =
          point.to_plain->execute(KernelIo{in, out, scratch_[l].get(), point.to_plain_state.get(),
                                           streams.get(point.to_plain_backend)});
      omp_set_num_threads(threads);
      if (!status.is_ok()) {
        return status.with_context("tensor observer: reorder of \"" + point.info.name + "\"");
      }
      data = plain_[l].get();
    }
    if (point.location != TensorLocation::kHost) {
      const size_t bytes = point.count * element_size(point.info.dtype);
      Status copied = device_->copy(host_copy_.get(), TensorLocation::kHost, data, point.location,
                                    bytes, device_stream);
      if (copied.is_ok() && device_stream != nullptr) copied = device_stream->synchronize();
      if (!copied.is_ok()) {
        return copied.with_context("tensor observer: copy of \"" + point.info.name + "\"");
      }
      data = host_copy_.get();
    }
    to_float(point.info.dtype, point.info.scale, data, point.count, values_.data());
    point.info.values = std::span<const float>(values_.data(), point.count);
    observer.on_tensor(point.info);
  }
  return Status::ok();
}

}  // namespace int8rt::detail
