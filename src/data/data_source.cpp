// Data sets in memory, user callbacks, sample selection and batching.
#include <algorithm>
#include <cstring>
#include <numeric>

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

CallbackSource::CallbackSource(std::string name, int64_t size, Dims sample_dims, ReadFunction read,
                               LabelFunction label)
    : name_(std::move(name)),
      size_(size),
      sample_dims_(std::move(sample_dims)),
      read_(std::move(read)),
      label_(std::move(label)) {}

Status CallbackSource::read(int64_t index, float* out) {
  if (index < 0 || index >= size_) {
    return invalid_argument(name_, ": sample ", index, " is out of range (", size_, " samples)");
  }
  if (!read_) return invalid_argument(name_, ": no read function");
  return read_(index, std::span<float>(out, static_cast<size_t>(sample_dims_.volume())));
}

int64_t CallbackSource::label(int64_t index) const {
  if (!label_ || index < 0 || index >= size_) return -1;
  return label_(index);
}

namespace {

// Samples `indices[i]` of `base` as sample i.
class SubsetSource final : public DataSource {
 public:
  SubsetSource(std::unique_ptr<DataSource> base, std::vector<int64_t> indices)
      : base_(std::move(base)), indices_(std::move(indices)) {}

  const std::string& name() const override { return base_->name(); }
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  const Dims& sample_dims() const override { return base_->sample_dims(); }
  bool has_labels() const override { return base_->has_labels(); }
  Status read(int64_t index, float* out) override {
    if (index < 0 || index >= size()) {
      return invalid_argument(name(), ": sample ", index, " is out of range (", size(),
                              " samples)");
    }
    return base_->read(indices_[static_cast<size_t>(index)], out);
  }
  int64_t label(int64_t index) const override {
    if (index < 0 || index >= size()) return -1;
    return base_->label(indices_[static_cast<size_t>(index)]);
  }

 private:
  std::unique_ptr<DataSource> base_;
  std::vector<int64_t> indices_;
};

}  // namespace

std::vector<int64_t> shuffled_indices(int64_t count, uint64_t seed) {
  std::vector<int64_t> indices(static_cast<size_t>(std::max<int64_t>(count, 0)));
  std::iota(indices.begin(), indices.end(), int64_t{0});
  uint64_t state = seed;
  for (int64_t i = count - 1; i >= 1; --i) {
    // SplitMix64 (Steele, Lea, Flood 2014).
    state += 0x9e3779b97f4a7c15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    const auto j = static_cast<int64_t>(z % static_cast<uint64_t>(i + 1));
    std::swap(indices[static_cast<size_t>(i)], indices[static_cast<size_t>(j)]);
  }
  return indices;
}

std::unique_ptr<DataSource> select_samples(std::unique_ptr<DataSource> source,
                                           const SampleSelection& selection) {
  const int64_t size = source->size();
  const int64_t keep = selection.limit < 0 ? size : std::min(selection.limit, size);
  if (!selection.shuffle_seed && keep == size) return source;
  std::vector<int64_t> indices;
  if (selection.shuffle_seed) {
    indices = shuffled_indices(size, *selection.shuffle_seed);
    indices.resize(static_cast<size_t>(keep));
  } else {
    indices.resize(static_cast<size_t>(keep));
    std::iota(indices.begin(), indices.end(), int64_t{0});
  }
  return std::make_unique<SubsetSource>(std::move(source), std::move(indices));
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
