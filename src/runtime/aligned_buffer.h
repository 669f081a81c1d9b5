// 64-byte aligned memory for activations and kernel scratch (cache lines; AVX-512 loads).
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>

#include "int8rt/status.h"

namespace int8rt::detail {

struct AlignedFree {
  void operator()(void* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<std::byte, AlignedFree>;

// At least `bytes` (rounded up to 64, at least 64) aligned to 64 bytes; an error naming `what`
// and the size when the memory is not there.
inline Result<AlignedBuffer> allocate_aligned(size_t bytes, const char* what) {
  const size_t rounded = bytes == 0 ? 64 : (bytes + 63) / 64 * 64;
  AlignedBuffer buffer(static_cast<std::byte*>(std::aligned_alloc(64, rounded)));
  if (buffer == nullptr) {
    return io_error("out of memory: ", rounded, " bytes for ", what);
  }
  return buffer;
}

}  // namespace int8rt::detail
