// Activations on oneDNN's eltwise primitive, in the input's layout (any layout works elementwise;
// oneDNN keeps blocked padding at zero). May run in place. Only the activations that sit between
// convolutions are here, so that they keep the convolutions' layout; math ops (Exp, Log, Sqrt,
// Softplus, Reciprocal) stay on the reference kernels: oneDNN's polynomial approximations of them
// are a few ulp off where ONNX expects exact values (log(1) = 0), and they do not pay.
// HardSigmoid (a linear eltwise with a clip post-op) is left out too: oneDNN 2.6 runs eltwise
// with post-ops on its reference implementation, which leaves the destination unwritten.
//
// ONNX op -> oneDNN algorithm (alpha, beta):
//   Relu -> relu(0)            LeakyRelu -> relu(alpha)      Clip -> clip(min, max)
//   Sigmoid -> logistic        Tanh -> tanh                  Elu -> elu(alpha)
//   HardSwish -> hardswish     Abs -> abs                    Neg -> linear(-1, 0)
#include <limits>

#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/onednn_common.h"

namespace int8rt::cpu {

using dnnl::algorithm;
using dnnl::memory;

namespace {

struct EltwiseOp {
  algorithm alg = algorithm::undef;
  float alpha = 0.0f, beta = 0.0f;
};

// Clip's optional min/max inputs (constant scalars); absent ones are ±max float.
std::optional<EltwiseOp> clip_op(const Layer& layer) {
  EltwiseOp op{algorithm::eltwise_clip, std::numeric_limits<float>::lowest(),
               std::numeric_limits<float>::max()};
  for (int i = 1; i < std::min(layer.num_inputs(), 3); ++i) {
    const Tensor* bound = layer.input(i);
    if (bound == nullptr) continue;
    if (!bound->is_constant() || bound->dims().volume() != 1 ||
        bound->dtype() != DataType::kFloat) {
      return std::nullopt;
    }
    (i == 1 ? op.alpha : op.beta) = bound->constant_value().data_as<float>()[0];
  }
  return op;
}

std::optional<EltwiseOp> eltwise_op(const Layer& layer) {
  switch (layer.type()) {
    case OpType::kRelu:
      return EltwiseOp{algorithm::eltwise_relu};
    case OpType::kLeakyRelu:
      return EltwiseOp{algorithm::eltwise_relu, layer.attrs_as<LeakyReluAttrs>().alpha};
    case OpType::kClip:
      return clip_op(layer);
    case OpType::kSigmoid:
      return EltwiseOp{algorithm::eltwise_logistic};
    case OpType::kTanh:
      return EltwiseOp{algorithm::eltwise_tanh};
    case OpType::kElu:
      return EltwiseOp{algorithm::eltwise_elu, layer.attrs_as<EluAttrs>().alpha};
    case OpType::kHardSwish:
      return EltwiseOp{algorithm::eltwise_hardswish};
    case OpType::kAbs:
      return EltwiseOp{algorithm::eltwise_abs};
    case OpType::kNeg:
      return EltwiseOp{algorithm::eltwise_linear, -1.0f, 0.0f};
    default:
      return std::nullopt;
  }
}

}  // namespace

Result<KernelPtr> make_eltwise(const Layer& layer, std::span<const Layout> input_layouts) {
  const Tensor* x = layer.input(0);
  if (x->dtype() != DataType::kFloat || x->dims().rank() > 6) return KernelPtr();
  auto op = eltwise_op(layer);
  if (!op) return KernelPtr();
  return guarded_create(layer, [&]() -> Result<KernelPtr> {
    const memory::desc src = desc_of(input_layouts[0], x->dims(), DataType::kFloat);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, op->alg, src, op->alpha,
                                     op->beta);
    dnnl::eltwise_forward::primitive_desc pd(desc, attr, onednn_engine());
    auto kernel =
        std::make_unique<PrimitiveKernel>(kernel_name("eltwise", pd), dnnl::eltwise_forward(pd),
                                          pd.scratchpad_desc(), layer.num_inputs(), 1);
    kernel->bind_input(DNNL_ARG_SRC, 0, pd.src_desc());
    kernel->bind_output(DNNL_ARG_DST, 0, pd.dst_desc());
    kernel->allow_inplace(0);
    return KernelPtr(std::move(kernel));
  });
}

}  // namespace int8rt::cpu
