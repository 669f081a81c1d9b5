#include "backends/backend.h"

#include <cstdlib>
#include <cstring>

namespace int8rt {

std::string_view to_string(TensorLocation location) {
  switch (location) {
    case TensorLocation::kHost:
      return "host";
    case TensorLocation::kDevice:
      return "device";
  }
  return "unknown";
}

std::string_view to_string(Int8Speed speed) {
  switch (speed) {
    case Int8Speed::kNone:
      return "none";
    case Int8Speed::kSlower:
      return "slower";
    case Int8Speed::kFast:
      return "fast";
  }
  return "unknown";
}

Result<Buffer> allocate_host(size_t bytes, std::string_view what) {
  constexpr size_t kAlignment = 256;
  const size_t rounded =
      bytes == 0 ? kAlignment : (bytes + kAlignment - 1) / kAlignment * kAlignment;
  Buffer buffer(static_cast<std::byte*>(std::aligned_alloc(kAlignment, rounded)),
                BufferDeleter{std::free});
  if (buffer == nullptr) {
    return resource_exhausted("out of host memory: ", rounded, " bytes for ", what);
  }
  return buffer;
}

bool runs_int8(const Backend& backend, const Layer& layer) {
  for (const Backend* b = &backend; b != nullptr && b->memory_space() == backend.memory_space();
       b = b->fallback().empty() ? nullptr : find_backend(b->fallback())) {
    if (b->supports(layer, DataType::kInt8)) return true;
  }
  return false;
}

Result<KernelPtr> Backend::create_reorder(DataType, const Dims&, const Layout&,
                                          const Layout&) const {
  return KernelPtr();
}

Result<KernelPtr> Backend::create_transfer(DataType, const Dims& dims, TensorLocation from,
                                           TensorLocation to) const {
  return internal_error("backend \"", name(), "\" has no ", to_string(from), " -> ", to_string(to),
                        " transfer (tensor ", dims.to_string(), ")");
}

Result<Buffer> Backend::allocate(size_t bytes, std::string_view what) const {
  return allocate_host(bytes, what);
}

Status Backend::copy(void* dst, TensorLocation dst_space, const void* src, TensorLocation src_space,
                     size_t bytes, StreamState*) const {
  if (dst_space != TensorLocation::kHost || src_space != TensorLocation::kHost) {
    return internal_error("backend \"", name(), "\" has no device memory to copy to or from");
  }
  if (bytes != 0) std::memcpy(dst, src, bytes);
  return Status::ok();
}

Status Backend::check_address(const void* address, TensorLocation, size_t) const {
  if (address == nullptr) return invalid_argument("the address is null");
  return Status::ok();
}

Status Backend::check_plan_target(std::string_view) const {
  return Status::ok();
}

}  // namespace int8rt
