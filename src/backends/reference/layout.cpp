// Reference kernels of the data-movement ops. They copy elements as raw bits, so each works on
// every dtype. Shape inference has normalized the axes in the attributes (see ir/ops/layout.cpp).
#include <cstring>

#include "backends/reference/elementwise_util.h"
#include "backends/reference/int8_kernels.h"
#include "backends/reference/ref_util.h"
#include "backends/reference/reference.h"
#include "ir/ops/op_util.h"
#include "ir/quantization.h"

namespace int8rt::reference {

namespace {

int64_t product(const Dims& dims, int begin, int end) {
  int64_t p = 1;
  for (int a = begin; a < end; ++a)
    p *= dims[a];
  return p;
}

// y[i] = x[offsets[0]] over a strided walk of the output (Slice, Transpose, Expand): `strides`
// are per output axis, `base` the input offset of output element 0.
KernelPtr strided_copy(const Layer& layer, std::vector<int64_t> strides, int64_t base) {
  const Dims out = layer.output(0)->dims();
  const std::array<std::vector<int64_t>, 1> walk = {std::move(strides)};
  return dispatch_bits(layer.output(0)->dtype(), [&](auto tag) {
    using T = decltype(tag);
    return make_kernel(layer, [out, walk, base](const KernelIo& io) {
      const auto* x = static_cast<const T*>(io.inputs[0]) + base;
      auto* y = static_cast<T*>(io.outputs[0]);
      for_each_broadcast(out, walk,
                         [&](int64_t i, const std::array<int64_t, 1>& at) { y[i] = x[at[0]]; });
      return Status::ok();
    });
  });
}

}  // namespace

// Each input contributes one contiguous block per index of the axes before `axis`.
Result<KernelPtr> make_Concat(const Layer& layer) {
  if (ir::is_quantized(layer.input(0))) return make_int8_concat(layer);
  const int axis = static_cast<int>(layer.attrs_as<ConcatAttrs>().axis);
  const Dims& out = layer.output(0)->dims();
  const size_t element = element_size(layer.output(0)->dtype());
  const int64_t outer = product(out, 0, axis);
  std::vector<size_t> block_bytes;
  for (int i = 0; i < layer.num_inputs(); ++i) {
    const Dims& d = layer.input(i)->dims();
    block_bytes.push_back(static_cast<size_t>(product(d, axis, d.rank())) * element);
  }
  return make_kernel(layer, [outer, block_bytes](const KernelIo& io) {
    auto* y = static_cast<std::byte*>(io.outputs[0]);
    for (int64_t o = 0; o < outer; ++o) {
      for (size_t k = 0; k < block_bytes.size(); ++k) {
        const auto* x = static_cast<const std::byte*>(io.inputs[k]);
        if (block_bytes[k] == 0) continue;
        std::memcpy(y, x + static_cast<size_t>(o) * block_bytes[k], block_bytes[k]);
        y += block_bytes[k];
      }
    }
    return Status::ok();
  });
}

// The mirror of Concat: output sizes come from the inferred output shapes.
Result<KernelPtr> make_Split(const Layer& layer) {
  const int axis = static_cast<int>(layer.attrs_as<SplitAttrs>().axis);
  const Dims& in = layer.input(0)->dims();
  const size_t element = element_size(layer.input(0)->dtype());
  const int64_t outer = product(in, 0, axis);
  std::vector<size_t> block_bytes;
  for (int i = 0; i < layer.num_outputs(); ++i) {
    const Dims& d = layer.output(i)->dims();
    block_bytes.push_back(static_cast<size_t>(product(d, axis, d.rank())) * element);
  }
  return make_kernel(layer, [outer, block_bytes](const KernelIo& io) {
    const auto* x = static_cast<const std::byte*>(io.inputs[0]);
    for (int64_t o = 0; o < outer; ++o) {
      for (size_t k = 0; k < block_bytes.size(); ++k) {
        auto* y = static_cast<std::byte*>(io.outputs[k]);
        if (y != nullptr && block_bytes[k] != 0) {
          std::memcpy(y + static_cast<size_t>(o) * block_bytes[k], x, block_bytes[k]);
        }
        x += block_bytes[k];
      }
    }
    return Status::ok();
  });
}

// y[i0, i1, ...] = x[start0 + i0 * step0, start1 + i1 * step1, ...]
Result<KernelPtr> make_Slice(const Layer& layer) {
  INT8RT_ASSIGN_OR_RETURN(std::vector<ir::SliceAxis> slice, ir::resolve_slice(layer));
  const std::vector<int64_t> in_strides = strides_of(layer.input(0)->dims());
  std::vector<int64_t> strides;
  int64_t base = 0;
  for (size_t a = 0; a < slice.size(); ++a) {
    base += slice[a].start * in_strides[a];
    strides.push_back(slice[a].step * in_strides[a]);
  }
  return strided_copy(layer, std::move(strides), base);
}

// For every index of data's axes before `axis` and every index value, one contiguous block of
// data's axes after `axis`. Indices are read at run time; negative ones count from the end.
Result<KernelPtr> make_Gather(const Layer& layer) {
  const int axis = static_cast<int>(layer.attrs_as<GatherAttrs>().axis);
  const Dims& d = layer.input(0)->dims();
  const int64_t outer = product(d, 0, axis);
  const int64_t extent = d[axis];
  const size_t block =
      static_cast<size_t>(product(d, axis + 1, d.rank())) * element_size(layer.input(0)->dtype());
  const int64_t count = layer.input(1)->dims().volume();
  const bool wide = layer.input(1)->dtype() == DataType::kInt64;
  const std::string what = ir::describe(layer);
  return make_kernel(layer, [=](const KernelIo& io) {
    const auto* x = static_cast<const std::byte*>(io.inputs[0]);
    auto* y = static_cast<std::byte*>(io.outputs[0]);
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t n = 0; n < count; ++n) {
        int64_t index = wide ? static_cast<const int64_t*>(io.inputs[1])[n]
                             : static_cast<const int32_t*>(io.inputs[1])[n];
        if (index < -extent || index >= extent) {
          return invalid_argument(what, ": index ", index, " is out of range for an axis of ",
                                  extent);
        }
        if (index < 0) index += extent;
        if (block != 0) {
          std::memcpy(y, x + static_cast<size_t>(o * extent + index) * block, block);
        }
        y += block;
      }
    }
    return Status::ok();
  });
}

// Output axis i walks input axis perm[i].
Result<KernelPtr> make_Transpose(const Layer& layer) {
  const std::vector<int64_t>& perm = layer.attrs_as<TransposeAttrs>().perm;
  const std::vector<int64_t> in_strides = strides_of(layer.input(0)->dims());
  if (perm.size() != in_strides.size()) {
    return internal_error(ir::describe(layer), ": perm was not resolved by shape inference");
  }
  std::vector<int64_t> strides;
  for (int64_t p : perm)
    strides.push_back(in_strides[static_cast<size_t>(p)]);
  return strided_copy(layer, std::move(strides), 0);
}

// Per axis, a table from output index to input index (-1: the constant), built once:
//   constant: i = o - begin if inside the input, else the constant value
//   edge:     i = clamp(o - begin, 0, extent - 1)
//   reflect:  o - begin mirrored about the first and last elements (without repeating them),
//             as often as needed (numpy's "reflect"): -1 -> 1, extent -> extent - 2.
// Negative pads make `begin` negative or the output shorter: the same tables crop.
Result<KernelPtr> make_Pad(const Layer& layer) {
  const PadMode mode = layer.attrs_as<PadAttrs>().mode;
  INT8RT_ASSIGN_OR_RETURN(std::vector<int64_t> pads, ir::required_constant_ints(layer, 1, "pads"));
  const Dims in = layer.input(0)->dims();
  const Dims out = layer.output(0)->dims();
  const int rank = in.rank();
  std::vector<std::vector<int64_t>> source(static_cast<size_t>(rank));
  for (int a = 0; a < rank; ++a) {
    const int64_t begin = pads[static_cast<size_t>(a)];
    const int64_t extent = in[a];
    for (int64_t o = 0; o < out[a]; ++o) {
      int64_t i = o - begin;
      if (i < 0 || i >= extent) {
        if (mode == PadMode::kConstant) {
          i = -1;
        } else if (mode == PadMode::kEdge) {
          i = i < 0 ? 0 : extent - 1;
        } else if (extent == 1) {
          i = 0;
        } else {
          const int64_t period = 2 * (extent - 1);
          i %= period;
          if (i < 0) i += period;
          if (i >= extent) i = period - i;
        }
      }
      source[static_cast<size_t>(a)].push_back(i);
    }
  }
  const std::vector<int64_t> in_strides = strides_of(in);
  const int64_t count = out.volume();
  return dispatch_bits(layer.output(0)->dtype(), [&](auto tag) -> Result<KernelPtr> {
    using T = decltype(tag);
    return make_kernel(layer, [=](const KernelIo& io) {
      const auto* x = static_cast<const T*>(io.inputs[0]);
      auto* y = static_cast<T*>(io.outputs[0]);
      T fill{};
      if (io.inputs.size() > 2 && io.inputs[2] != nullptr) {
        fill = *static_cast<const T*>(io.inputs[2]);
      }
      std::vector<int64_t> index(static_cast<size_t>(rank), 0);
      for (int64_t n = 0; n < count; ++n) {
        int64_t offset = 0;
        bool inside = true;
        for (size_t a = 0; a < index.size() && inside; ++a) {
          const int64_t i = source[a][static_cast<size_t>(index[a])];
          inside = i >= 0;
          offset += i * in_strides[a];
        }
        y[n] = inside ? x[offset] : fill;
        for (int a = rank - 1; a >= 0; --a) {
          if (++index[static_cast<size_t>(a)] < out[a]) break;
          index[static_cast<size_t>(a)] = 0;
        }
      }
      return Status::ok();
    });
  });
}

Result<KernelPtr> make_Expand(const Layer& layer) {
  return strided_copy(layer, broadcast_strides(layer.input(0)->dims(), layer.output(0)->dims()), 0);
}

}  // namespace int8rt::reference
