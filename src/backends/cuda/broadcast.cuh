// numpy (multidirectional) broadcasting for elementwise kernels: output element i's offset in
// each input, from strides that are 0 along broadcast axes. Up to kMaxRank axes, passed to
// kernels by value.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "int8rt/types.h"

namespace int8rt::cuda {

constexpr int kMaxRank = 8;

struct BroadcastIndex {
  int rank = 0;
  int64_t out_dims[kMaxRank] = {};
  int64_t strides[2][kMaxRank] = {};  // per input

  // The index for inputs `a`, `b` broadcast to `out` (right-aligned); false when `out` has more
  // than kMaxRank axes.
  static bool make(const Dims& a, const Dims& b, const Dims& out, BroadcastIndex& index) {
    if (out.rank() > kMaxRank) return false;
    index.rank = out.rank();
    const Dims* inputs[2] = {&a, &b};
    for (int k = 0; k < 2; ++k) {
      const Dims& in = *inputs[k];
      int64_t stride = 1;
      for (int axis = out.rank() - 1; axis >= 0; --axis) {
        const int in_axis = axis - (out.rank() - in.rank());
        const int64_t extent = in_axis >= 0 ? in[in_axis] : 1;
        index.strides[k][axis] = extent == 1 ? 0 : stride;
        stride *= extent;
      }
    }
    for (int axis = 0; axis < out.rank(); ++axis)
      index.out_dims[axis] = out[axis];
    return true;
  }

  __device__ __forceinline__ void offsets(int64_t i, int64_t& a, int64_t& b) const {
    a = 0;
    b = 0;
    for (int axis = rank - 1; axis >= 0; --axis) {
      const int64_t coordinate = i % out_dims[axis];
      i /= out_dims[axis];
      a += coordinate * strides[0][axis];
      b += coordinate * strides[1][axis];
    }
  }
};

}  // namespace int8rt::cuda
