// What the file-backed data sources (image files, .npy folders, batch files) share: a name, one
// sample shape, labels (one per sample, or none), the range check of read(), and for sources that
// concatenate several files, their total size, finding a sample's file and reading it from a
// cached stream.
#pragma once

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "int8rt/data.h"

namespace int8rt {

class LabeledFileSource : public DataSource {
 public:
  const std::string& name() const override { return name_; }
  const Dims& sample_dims() const override { return sample_dims_; }
  bool has_labels() const override { return !labels_.empty(); }
  int64_t label(int64_t index) const override {
    if (labels_.empty() || index < 0 || index >= size()) return -1;
    return labels_[static_cast<size_t>(index)];
  }

 protected:
  LabeledFileSource(std::string name, Dims sample_dims, std::vector<int64_t> labels)
      : name_(std::move(name)), sample_dims_(std::move(sample_dims)), labels_(std::move(labels)) {}

  // The error of read() for an index outside [0, size()); `unit` names what size() counts.
  Status check_index(int64_t index, std::string_view unit) const {
    if (index < 0 || index >= size()) {
      return invalid_argument(name_, ": sample ", index, " is out of range (", size(), " ", unit,
                              ")");
    }
    return Status::ok();
  }

  std::string name_;
  Dims sample_dims_;
  std::vector<int64_t> labels_;
};

// Reads byte ranges of files, keeping the last file open: sources read consecutive samples of one
// file.
class CachedFileReader {
 public:
  // Reads `bytes` bytes at `offset` of `path`; false if the file cannot be opened or is too short.
  bool read(const std::string& path, uint64_t offset, void* out, size_t bytes) {
    if (open_path_ != path) {
      stream_ = std::ifstream(path, std::ios::binary);
      open_path_ = path;
    }
    stream_.clear();
    stream_.seekg(static_cast<std::streamoff>(offset));
    stream_.read(static_cast<char*>(out), static_cast<std::streamsize>(bytes));
    if (!stream_) {
      open_path_.clear();
      return false;
    }
    return true;
  }

 private:
  std::string open_path_;
  std::ifstream stream_;
};

// A source whose samples are those of several files in order. File has members `first` (the
// global index of its first sample) and `count` (its samples); `files` is not empty.
template <typename File>
class ConcatenatedFileSource : public LabeledFileSource {
 public:
  ConcatenatedFileSource(std::string name, std::vector<File> files, Dims sample_dims,
                         std::vector<int64_t> labels)
      : LabeledFileSource(std::move(name), std::move(sample_dims), std::move(labels)),
        files_(std::move(files)) {}

  int64_t size() const override { return files_.back().first + files_.back().count; }

 protected:
  // The file holding global sample `index` (in [0, size())).
  const File& file_holding(int64_t index) const {
    auto it = std::upper_bound(files_.begin(), files_.end(), index,
                               [](int64_t i, const File& file) { return i < file.first; });
    return *(it - 1);
  }

  std::vector<File> files_;
  CachedFileReader reader_;
};

}  // namespace int8rt
