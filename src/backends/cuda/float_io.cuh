// Device helpers the float kernels share: float32 or FP16 storage read and written as float
// (arithmetic stays float32 inside every kernel; FP16 rounds to nearest on the store), and the
// reduction of one value per thread across a warp or a block.
#pragma once

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

namespace int8rt::cuda {

template <typename T>
__device__ __forceinline__ float load_float(const T* p, int64_t i) {
  if constexpr (std::is_same_v<T, __half>) {
    return __half2float(p[i]);
  } else {
    return p[i];
  }
}

template <typename T>
__device__ __forceinline__ void store_float(T* p, int64_t i, float v) {
  if constexpr (std::is_same_v<T, __half>) {
    p[i] = __float2half_rn(v);
  } else {
    p[i] = v;
  }
}

// Combines the partials of a group of G consecutive threads (G = 1, 32, or the whole block of G
// threads); every thread of the group gets the result. `shared` holds G / 32 floats.
template <int G, typename Op>
__device__ __forceinline__ float group_reduce(float v, Op op, float* shared) {
  if constexpr (G > 1) {
    for (int s = 16; s > 0; s /= 2)
      v = op(v, __shfl_xor_sync(0xffffffffu, v, s));
  }
  if constexpr (G > 32) {
    __syncthreads();  // earlier readers of `shared` are done
    if (threadIdx.x % 32 == 0) shared[threadIdx.x / 32] = v;
    __syncthreads();
    v = shared[0];
    for (int w = 1; w < G / 32; ++w)
      v = op(v, shared[w]);
  }
  return v;
}

}  // namespace int8rt::cuda
