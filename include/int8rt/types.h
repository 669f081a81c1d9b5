// Element types, shapes and constant tensor data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "int8rt/status.h"

namespace int8rt {

enum class DataType : uint8_t {
  kFloat,
  kInt8,
  kUInt8,
  kInt32,
  kInt64,
  kBool,
};

size_t element_size(DataType type);
std::string_view to_string(DataType type);  // "float32", "int8", ...

// A shape: one extent per axis. An extent of kDynamic is not known until build time (the tensor
// may name it, see Tensor::dim_names()).
class Dims {
 public:
  static constexpr int64_t kDynamic = -1;

  Dims() = default;
  Dims(std::initializer_list<int64_t> extents) : d_(extents) {}
  explicit Dims(std::vector<int64_t> extents) : d_(std::move(extents)) {}

  int rank() const { return static_cast<int>(d_.size()); }
  int64_t operator[](int axis) const { return d_[static_cast<size_t>(axis)]; }
  int64_t& operator[](int axis) { return d_[static_cast<size_t>(axis)]; }
  const std::vector<int64_t>& extents() const { return d_; }
  std::vector<int64_t>& extents() { return d_; }

  // The largest element count int8rt accepts for one tensor (2^40): shapes from files are checked
  // against it before anything is allocated or multiplied further.
  static constexpr int64_t kMaxVolume = int64_t{1} << 40;

  bool is_static() const;
  // Product of all extents; 1 for a scalar. Only meaningful when checked_volume() succeeds.
  int64_t volume() const;
  // The product, or an error when an extent is dynamic or the product of the non-zero extents
  // exceeds kMaxVolume (checked before each multiplication, so it never overflows). Zero extents
  // are left out of the bound, so that every sub-shape of a shape that passes (a sample of an empty
  // batch) has a volume that can be computed too.
  Result<int64_t> checked_volume() const;

  // "1x3x224x224"; dynamic axes print as "?"; a scalar is "()".
  std::string to_string() const;
  // Parses "1x3x224x224" (a lone "()" or "" is a scalar).
  static Result<Dims> parse(std::string_view text);

  friend bool operator==(const Dims& a, const Dims& b) { return a.d_ == b.d_; }
  friend bool operator!=(const Dims& a, const Dims& b) { return a.d_ != b.d_; }

 private:
  std::vector<int64_t> d_;
};

// An immutable n-d array on the host: network constants (initializers) and folded tensors.
// Copies share the underlying bytes.
class Weights {
 public:
  Weights() = default;
  // Takes a copy of `bytes` (must hold volume(dims) * element_size(type) bytes).
  Weights(DataType type, Dims dims, const void* bytes);
  // Zero-filled storage that the creator may fill through mutable_data() before sharing it.
  static Weights zeros(DataType type, Dims dims);
  template <typename T>
  static Weights from_vector(DataType type, Dims dims, const std::vector<T>& values) {
    return Weights(type, std::move(dims), values.data());
  }

  DataType dtype() const { return dtype_; }
  const Dims& dims() const { return dims_; }
  int64_t count() const { return dims_.volume(); }
  size_t byte_size() const { return static_cast<size_t>(count()) * element_size(dtype_); }
  bool empty() const { return bytes_ == nullptr; }

  const void* data() const { return bytes_.get(); }
  template <typename T>
  const T* data_as() const {
    return static_cast<const T*>(data());
  }
  void* mutable_data() { return bytes_.get(); }

  // Values converted to int64 / double, for reading small shape-like constants of any dtype.
  std::vector<int64_t> to_int64() const;
  std::vector<double> to_double() const;

 private:
  DataType dtype_ = DataType::kFloat;
  Dims dims_;
  std::shared_ptr<std::byte[]> bytes_;
};

}  // namespace int8rt
