#include "builder/calibrate_pass.h"

#include "backends/backend.h"

namespace int8rt::detail {

namespace {

size_t float_count(const IoTensor& t) {
  return static_cast<size_t>(t.dims.volume());
}

// execute() on host buffers; OpenMP bins the tensors in parallel (they are independent).
class HostPass final : public CalibrationPass {
 public:
  explicit HostPass(const Engine& engine) : context_(engine.create_execution_context()) {
    for (int i = 0; i < engine.num_outputs(); ++i) {
      buffers_.emplace_back(float_count(engine.output(i)));
      outputs_.push_back(buffers_.back().data());
    }
    histograms_.resize(buffers_.size());
  }

  Status run(std::span<const void* const> bindings) override {
    INT8RT_RETURN_IF_ERROR(context_->execute(bindings, outputs_));
    const auto count = static_cast<int64_t>(buffers_.size());
#pragma omp parallel for schedule(dynamic)
    for (int64_t i = 0; i < count; ++i) {
      histograms_[static_cast<size_t>(i)].add(buffers_[static_cast<size_t>(i)]);
    }
    return Status::ok();
  }
  Status read(size_t index, std::vector<float>& values) override {
    values = buffers_[index];
    return Status::ok();
  }
  Result<std::vector<calib::Histogram>> histograms() override {
    return histograms_;
  }

 private:
  std::unique_ptr<ExecutionContext> context_;
  std::vector<std::vector<float>> buffers_;
  std::vector<void*> outputs_;
  std::vector<calib::Histogram> histograms_;
};

// enqueue() on device buffers, the histograms built on the device.
class DevicePass final : public CalibrationPass {
 public:
  static Result<std::unique_ptr<CalibrationPass>> create(const Engine& engine,
                                                         const Backend& backend,
                                                         const Calibrator& calibrator,
                                                         std::unique_ptr<HistogramCollector> c) {
    auto pass = std::unique_ptr<DevicePass>(new DevicePass(engine, backend, std::move(c)));
    pass->device_batches_ = calibrator.batch_location() == TensorLocation::kDevice;
    for (int i = 0; i < engine.num_inputs() && !pass->device_batches_; ++i) {
      const size_t bytes = float_count(engine.input(i)) * sizeof(float);
      INT8RT_ASSIGN_OR_RETURN(Buffer buffer, backend.allocate(bytes, "calibration inputs"));
      pass->inputs_.push_back(std::move(buffer));
    }
    for (int i = 0; i < engine.num_outputs(); ++i) {
      // A network input is observed too: its histogram is of the batch itself.
      pass->input_of_.push_back(engine.input_index(engine.output(i).name));
      if (pass->input_of_.back() >= 0) {
        pass->outputs_.emplace_back();
        continue;
      }
      const size_t bytes = float_count(engine.output(i)) * sizeof(float);
      INT8RT_ASSIGN_OR_RETURN(Buffer buffer, backend.allocate(bytes, "calibration activations"));
      INT8RT_RETURN_IF_ERROR(
          pass->context_->set_tensor_address(engine.output(i).name, buffer.get()));
      pass->outputs_.push_back(std::move(buffer));
    }
    return std::unique_ptr<CalibrationPass>(std::move(pass));
  }

  Status run(std::span<const void* const> bindings) override {
    addresses_.assign(bindings.size(), nullptr);
    for (int i = 0; i < engine_.num_inputs(); ++i) {
      const auto k = static_cast<size_t>(i);
      void* address = const_cast<void*>(bindings[k]);
      if (!device_batches_) {
        INT8RT_RETURN_IF_ERROR(backend_.copy(
            inputs_[k].get(), TensorLocation::kDevice, bindings[k], TensorLocation::kHost,
            float_count(engine_.input(i)) * sizeof(float), nullptr));
        address = inputs_[k].get();
      }
      Status bound = context_->set_tensor_address(engine_.input(i).name, address);
      if (!bound.is_ok()) return bound.with_context("calibrator get_batch");
      addresses_[k] = address;
    }
    INT8RT_RETURN_IF_ERROR(context_->enqueue());
    INT8RT_RETURN_IF_ERROR(context_->synchronize());
    for (size_t i = 0; i < outputs_.size(); ++i) {
      INT8RT_RETURN_IF_ERROR(
          collector_->add(i, output(i), float_count(engine_.output(static_cast<int>(i)))));
    }
    return Status::ok();
  }
  Status read(size_t index, std::vector<float>& values) override {
    values.resize(float_count(engine_.output(static_cast<int>(index))));
    return backend_.copy(values.data(), TensorLocation::kHost, output(index),
                         TensorLocation::kDevice, values.size() * sizeof(float), nullptr);
  }
  Result<std::vector<calib::Histogram>> histograms() override { return collector_->histograms(); }

 private:
  DevicePass(const Engine& engine, const Backend& backend,
             std::unique_ptr<HistogramCollector> collector)
      : engine_(engine),
        backend_(backend),
        context_(engine.create_execution_context()),
        collector_(std::move(collector)) {}

  const Engine& engine_;
  const Backend& backend_;
  std::unique_ptr<ExecutionContext> context_;
  std::unique_ptr<HistogramCollector> collector_;
  // Output i of the last batch, in device memory.
  const void* output(size_t i) const {
    return input_of_[i] >= 0 ? addresses_[static_cast<size_t>(input_of_[i])] : outputs_[i].get();
  }

  bool device_batches_ = false;
  std::vector<Buffer> inputs_;    // host batches copied to the device
  std::vector<Buffer> outputs_;   // every activation of a batch (none for the inputs)
  std::vector<int> input_of_;     // per output: the network input it is, or -1
  std::vector<void*> addresses_;  // per input: where the last batch is on the device
};

}  // namespace

Result<std::unique_ptr<CalibrationPass>> CalibrationPass::create(const Engine& engine,
                                                                 const Calibrator& calibrator) {
  const Backend* backend = find_backend(engine.backend());
  if (backend == nullptr) return internal_error("calibration engine on unknown backend");
  const bool device = engine.io_location() != TensorLocation::kHost;
  if (calibrator.batch_location() == TensorLocation::kDevice && !device) {
    return invalid_argument("the calibrator hands its batches in device memory; backend \"",
                            engine.backend(),
                            "\" runs on the host (calibrate on a GPU backend, "
                            "e.g. --backend cuda, or hand host buffers)");
  }
  if (device) {
    for (int i = 0; i < engine.num_outputs(); ++i) {
      if (engine.output(i).dtype != DataType::kFloat) {
        return internal_error("calibration output \"", engine.output(i).name, "\" is not float32");
      }
    }
    INT8RT_ASSIGN_OR_RETURN(auto collector, backend->create_histogram_collector(
                                                static_cast<size_t>(engine.num_outputs())));
    if (collector) return DevicePass::create(engine, *backend, calibrator, std::move(collector));
    if (calibrator.batch_location() == TensorLocation::kDevice) {
      return unsupported("backend \"", engine.backend(),
                         "\" can't bin activations where they are, and the calibrator's batches "
                         "are in device memory");
    }
  }
  return std::unique_ptr<CalibrationPass>(std::make_unique<HostPass>(engine));
}

}  // namespace int8rt::detail
