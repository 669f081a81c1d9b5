// TensorRT calibration batch files (sampleINT8's BatchStream), host byte order:
//   int32 N, C, H, W | float32 data[N][C][H][W] | float32 labels[N] (optional)
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/file_io.h"
#include "data/file_sources.h"
#include "data/sources.h"

namespace int8rt {

namespace {

constexpr size_t kHeaderBytes = 4 * sizeof(int32_t);

struct BatchFile {
  std::string path;
  int64_t first = 0;  // global index of its first sample
  int64_t count = 0;  // N
};

class BatchFileSource final : public ConcatenatedFileSource<BatchFile> {
 public:
  using ConcatenatedFileSource::ConcatenatedFileSource;

  Status read(int64_t index, float* out) override {
    INT8RT_RETURN_IF_ERROR(check_index(index, "samples"));
    const BatchFile& file = file_holding(index);
    const size_t bytes = static_cast<size_t>(sample_dims_.volume()) * sizeof(float);
    if (!reader_.read(file.path, kHeaderBytes + static_cast<size_t>(index - file.first) * bytes,
                      out, bytes)) {
      return io_error(file.path, ": cannot read sample ", index - file.first,
                      " (the file changed or vanished after it was opened)");
    }
    return Status::ok();
  }
};

}  // namespace

Result<std::unique_ptr<DataSource>> open_batch_files(const std::string& prefix,
                                                     const std::string& suffix) {
  return open_batch_files(prefix, suffix,
                          "batches:" + prefix + (suffix.empty() ? "" : ",suffix=" + suffix));
}

Result<std::unique_ptr<DataSource>> open_batch_files(const std::string& prefix,
                                                     const std::string& suffix, std::string name) {
  std::vector<BatchFile> files;
  std::vector<int64_t> labels;
  Dims sample_dims;
  bool labelled = false;
  int64_t total = 0;
  for (int index = 0;; ++index) {
    BatchFile file;
    file.path = prefix + std::to_string(index) + suffix;
    std::error_code error;
    if (!std::filesystem::is_regular_file(file.path, error)) {
      if (index == 0) {
        return not_found(file.path, ": no such batch file (batches:PREFIX reads PREFIX0", suffix,
                         ", PREFIX1", suffix, ", ...",
                         suffix.empty() ? "; suffix=.batch reads PREFIX0.batch, ..." : "", ")");
      }
      break;
    }
    const uintmax_t size = std::filesystem::file_size(file.path, error);
    std::ifstream stream(file.path, std::ios::binary);
    if (error || !stream) return io_error(file.path, ": cannot open the batch file");
    int32_t header[4] = {};
    if (size < kHeaderBytes ||
        !stream.read(reinterpret_cast<char*>(header), static_cast<std::streamsize>(kHeaderBytes))) {
      return parse_error(file.path, ": truncated batch file (", size,
                         " bytes; the header N, C, H, W needs 16)");
    }
    const Dims batch_dims{header[0], header[1], header[2], header[3]};
    if (header[0] < 0 || header[1] <= 0 || header[2] <= 0 || header[3] <= 0) {
      return parse_error(file.path, ": batch file header N, C, H, W = ", batch_dims.to_string(),
                         " is not a valid shape (N >= 0, C, H, W > 0)");
    }
    const Dims sample{header[1], header[2], header[3]};
    if (!sample.checked_volume().is_ok() || !batch_dims.checked_volume().is_ok()) {
      return parse_error(file.path, ": batch file header N, C, H, W = ", batch_dims.to_string(),
                         " is implausibly large (more than 2^40 values)");
    }
    file.count = header[0];
    const uint64_t data_bytes =
        kHeaderBytes + static_cast<uint64_t>(batch_dims.volume()) * sizeof(float);
    const uint64_t label_bytes = static_cast<uint64_t>(file.count) * sizeof(float);
    if (size < data_bytes) {
      return parse_error(file.path, ": truncated batch file: header ", batch_dims.to_string(),
                         " (N, C, H, W) needs ", data_bytes, " bytes, the file has ", size);
    }
    if (size != data_bytes && size != data_bytes + label_bytes) {
      return parse_error(file.path, ": batch file of ", size, " bytes: header ",
                         batch_dims.to_string(), " needs ", data_bytes, " (no labels) or ",
                         data_bytes + label_bytes, " (with ", file.count, " labels)");
    }
    const bool has_labels = size == data_bytes + label_bytes && file.count > 0;
    if (files.empty()) {
      sample_dims = sample;
      labelled = has_labels;
    } else if (sample != sample_dims) {
      return invalid_argument(file.path, ": samples of shape ", sample.to_string(),
                              " (C, H, W), but ", files[0].path, " has ", sample_dims.to_string());
    } else if (has_labels != labelled && file.count > 0) {
      return invalid_argument(file.path, ": ", has_labels ? "has labels" : "has no labels",
                              ", but ", files[0].path, (labelled ? " has" : " has none"),
                              " (every batch file needs labels, or none)");
    }
    if (has_labels) {
      std::vector<float> values(static_cast<size_t>(file.count));
      stream.seekg(static_cast<std::streamoff>(data_bytes));
      stream.read(reinterpret_cast<char*>(values.data()),
                  static_cast<std::streamsize>(label_bytes));
      if (!stream) return io_error(file.path, ": cannot read the labels");
      for (size_t i = 0; i < values.size(); ++i) {
        const float value = values[i];
        if (!(value >= 0) || value != std::floor(value) || value > 1e15f) {
          return parse_error(file.path, ": label ", i, " is ", value,
                             ", expected a non-negative integer");
        }
        labels.push_back(static_cast<int64_t>(value));
      }
    }
    file.first = total;
    total += file.count;
    files.push_back(std::move(file));
  }
  if (total == 0) return invalid_argument(prefix, "0...: the batch files hold no samples");
  return std::unique_ptr<DataSource>(std::make_unique<BatchFileSource>(
      std::move(name), std::move(files), std::move(sample_dims), std::move(labels)));
}

Status write_batch_file(const std::string& path, const Batch& batch) {
  if (batch.dims.rank() < 1 || batch.dims.rank() > 4 || !batch.dims.is_static()) {
    return invalid_argument(path, ": batch of shape ", batch.dims.to_string(),
                            " does not fit a batch file (N, C, H, W: samples of at most 3 dims)");
  }
  std::vector<int64_t> chw(batch.dims.extents().begin() + 1, batch.dims.extents().end());
  chw.insert(chw.begin(), 3 - chw.size(), 1);
  const int64_t volume = chw[0] * chw[1] * chw[2];
  const int64_t count = batch.count;
  if (count < 0 || count > batch.dims[0] ||
      static_cast<int64_t>(batch.data.size()) < count * volume) {
    return invalid_argument(path, ": batch holds ", batch.data.size(), " values for ", count,
                            " samples of ", Dims(chw).to_string());
  }
  if (!batch.labels.empty() && static_cast<int64_t>(batch.labels.size()) != count) {
    return invalid_argument(path, ": batch has ", batch.labels.size(), " labels for ", count,
                            " samples");
  }
  for (int64_t extent : {count, chw[0], chw[1], chw[2]}) {
    if (extent > INT32_MAX) {
      return invalid_argument(path, ": extent ", extent, " does not fit the int32 header");
    }
  }
  const int32_t header[4] = {static_cast<int32_t>(count), static_cast<int32_t>(chw[0]),
                             static_cast<int32_t>(chw[1]), static_cast<int32_t>(chw[2])};
  std::string bytes(reinterpret_cast<const char*>(header), sizeof(header));
  bytes.append(reinterpret_cast<const char*>(batch.data.data()),
               static_cast<size_t>(count * volume) * sizeof(float));
  for (int64_t label : batch.labels) {
    const auto value = static_cast<float>(label);
    bytes.append(reinterpret_cast<const char*>(&value), sizeof(value));
  }
  return write_file_atomic(path, bytes);
}

Result<int64_t> write_batch_files(DataSource& source, const std::string& prefix, int64_t batch_size,
                                  int64_t max_batches) {
  if (batch_size <= 0) return invalid_argument("batch size ", batch_size, " must be positive");
  int64_t batches = source.size() / batch_size;
  if (batches == 0) {
    return invalid_argument(source.name(), ": ", source.size(), " samples: not one full batch of ",
                            batch_size);
  }
  if (max_batches >= 0) batches = std::min(batches, max_batches);
  BatchStream stream(source, batch_size, batches * batch_size);
  Batch batch;
  int64_t written = 0;
  for (;;) {
    INT8RT_ASSIGN_OR_RETURN(bool more, stream.next(batch));
    if (!more) break;
    INT8RT_RETURN_IF_ERROR(write_batch_file(prefix + std::to_string(written), batch));
    ++written;
  }
  return written;
}

}  // namespace int8rt
