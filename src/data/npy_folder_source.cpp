// A folder of .npy files as one data source, read a sample at a time.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "data/file_sources.h"
#include "data/npy_layout.h"
#include "data/sources.h"

namespace int8rt {

namespace {

namespace fs = std::filesystem;

struct NpyFile {
  std::string path;
  NpyLayout layout;
  int64_t first = 0;  // global index of its first sample
  int64_t count = 0;
};

class NpyFolderSource final : public ConcatenatedFileSource<NpyFile> {
 public:
  using ConcatenatedFileSource::ConcatenatedFileSource;

  Status read(int64_t index, float* out) override {
    INT8RT_RETURN_IF_ERROR(check_index(index, "samples"));
    const NpyFile& file = file_holding(index);
    const int64_t volume = sample_dims_.volume();
    const size_t item = element_size(file.layout.dtype);
    const size_t bytes = static_cast<size_t>(volume) * item;
    raw_.resize(bytes);
    if (!reader_.read(file.path,
                      file.layout.data_offset + static_cast<size_t>(index - file.first) * bytes,
                      raw_.data(), bytes)) {
      return io_error(file.path, ": cannot read sample ", index - file.first,
                      " (the file changed or vanished after it was opened)");
    }
    if (file.layout.dtype == DataType::kUInt8) {
      for (int64_t i = 0; i < volume; ++i)
        out[i] = static_cast<float>(raw_[static_cast<size_t>(i)]) / 255.0f;
      return Status::ok();
    }
    if (file.layout.swap_bytes) {
      for (size_t i = 0; i < bytes; i += 4)
        std::reverse(raw_.begin() + static_cast<std::ptrdiff_t>(i),
                     raw_.begin() + static_cast<std::ptrdiff_t>(i + 4));
    }
    std::memcpy(out, raw_.data(), bytes);
    return Status::ok();
  }

 private:
  std::vector<unsigned char> raw_;
};

}  // namespace

Result<std::unique_ptr<DataSource>> open_npy_folder(const std::string& dir,
                                                    const std::string& labels_path,
                                                    NpyFileLayout layout, std::string name) {
  std::error_code error;
  std::vector<std::string> paths;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    if (it->is_regular_file(error) && it->path().extension() == ".npy") {
      paths.push_back(it->path().string());
    }
  }
  if (error) return io_error(dir, ": cannot list the directory: ", error.message());
  if (paths.empty()) return invalid_argument(dir, ": no .npy files in the directory");
  std::sort(paths.begin(), paths.end());

  std::vector<NpyFile> files;
  Dims sample_dims;
  int64_t total = 0;
  for (std::string& path : paths) {
    NpyFile file;
    INT8RT_ASSIGN_OR_RETURN(file.layout, read_npy_layout(path));
    const Dims& dims = file.layout.dims;
    if (file.layout.dtype != DataType::kFloat && file.layout.dtype != DataType::kUInt8) {
      return unsupported(path, ": data arrays must be float32 or uint8, this one is ",
                         to_string(file.layout.dtype));
    }
    Dims sample = dims;
    file.count = 1;
    if (layout == NpyFileLayout::kBatch) {
      if (dims.rank() < 1) {
        return invalid_argument(path, ": a scalar has no sample axis (axis 0); use ",
                                "per_file=sample for files holding one sample each");
      }
      sample = Dims(std::vector<int64_t>(dims.extents().begin() + 1, dims.extents().end()));
      file.count = dims[0];
    }
    if (files.empty()) {
      sample_dims = sample;
    } else if (sample != sample_dims) {
      return invalid_argument(path, ": samples of shape ", sample.to_string(), " (array ",
                              dims.to_string(), "), but ", files[0].path, " has samples of ",
                              sample_dims.to_string(), "; every file needs the same sample shape");
    }
    file.first = total;
    total += file.count;
    file.path = std::move(path);
    files.push_back(std::move(file));
  }
  if (total == 0) return invalid_argument(dir, ": the .npy files hold no samples");
  std::vector<int64_t> labels;
  if (!labels_path.empty()) {
    INT8RT_ASSIGN_OR_RETURN(labels, read_npy_labels(labels_path, total, dir));
  }
  return std::unique_ptr<DataSource>(std::make_unique<NpyFolderSource>(
      std::move(name), std::move(files), std::move(sample_dims), std::move(labels)));
}

}  // namespace int8rt
