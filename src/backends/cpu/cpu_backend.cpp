#include "backends/cpu/cpu_backend.h"

#include "backends/backend.h"
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/int8_common.h"
#include "backends/cpu/onednn_common.h"

namespace int8rt::cpu {

namespace {

// Every present tensor static and non-empty: oneDNN has no zero-sized primitives.
bool all_non_empty(const Layer& layer) {
  auto ok = [](const Tensor* t) {
    return t == nullptr || (t->dims().is_static() && t->dims().volume() > 0);
  };
  for (int i = 0; i < layer.num_inputs(); ++i) {
    if (!ok(layer.input(i))) return false;
  }
  for (int i = 0; i < layer.num_outputs(); ++i) {
    if (!ok(layer.output(i))) return false;
  }
  return true;
}

// INT8 layers (a data input is kInt8) and the reformats between INT8 and float32.
Result<KernelPtr> create_int8_kernel(const Layer& layer, std::span<const Layout> input_layouts) {
  switch (layer.type()) {
    case OpType::kConv:
      return make_int8_conv(layer, input_layouts);
    case OpType::kGemm:
    case OpType::kMatMul:
      return make_int8_matmul(layer, input_layouts);
    case OpType::kMaxPool:
    case OpType::kAveragePool:
    case OpType::kGlobalAveragePool:
    case OpType::kGlobalMaxPool:
      return make_int8_pooling(layer, input_layouts);
    case OpType::kAdd:
      return make_int8_add(layer, input_layouts);
    case OpType::kConcat:
      return make_int8_concat(layer, input_layouts);
    case OpType::kQuantize:
      return make_quantize(layer, input_layouts);
    case OpType::kDequantize:
      return make_dequantize(layer, input_layouts);
    default:
      return KernelPtr();
  }
}

}  // namespace

Int8Isa int8_isa() {
  static const Int8Isa isa = [] {
    const auto bits = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
    const auto has = [&](dnnl::cpu_isa wanted) {
      const auto mask = static_cast<unsigned>(wanted);
      return (bits & mask) == mask;
    };
    if (has(dnnl::cpu_isa::avx512_core_vnni) || has(dnnl::cpu_isa::avx2_vnni)) {
      return Int8Isa::kVnniOrAmx;  // AMX implies AVX512-VNNI
    }
    return has(dnnl::cpu_isa::avx2) ? Int8Isa::kAvx2 : Int8Isa::kNone;
  }();
  return isa;
}

bool has_fast_int8() {
  return int8_isa() == Int8Isa::kVnniOrAmx;
}

Result<KernelPtr> create_kernel(const Layer& layer, std::span<const Layout> input_layouts) {
  if (!all_non_empty(layer) || static_cast<int>(input_layouts.size()) != layer.num_inputs()) {
    return KernelPtr();
  }
  if (has_int8_input(layer) || layer.type() == OpType::kQuantize ||
      layer.type() == OpType::kDequantize) {
    return create_int8_kernel(layer, input_layouts);
  }
  switch (layer.type()) {
    case OpType::kConv:
      return make_conv(layer, input_layouts);
    case OpType::kConvTranspose:
      return make_conv_transpose(layer, input_layouts);
    case OpType::kGemm:
    case OpType::kMatMul:
      return make_matmul(layer, input_layouts);
    case OpType::kMaxPool:
    case OpType::kAveragePool:
    case OpType::kGlobalAveragePool:
    case OpType::kGlobalMaxPool:
      return make_pooling(layer, input_layouts);
    case OpType::kRelu:
    case OpType::kLeakyRelu:
    case OpType::kClip:
    case OpType::kSigmoid:
    case OpType::kTanh:
    case OpType::kElu:
    case OpType::kHardSwish:
    case OpType::kAbs:
    case OpType::kNeg:
      return make_eltwise(layer, input_layouts);
    case OpType::kAdd:
    case OpType::kSub:
    case OpType::kMul:
    case OpType::kDiv:
    case OpType::kMax:
    case OpType::kMin:
      return make_binary(layer, input_layouts);
    case OpType::kConcat:
      return make_concat(layer, input_layouts);
    case OpType::kSoftmax:
    case OpType::kLogSoftmax:
      return make_softmax(layer, input_layouts);
    case OpType::kBatchNormalization:
      return make_batchnorm(layer, input_layouts);
    default:
      return KernelPtr();
  }
}

Result<KernelPtr> create_reorder(DataType dtype, const Dims& dims, const Layout& from,
                                 const Layout& to) {
  if (to_onednn(dtype) == dnnl::memory::data_type::undef) {
    return unsupported("reorder of a ", to_string(dtype), " tensor ", dims.to_string(), " from ",
                       from.to_string(), " to ", to.to_string(), ": oneDNN has no such type");
  }
  try {
    const dnnl::memory::desc src = desc_of(from, dims, dtype);
    const dnnl::memory::desc dst = desc_of(to, dims, dtype);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    dnnl::reorder::primitive_desc pd(onednn_engine(), src, onednn_engine(), dst, attr);
    auto kernel = std::make_unique<PrimitiveKernel>(kernel_name("reorder", pd), dnnl::reorder(pd),
                                                    pd.scratchpad_desc(), 1, 1);
    kernel->bind_input(DNNL_ARG_FROM, 0, src);
    kernel->bind_output(DNNL_ARG_TO, 0, dst);
    return KernelPtr(std::move(kernel));
  } catch (const dnnl::error& error) {
    return internal_error("reorder of tensor ", dims.to_string(), " from ", from.to_string(),
                          " to ", to.to_string(), ": oneDNN failed: ", error.what());
  }
}

namespace {

// oneDNN's effective ISA (ONEDNN_MAX_CPU_ISA counts), its name and what it means for INT8.
struct IsaSpeed {
  const char* isa;
  Int8Speed speed;
};

IsaSpeed detect_isa() {
  using dnnl::cpu_isa;
  switch (dnnl::get_effective_cpu_isa()) {
    case cpu_isa::avx512_core_amx:
      return {"avx512_core_amx", Int8Speed::kFast};
    case cpu_isa::avx512_core_bf16:  // Cooper Lake and later: VNNI included
      return {"avx512_core_bf16", Int8Speed::kFast};
    case cpu_isa::avx512_core_vnni:
      return {"avx512_core_vnni", Int8Speed::kFast};
    case cpu_isa::avx2_vnni:
      return {"avx2_vnni", Int8Speed::kFast};
    case cpu_isa::avx512_core:
      return {"avx512_core", Int8Speed::kSlower};
    case cpu_isa::avx512_mic:
      return {"avx512_mic", Int8Speed::kSlower};
    case cpu_isa::avx512_mic_4ops:
      return {"avx512_mic_4ops", Int8Speed::kSlower};
    case cpu_isa::avx2:
      return {"avx2", Int8Speed::kSlower};
    case cpu_isa::avx:
      return {"avx", Int8Speed::kNone};
    case cpu_isa::sse41:
      return {"sse41", Int8Speed::kNone};
    case cpu_isa::all:
      break;
  }
  return {"generic", Int8Speed::kNone};
}

std::string_view explain(Int8Speed speed) {
  switch (speed) {
    case Int8Speed::kFast:
      return "fast: VNNI/AMX int8 dot products";
    case Int8Speed::kSlower:
      return "slower: no VNNI, int8 dot products take three instructions, so INT8 gains less over "
             "FP32";
    case Int8Speed::kNone:
      return "no fast INT8: no int8 SIMD path, INT8 layers run no faster than FP32";
  }
  return "";
}

// oneDNN where it has a kernel, the reference kernels for the rest (same memory, plain layouts
// between them).
class CpuBackend final : public Backend {
 public:
  std::string_view name() const override { return "cpu"; }

  const BackendInfo& info() const override {
    static const BackendInfo info = [this] {
      const IsaSpeed isa = detect_isa();
      BackendInfo i;
      i.name = std::string(name());
      i.available = true;
      i.device = std::string("oneDNN ") + isa.isa;
      i.location = TensorLocation::kHost;
      i.int8 = isa.speed;
      i.int8_path = "oneDNN " + std::string(isa.isa) + " (" + std::string(explain(isa.speed)) + ")";
      i.fast_fp16 = false;
      return i;
    }();
    return info;
  }

  std::string_view fallback() const override { return "reference"; }

  // INT8: the oneDNN kernels cover the common configurations and the reference backend (the
  // fallback, same memory) the rest, so every layer the reference runs in INT8 is eligible.
  bool supports(const Layer& layer, DataType precision) const override {
    if (precision != DataType::kInt8) return true;
    switch (layer.type()) {
      case OpType::kConv:
      case OpType::kGemm:
      case OpType::kMatMul:
      case OpType::kMaxPool:
      case OpType::kAveragePool:
      case OpType::kGlobalAveragePool:
      case OpType::kGlobalMaxPool:
      case OpType::kAdd:
      case OpType::kConcat:
      case OpType::kQuantize:
      case OpType::kDequantize:
        return true;
      default:
        return false;
    }
  }

  Result<KernelPtr> create_kernel(const KernelRequest& request) const override {
    return cpu::create_kernel(request.layer, request.input_layouts);
  }

  Result<KernelPtr> create_reorder(DataType dtype, const Dims& dims, const Layout& from,
                                   const Layout& to) const override {
    return cpu::create_reorder(dtype, dims, from, to);
  }
};

}  // namespace

const Backend& backend() {
  static const CpuBackend instance;
  return instance;
}

}  // namespace int8rt::cpu
