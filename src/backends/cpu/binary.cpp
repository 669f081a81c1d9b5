// Add, Sub, Mul, Div, Max and Min of two float tensors on oneDNN's binary primitive.
//
// oneDNN broadcasts only its second source, and its output has the first source's shape and
// layout: so the full-shaped input is src0 (inputs swap for the commutative ops when only the
// second one is full-shaped), kept in whatever layout it is produced in. A full-shaped src1 must
// share that layout (the engine reorders it if needed); a broadcast src1 (a scalar, a per-channel
// [1, C, 1, 1] constant, ...) is read plain with its shape right-aligned to the output's rank.
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/onednn_common.h"

namespace int8rt::cpu {

using dnnl::algorithm;
using dnnl::memory;

namespace {

std::optional<algorithm> binary_algorithm(OpType type) {
  switch (type) {
    case OpType::kAdd:
      return algorithm::binary_add;
    case OpType::kSub:
      return algorithm::binary_sub;
    case OpType::kMul:
      return algorithm::binary_mul;
    case OpType::kDiv:
      return algorithm::binary_div;
    case OpType::kMax:
      return algorithm::binary_max;
    case OpType::kMin:
      return algorithm::binary_min;
    default:
      return std::nullopt;
  }
}

bool commutative(OpType type) {
  return type == OpType::kAdd || type == OpType::kMul || type == OpType::kMax ||
         type == OpType::kMin;
}

}  // namespace

Result<KernelPtr> make_binary(const Layer& layer, std::span<const Layout> input_layouts) {
  auto alg = binary_algorithm(layer.type());
  if (!alg || layer.num_inputs() != 2) return KernelPtr();
  const Tensor* y = layer.output(0);
  int first = 0, second = 1;
  if (layer.input(0)->dims() != y->dims()) {
    if (!commutative(layer.type()) || layer.input(1)->dims() != y->dims()) return KernelPtr();
    std::swap(first, second);
  }
  const Tensor* a = layer.input(first);
  const Tensor* b = layer.input(second);
  if (a->dtype() != DataType::kFloat || b->dtype() != DataType::kFloat) return KernelPtr();
  const int rank = std::max(y->dims().rank(), 1);
  if (rank > 6 || b->dims().rank() > rank) return KernelPtr();

  return guarded_create(layer, [&]() -> Result<KernelPtr> {
    const memory::desc src0 =
        desc_of(input_layouts[static_cast<size_t>(first)], a->dims(), DataType::kFloat);
    memory::desc src1 = src0;
    if (b->dims() != y->dims()) {
      std::vector<int64_t> padded(static_cast<size_t>(rank - b->dims().rank()), 1);
      padded.insert(padded.end(), b->dims().extents().begin(), b->dims().extents().end());
      src1 = plain_desc(Dims(padded), DataType::kFloat);
    }
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    dnnl::binary::primitive_desc pd(dnnl::binary::desc(*alg, src0, src1, src0), attr,
                                    onednn_engine());
    auto kernel = std::make_unique<PrimitiveKernel>(kernel_name("binary", pd), dnnl::binary(pd),
                                                    pd.scratchpad_desc(), layer.num_inputs(), 1);
    kernel->bind_input(DNNL_ARG_SRC_0, first, pd.src_desc(0));
    kernel->bind_input(DNNL_ARG_SRC_1, second, pd.src_desc(1));
    kernel->bind_output(DNNL_ARG_DST, 0, pd.dst_desc());
    kernel->allow_inplace(first);
    return KernelPtr(std::move(kernel));
  });
}

}  // namespace int8rt::cpu
