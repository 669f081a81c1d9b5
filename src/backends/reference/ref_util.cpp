#include "backends/reference/ref_util.h"

namespace int8rt::reference {

std::vector<int64_t> strides_of(const Dims& dims) {
  std::vector<int64_t> strides(static_cast<size_t>(dims.rank()), 1);
  for (int i = dims.rank() - 2; i >= 0; --i) {
    strides[static_cast<size_t>(i)] = strides[static_cast<size_t>(i) + 1] * dims[i + 1];
  }
  return strides;
}

std::vector<int64_t> broadcast_offsets(const Dims& in, const Dims& out) {
  const int rank = out.rank();
  const int shift = rank - in.rank();
  std::vector<int64_t> in_strides = strides_of(in);
  // Effective stride per output axis: 0 where the input broadcasts.
  std::vector<int64_t> stride(static_cast<size_t>(rank), 0);
  for (int i = 0; i < in.rank(); ++i) {
    stride[static_cast<size_t>(i + shift)] = in[i] == 1 ? 0 : in_strides[static_cast<size_t>(i)];
  }
  const int64_t count = out.volume();
  std::vector<int64_t> offsets(static_cast<size_t>(count));
  std::vector<int64_t> index(static_cast<size_t>(rank), 0);
  int64_t offset = 0;
  for (int64_t n = 0; n < count; ++n) {
    offsets[static_cast<size_t>(n)] = offset;
    for (int axis = rank - 1; axis >= 0; --axis) {
      auto a = static_cast<size_t>(axis);
      if (++index[a] < out[axis]) {
        offset += stride[a];
        break;
      }
      offset -= stride[a] * (index[a] - 1);
      index[a] = 0;
    }
  }
  return offsets;
}

}  // namespace int8rt::reference
