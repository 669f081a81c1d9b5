#include "backends/reference/reference.h"

#include <cstdlib>
#include <memory>

namespace int8rt::reference {

Result<KernelPtr> create_kernel(const Layer& layer) {
  switch (layer.type()) {
#define INT8RT_OP(name, attrs) \
  case OpType::k##name:        \
    return make_##name(layer);
#include "int8rt/ops.inc"
#undef INT8RT_OP
  }
  return internal_error("unknown op type ", static_cast<int>(layer.type()));
}

Result<std::vector<Weights>> evaluate(const Layer& layer, const std::vector<Weights>& inputs) {
  INT8RT_ASSIGN_OR_RETURN(KernelPtr kernel, create_kernel(layer));
  std::vector<const void*> in;
  for (const Weights& w : inputs)
    in.push_back(w.empty() ? nullptr : w.data());
  std::vector<Weights> outputs;
  std::vector<void*> out;
  for (int i = 0; i < layer.num_outputs(); ++i) {
    const Tensor* t = layer.output(i);
    outputs.push_back(Weights::zeros(t->dtype(), t->dims()));
  }
  for (Weights& w : outputs)
    out.push_back(w.mutable_data());
  struct AlignedFree {
    void operator()(void* p) const { std::free(p); }
  };
  size_t scratch_size = (kernel->scratch_bytes() + 63) / 64 * 64;
  std::unique_ptr<void, AlignedFree> scratch(scratch_size ? std::aligned_alloc(64, scratch_size)
                                                          : nullptr);
  INT8RT_RETURN_IF_ERROR(kernel->execute(KernelIo{in, out, scratch.get()}));
  return outputs;
}

}  // namespace int8rt::reference
