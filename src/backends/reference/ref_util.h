// Helpers shared by the reference kernels.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "backends/kernel.h"
#include "int8rt/network.h"

namespace int8rt::reference {

// A kernel whose computation is a callable `Status(const KernelIo&)` capturing what it needs.
template <typename Fn>
class FnKernel final : public Kernel {
 public:
  FnKernel(std::string name, Fn fn) : name_(std::move(name)), fn_(std::move(fn)) {}
  std::string name() const override { return name_; }
  Status execute(const KernelIo& io) const override { return fn_(io); }

 private:
  std::string name_;
  Fn fn_;
};

// make_kernel(layer, [=](const KernelIo& io) { ...; return Status::ok(); }) names the kernel
// "reference.<OpType>".
template <typename Fn>
KernelPtr make_kernel(const Layer& layer, Fn fn) {
  return std::make_unique<FnKernel<Fn>>(
      std::string("reference.") + std::string(to_string(layer.type())), std::move(fn));
}

// Calls fn(T{}) with T the C++ type of `type` (bool is stored as uint8_t). Returns fn's result.
template <typename Fn>
auto dispatch_dtype(DataType type, Fn&& fn) {
  switch (type) {
    case DataType::kFloat:
      return fn(float{});
    case DataType::kInt8:
      return fn(int8_t{});
    case DataType::kUInt8:
      return fn(uint8_t{});
    case DataType::kInt32:
      return fn(int32_t{});
    case DataType::kInt64:
      return fn(int64_t{});
    case DataType::kBool:
      return fn(uint8_t{});
  }
  return fn(float{});
}

// Row-major strides of `dims`.
std::vector<int64_t> strides_of(const Dims& dims);

// For each output index of a broadcast, the offset into an input of shape `in` (right-aligned with
// `out`, extents 1 broadcast). Returns one offset per output element.
std::vector<int64_t> broadcast_offsets(const Dims& in, const Dims& out);

}  // namespace int8rt::reference
