#include "backends/reference/elementwise_util.h"

namespace int8rt::reference {

std::vector<int64_t> broadcast_strides(const Dims& in, const Dims& out) {
  const int shift = out.rank() - in.rank();
  const std::vector<int64_t> in_strides = strides_of(in);
  std::vector<int64_t> strides(static_cast<size_t>(out.rank()), 0);
  for (int axis = 0; axis < in.rank(); ++axis) {
    if (in[axis] != 1) {
      strides[static_cast<size_t>(axis + shift)] = in_strides[static_cast<size_t>(axis)];
    }
  }
  return strides;
}

}  // namespace int8rt::reference
