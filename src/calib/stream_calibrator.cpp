#include <algorithm>

#include "core/file_io.h"
#include "core/hash.h"
#include "int8rt/calibrator.h"
#include "int8rt/data.h"

namespace int8rt {

StreamCalibrator::StreamCalibrator(std::unique_ptr<DataSource> source,
                                   StreamCalibratorOptions options)
    : source_(std::move(source)), options_(std::move(options)) {}

StreamCalibrator::~StreamCalibrator() = default;

int64_t StreamCalibrator::num_batches() const {
  int64_t full = options_.batch_size > 0 ? source_->size() / options_.batch_size : 0;
  return options_.max_batches >= 0 ? std::min(full, options_.max_batches) : full;
}

Status StreamCalibrator::prepare(std::span<const IoTensor> inputs) {
  next_batch_ = 0;  // every calibration pass feeds the source from its first sample
  if (inputs.size() != 1) {
    return invalid_argument("calibration data \"", source_->name(), "\" feeds one input, but the ",
                            "network has ", inputs.size());
  }
  const IoTensor& input = inputs[0];
  std::vector<int64_t> sample(input.dims.extents().begin() + (input.dims.rank() > 0 ? 1 : 0),
                              input.dims.extents().end());
  if (input.dtype != DataType::kFloat || Dims(sample) != source_->sample_dims()) {
    return invalid_argument("calibration data \"", source_->name(), "\" has samples of shape ",
                            source_->sample_dims().to_string(), " (float32), but input \"",
                            input.name, "\" takes ", Dims(sample).to_string(), " (",
                            to_string(input.dtype), ") per sample");
  }
  if (!options_.cache_path.empty()) {
    // A cache that exists but cannot be read is an error now, not a silent recalibration.
    auto cache = read_file(options_.cache_path);
    if (!cache.is_ok() && cache.status().code() != StatusCode::kNotFound) {
      return cache.status().with_context("calibration cache");
    }
  }
  if (num_batches() == 0) {
    return invalid_argument("calibration data \"", source_->name(), "\" has ", source_->size(),
                            " samples: not one full batch of ", options_.batch_size);
  }
  return Status::ok();
}

std::string StreamCalibrator::data_fingerprint() {
  Fnv1a hash;
  hash.add(source_->name()).add_value(options_.batch_size).add_value(num_batches());
  std::vector<float> sample(static_cast<size_t>(source_->sample_dims().volume()));
  for (int64_t i = 0; i < num_batches() * options_.batch_size; ++i) {
    if (!source_->read(i, sample.data()).is_ok()) return {};
    hash.add(sample.data(), sample.size() * sizeof(float));
  }
  return hash.hex();
}

Result<bool> StreamCalibrator::get_batch(std::span<const std::string> names,
                                         std::span<const void*> bindings) {
  if (names.size() != 1 || bindings.size() != 1) {
    return invalid_argument("calibration data \"", source_->name(), "\" feeds one input, but the ",
                            "network has ", names.size());
  }
  if (next_batch_ >= num_batches()) return false;
  const int64_t first = next_batch_ * options_.batch_size;
  const int64_t volume = source_->sample_dims().volume();
  buffer_.resize(static_cast<size_t>(options_.batch_size * volume));
  for (int64_t i = 0; i < options_.batch_size; ++i) {
    INT8RT_RETURN_IF_ERROR(source_->read(first + i, buffer_.data() + i * volume));
  }
  bindings[0] = buffer_.data();
  ++next_batch_;
  return true;
}

std::string StreamCalibrator::read_calibration_cache() {
  if (options_.cache_path.empty()) return {};
  auto text = read_file(options_.cache_path);
  return text.is_ok() ? std::move(text).value() : std::string();
}

Status StreamCalibrator::write_calibration_cache(std::string_view cache) {
  if (options_.cache_path.empty()) return Status::ok();
  return write_file_atomic(options_.cache_path, cache);
}

std::string StreamCalibrator::read_cache_fingerprint() {
  if (options_.cache_path.empty()) return {};
  auto text = read_file(options_.cache_path + ".fingerprint");
  return text.is_ok() ? std::move(text).value() : std::string();
}

Status StreamCalibrator::write_cache_fingerprint(std::string_view fingerprint) {
  if (options_.cache_path.empty()) return Status::ok();
  return write_file_atomic(options_.cache_path + ".fingerprint", fingerprint);
}

}  // namespace int8rt
