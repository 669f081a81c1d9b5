#include "int8rt/types.h"

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace int8rt {

size_t element_size(DataType type) {
  switch (type) {
    case DataType::kFloat:
      return 4;
    case DataType::kInt8:
      return 1;
    case DataType::kUInt8:
      return 1;
    case DataType::kInt32:
      return 4;
    case DataType::kInt64:
      return 8;
    case DataType::kBool:
      return 1;
  }
  return 0;
}

std::string_view to_string(DataType type) {
  switch (type) {
    case DataType::kFloat:
      return "float32";
    case DataType::kInt8:
      return "int8";
    case DataType::kUInt8:
      return "uint8";
    case DataType::kInt32:
      return "int32";
    case DataType::kInt64:
      return "int64";
    case DataType::kBool:
      return "bool";
  }
  return "unknown";
}

bool Dims::is_static() const {
  for (int64_t extent : d_) {
    if (extent < 0) return false;
  }
  return true;
}

int64_t Dims::volume() const {
  int64_t volume = 1;
  for (int64_t extent : d_)
    volume *= extent;
  return volume;
}

Result<int64_t> Dims::checked_volume() const {
  int64_t nonzero = 1;
  bool empty = false;
  for (int64_t extent : d_) {
    if (extent < 0) return invalid_argument("shape ", to_string(), " is not static");
    if (extent == 0) {
      empty = true;
      continue;
    }
    if (nonzero > kMaxVolume / extent) {
      return invalid_argument("shape ", to_string(), " has more than 2^40 elements",
                              empty ? " in its non-zero extents" : "");
    }
    nonzero *= extent;
  }
  return empty ? 0 : nonzero;
}

std::string Dims::to_string() const {
  if (d_.empty()) return "()";
  std::string text;
  for (size_t i = 0; i < d_.size(); ++i) {
    if (i > 0) text += 'x';
    text += d_[i] < 0 ? std::string("?") : std::to_string(d_[i]);
  }
  return text;
}

Result<Dims> Dims::parse(std::string_view text) {
  if (text.empty() || text == "()") return Dims{};
  std::vector<int64_t> extents;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('x', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view part = text.substr(start, end - start);
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || ptr != part.data() + part.size() || value < 0) {
      return invalid_argument("bad shape \"", text, "\": expected extents like 1x3x224x224");
    }
    extents.push_back(value);
    start = end + 1;
  }
  return Dims(std::move(extents));
}

Weights::Weights(DataType type, Dims dims, const void* bytes)
    : dtype_(type), dims_(std::move(dims)) {
  // Shapes are checked where they enter (importer, shape inference, add_input); one that slipped
  // through is a bug, reported by the API entry points as an internal error.
  if (!dims_.checked_volume().is_ok()) {
    throw std::length_error("Weights: shape " + dims_.to_string() + " is not allocatable");
  }
  size_t size = byte_size();
  bytes_ = std::shared_ptr<std::byte[]>(new std::byte[size == 0 ? 1 : size]);
  if (size > 0 && bytes != nullptr) std::memcpy(bytes_.get(), bytes, size);
}

Weights Weights::zeros(DataType type, Dims dims) {
  Weights weights(type, std::move(dims), nullptr);
  std::memset(weights.bytes_.get(), 0, weights.byte_size());
  return weights;
}

namespace {
template <typename Out, typename Fn>
std::vector<Out> convert(const Weights& w, Fn&& cast) {
  std::vector<Out> out(static_cast<size_t>(w.count()));
  for (size_t i = 0; i < out.size(); ++i) {
    switch (w.dtype()) {
      case DataType::kFloat:
        out[i] = cast(w.data_as<float>()[i]);
        break;
      case DataType::kInt8:
        out[i] = cast(w.data_as<int8_t>()[i]);
        break;
      case DataType::kUInt8:
        out[i] = cast(w.data_as<uint8_t>()[i]);
        break;
      case DataType::kInt32:
        out[i] = cast(w.data_as<int32_t>()[i]);
        break;
      case DataType::kInt64:
        out[i] = cast(w.data_as<int64_t>()[i]);
        break;
      case DataType::kBool:
        out[i] = cast(w.data_as<uint8_t>()[i] != 0);
        break;
    }
  }
  return out;
}
}  // namespace

std::vector<int64_t> Weights::to_int64() const {
  return convert<int64_t>(*this, [](auto v) { return static_cast<int64_t>(v); });
}

std::vector<double> Weights::to_double() const {
  return convert<double>(*this, [](auto v) { return static_cast<double>(v); });
}

}  // namespace int8rt
