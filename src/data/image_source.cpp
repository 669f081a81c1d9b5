// Image files as a data source: decoded and preprocessed when a sample is read.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <filesystem>

#include "core/file_io.h"
#include "data/file_sources.h"
#include "data/image_codec.h"
#include "data/image_preprocess.h"
#include "data/sources.h"
#include "data/text_cursor.h"

namespace int8rt {

namespace {

namespace fs = std::filesystem;

bool has_image_extension(const fs::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension == ".png" || extension == ".jpg" || extension == ".jpeg";
}

class ImageSource final : public LabeledFileSource {
 public:
  ImageSource(std::string name, std::vector<std::string> paths, std::vector<int64_t> labels,
              ImageOptions options, Dims sample_dims)
      : LabeledFileSource(std::move(name), std::move(sample_dims), std::move(labels)),
        paths_(std::move(paths)),
        options_(std::move(options)) {}

  int64_t size() const override { return static_cast<int64_t>(paths_.size()); }

  Status read(int64_t index, float* out) override {
    INT8RT_RETURN_IF_ERROR(check_index(index, "images"));
    const std::string& path = paths_[static_cast<size_t>(index)];
    INT8RT_ASSIGN_OR_RETURN(Image image, read_image(path));
    Dims dims;
    INT8RT_RETURN_IF_ERROR(preprocess_image(image, options_, path, dims, buffer_));
    if (dims != sample_dims_) {
      return invalid_argument(path, ": the image gives a sample of shape ", dims.to_string(),
                              ", the first image (", paths_[0], ") gave ", sample_dims_.to_string(),
                              "; give size=HxW, resize=HxW or crop=HxW to make them agree");
    }
    std::memcpy(out, buffer_.data(), buffer_.size() * sizeof(float));
    return Status::ok();
  }

 private:
  std::vector<std::string> paths_;
  ImageOptions options_;
  std::vector<float> buffer_;
};

struct ImageList {
  std::vector<std::string> paths;
  std::vector<int64_t> labels;
};

Result<ImageList> read_image_list(const std::string& list_path) {
  INT8RT_ASSIGN_OR_RETURN(std::string text, read_file(list_path));
  const fs::path base = fs::path(list_path).parent_path();
  ImageList list;
  int labelled = -1;  // unknown until the first entry
  constexpr std::string_view kSpace = " \t\r";
  LineReader lines(text);
  std::string_view line;
  while (lines.next(line)) {
    const int line_number = lines.line_number();
    line = trim_front(trim_back(line, kSpace), kSpace);
    if (line.empty() || line.front() == '#') continue;
    // "PATH LABEL": the last field is the label when it is an integer and a path precedes it.
    std::string_view path = line;
    int64_t label = -1;
    const size_t split = line.find_last_of(" \t");
    if (split != std::string_view::npos) {
      std::string_view field = line.substr(split + 1);
      int64_t value = -1;
      auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
      if (ec == std::errc() && ptr == field.data() + field.size()) {
        if (value < 0) {
          return parse_error(list_path, ":", line_number, ": label ", value, " is negative");
        }
        label = value;
        path = line.substr(0, split);
        path = trim_back(path, kSpace);
      }
    }
    const int has_label = label >= 0 ? 1 : 0;
    if (labelled >= 0 && has_label != labelled) {
      return parse_error(list_path, ":", line_number, ": ", has_label ? "a label" : "no label",
                         ", but earlier lines have ", labelled ? "labels" : "none",
                         " (give every image a label, or none)");
    }
    labelled = has_label;
    fs::path file(path);
    if (file.is_relative()) file = base / file;
    list.paths.push_back(file.string());
    if (has_label) list.labels.push_back(label);
  }
  if (list.paths.empty()) return invalid_argument(list_path, ": the image list names no images");
  return list;
}

}  // namespace

Result<std::vector<std::string>> list_image_files(const std::string& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    return not_found(dir, ": no such directory");
  }
  std::vector<std::string> paths;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    if (it->is_regular_file(error) && has_image_extension(it->path())) {
      paths.push_back(it->path().string());
    }
  }
  if (error) return io_error(dir, ": cannot list the directory: ", error.message());
  std::sort(paths.begin(), paths.end());
  if (paths.empty()) return invalid_argument(dir, ": no .png, .jpg or .jpeg files");
  return paths;
}

Result<std::unique_ptr<DataSource>> open_image_source(std::vector<std::string> paths,
                                                      const ImageOptions& options,
                                                      std::vector<int64_t> labels,
                                                      std::string name) {
  INT8RT_RETURN_IF_ERROR(check_image_options(options, name));
  if (paths.empty()) return invalid_argument(name, ": no image files");
  if (!labels.empty() && labels.size() != paths.size()) {
    return invalid_argument(name, ": ", labels.size(), " labels for ", paths.size(), " images");
  }
  Dims sample_dims;
  if (std::optional<Dims> fixed = fixed_sample_dims(options)) {
    sample_dims = std::move(*fixed);
  } else {
    INT8RT_ASSIGN_OR_RETURN(Image first, read_image(paths[0]));
    std::vector<float> unused;
    INT8RT_RETURN_IF_ERROR(preprocess_image(first, options, paths[0], sample_dims, unused));
  }
  return std::unique_ptr<DataSource>(std::make_unique<ImageSource>(
      std::move(name), std::move(paths), std::move(labels), options, std::move(sample_dims)));
}

Result<Weights> load_image(const std::string& path, const ImageOptions& options) {
  INT8RT_RETURN_IF_ERROR(check_image_options(options, path));
  INT8RT_ASSIGN_OR_RETURN(Image image, read_image(path));
  Dims dims;
  std::vector<float> values;
  INT8RT_RETURN_IF_ERROR(preprocess_image(image, options, path, dims, values));
  return Weights::from_vector(DataType::kFloat, dims, values);
}

Result<std::unique_ptr<DataSource>> open_images_argument(const std::string& argument,
                                                         const ImageOptions& options,
                                                         std::string name) {
  if (!argument.empty() && argument[0] == '@') {
    INT8RT_ASSIGN_OR_RETURN(ImageList list, read_image_list(argument.substr(1)));
    return open_image_source(std::move(list.paths), options, std::move(list.labels),
                             std::move(name));
  }
  std::error_code error;
  if (fs::is_directory(argument, error)) {
    INT8RT_ASSIGN_OR_RETURN(std::vector<std::string> paths, list_image_files(argument));
    return open_image_source(std::move(paths), options, {}, std::move(name));
  }
  if (!fs::exists(argument, error)) {
    return not_found(argument, ": no such image file or directory");
  }
  return open_image_source({argument}, options, {}, std::move(name));
}

}  // namespace int8rt
