// Float Gemm and MatMul through cuBLASLt.
//   Gemm:   Y[i, j] = act(alpha · sum_k A'[i, k] · B'[k, j] + beta · C[i mod Cm, j mod Cn])
//           A' = A or Aᵀ, B' = B or Bᵀ, C right-aligned to [M, N] (a missing or extent-1 axis
//           broadcasts).
//   MatMul: Y[e, i, j] = sum_k A[a(e), i, k] · B[b(e), k, j] over the broadcast batch index e,
//           where each operand is either one matrix for every e (batch stride 0) or one matrix
//           per e; a 1-D A is [1, K] and a 1-D B is [K, 1] (numpy). A MatMul whose B is one
//           matrix runs as a single [batch · M, K] · [K, N] product.
// Data is row-major; cuBLASLt is column-major, where a row-major [R, C] matrix reads as its
// transpose [C, R] with ld = C. So the kernel computes Yᵀ = B'ᵀ · A'ᵀ (an N x M column-major D,
// ld N, which is Y row-major): cuBLASLt's A is our B, its B our A. alpha goes to cuBLASLt (beta
// 0); beta · C and the activation are one elementwise epilogue over Y in place.
// FP32: float data, CUBLAS_COMPUTE_32F (no TF32). FP16: half A, B and Y, float accumulation and
// scaling (CUBLAS_COMPUTE_32F); the epilogue reads the half result, computes in float and rounds
// once more to half. Constant operands are uploaded once (as half for FP16 A and B; a constant C
// stays float32); run-time ones are read in the layer's storage (float32 or half).
#include <cuda_fp16.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/float_io.cuh"
#include "backends/cuda/quant_device.cuh"

namespace int8rt::cuda {

namespace {

constexpr unsigned kThreads = 256;
// The most workspace a cuBLASLt algorithm may ask for (scratch_bytes is what the chosen one needs).
constexpr uint64_t kMaxWorkspace = uint64_t{32} << 20;
// Alignment of the buffers cuBLASLt reads: run-time tensors (network inputs and outputs are only
// checked for 16 bytes) and uploaded constants (cudaMalloc).
constexpr uint32_t kRuntimeAlignment = 16;
constexpr uint32_t kConstantAlignment = 256;

// Where C's element for Y[i, j] is: C[i · stride_i + j · stride_j] (0 along a broadcast axis).
struct CIndex {
  int64_t n = 1;  // Y's columns
  int64_t stride_i = 0, stride_j = 0;
  float beta = 1.0f;
};

// y[i, j] = act(y[i, j] + beta · C[i, j]) in place (one rounding for the product and sum); c may
// be null.
template <typename T, typename CT>
__global__ void gemm_epilogue(T* __restrict__ y, const CT* __restrict__ c, int64_t count, CIndex ci,
                              DeviceActivation act) {
  for (int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; e < count;
       e += int64_t{gridDim.x} * blockDim.x) {
    float v = load_float(y, e);
    if (c != nullptr) {
      v = __fmaf_rn(ci.beta, load_float(c, e / ci.n * ci.stride_i + e % ci.n * ci.stride_j), v);
    }
    store_float(y, e, apply_activation(v, act));
  }
}

// The product in row-major terms: Y [batch][M, N] = A' [M, K] · B' [K, N] per batch entry.
struct Problem {
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  int64_t batch = 1;
  int64_t a_stride = 0, b_stride = 0;  // elements between batch entries; 0: one shared matrix
};

// A cuBLAS call made while creating the kernel: a configuration cuBLASLt declines is
// kUnsupported, so that the layer runs on the CPU; other failures are errors.
Status setup_status(cublasStatus_t status, const std::string& what) {
  if (status == CUBLAS_STATUS_NOT_SUPPORTED || status == CUBLAS_STATUS_INVALID_VALUE) {
    return unsupported(what, ": cuBLAS status ", static_cast<int>(status));
  }
  return cublas_status(status, what);
}

// One product's cuBLASLt descriptors and algorithm: made at creation, only read afterwards (so
// contexts running concurrently share them).
struct LtMatmul {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t a = nullptr;  // cuBLASLt's A: our B
  cublasLtMatrixLayout_t b = nullptr;  // cuBLASLt's B: our A
  cublasLtMatrixLayout_t d = nullptr;  // Y (and C, unread with beta 0)
  cublasLtMatmulAlgo_t algo{};
  size_t workspace = 0;

  LtMatmul() = default;
  LtMatmul(const LtMatmul&) = delete;
  LtMatmul& operator=(const LtMatmul&) = delete;
  ~LtMatmul() {
    if (d != nullptr) (void)cublasLtMatrixLayoutDestroy(d);
    if (b != nullptr) (void)cublasLtMatrixLayoutDestroy(b);
    if (a != nullptr) (void)cublasLtMatrixLayoutDestroy(a);
    if (op != nullptr) (void)cublasLtMatmulDescDestroy(op);
  }
};

// A cuBLASLt handle and heuristics preference for choosing the algorithm at creation (runs use
// their context's handle).
struct LtSearch {
  cublasLtHandle_t handle = nullptr;
  cublasLtMatmulPreference_t preference = nullptr;
  LtSearch() = default;
  LtSearch(const LtSearch&) = delete;
  LtSearch& operator=(const LtSearch&) = delete;
  ~LtSearch() {
    if (preference != nullptr) (void)cublasLtMatmulPreferenceDestroy(preference);
    if (handle != nullptr) (void)cublasLtDestroy(handle);
  }
};

// A column-major rows x cols matrix (ld = rows), strided over `batch` entries.
Status make_layout(cublasLtMatrixLayout_t& layout, cudaDataType_t type, int64_t rows, int64_t cols,
                   int64_t batch, int64_t stride, const std::string& what) {
  INT8RT_RETURN_IF_ERROR(
      setup_status(cublasLtMatrixLayoutCreate(&layout, type, static_cast<uint64_t>(rows),
                                              static_cast<uint64_t>(cols), rows),
                   what + ": cublasLtMatrixLayoutCreate"));
  if (batch == 1) return Status::ok();
  const auto count = static_cast<int32_t>(batch);
  INT8RT_RETURN_IF_ERROR(
      setup_status(cublasLtMatrixLayoutSetAttribute(layout, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT,
                                                    &count, sizeof(count)),
                   what + ": cublasLtMatrixLayoutSetAttribute (batch count)"));
  return setup_status(
      cublasLtMatrixLayoutSetAttribute(layout, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride,
                                       sizeof(stride)),
      what + ": cublasLtMatrixLayoutSetAttribute (batch stride)");
}

// Fills `lt` for Yᵀ = B'ᵀ · A'ᵀ (see the file comment) and picks the first algorithm cuBLASLt's
// heuristics return. `a_constant`/`b_constant`: whether the operand is an uploaded constant (its
// buffer's alignment is then known to be larger).
Status describe(LtMatmul& lt, const Problem& p, bool fp16, bool a_constant, bool b_constant,
                const std::string& what) {
  const cudaDataType_t type = fp16 ? CUDA_R_16F : CUDA_R_32F;
  INT8RT_RETURN_IF_ERROR(
      setup_status(cublasLtMatmulDescCreate(&lt.op, CUBLAS_COMPUTE_32F, CUDA_R_32F),
                   what + ": cublasLtMatmulDescCreate"));
  const cublasOperation_t op_a = p.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_b = p.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  INT8RT_RETURN_IF_ERROR(setup_status(
      cublasLtMatmulDescSetAttribute(lt.op, CUBLASLT_MATMUL_DESC_TRANSA, &op_a, sizeof(op_a)),
      what + ": cublasLtMatmulDescSetAttribute (transa)"));
  INT8RT_RETURN_IF_ERROR(setup_status(
      cublasLtMatmulDescSetAttribute(lt.op, CUBLASLT_MATMUL_DESC_TRANSB, &op_b, sizeof(op_b)),
      what + ": cublasLtMatmulDescSetAttribute (transb)"));
  // Our B: row-major [K, N] is column-major N x K; row-major [N, K] (trans_b) is K x N, op T.
  INT8RT_RETURN_IF_ERROR(make_layout(lt.a, type, p.trans_b ? p.k : p.n, p.trans_b ? p.n : p.k,
                                     p.batch, p.b_stride, what));
  // Our A: row-major [M, K] is column-major K x M; row-major [K, M] (trans_a) is M x K, op T.
  INT8RT_RETURN_IF_ERROR(make_layout(lt.b, type, p.trans_a ? p.m : p.k, p.trans_a ? p.k : p.m,
                                     p.batch, p.a_stride, what));
  INT8RT_RETURN_IF_ERROR(make_layout(lt.d, type, p.n, p.m, p.batch, p.m * p.n, what));

  const ScopedDevice scoped_device;
  INT8RT_RETURN_IF_ERROR(scoped_device.status());
  LtSearch search;
  INT8RT_RETURN_IF_ERROR(cublas_status(cublasLtCreate(&search.handle), what + ": cublasLtCreate"));
  INT8RT_RETURN_IF_ERROR(setup_status(cublasLtMatmulPreferenceCreate(&search.preference),
                                      what + ": cublasLtMatmulPreferenceCreate"));
  auto prefer = [&](cublasLtMatmulPreferenceAttributes_t attribute, const void* value,
                    size_t size) {
    return setup_status(
        cublasLtMatmulPreferenceSetAttribute(search.preference, attribute, value, size),
        what + ": cublasLtMatmulPreferenceSetAttribute");
  };
  const uint64_t max_workspace = kMaxWorkspace;
  const uint32_t align_a = b_constant ? kConstantAlignment : kRuntimeAlignment;
  const uint32_t align_b = a_constant ? kConstantAlignment : kRuntimeAlignment;
  const uint32_t align_d = kRuntimeAlignment;
  INT8RT_RETURN_IF_ERROR(
      prefer(CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &max_workspace, sizeof(max_workspace)));
  INT8RT_RETURN_IF_ERROR(
      prefer(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &align_a, sizeof(align_a)));
  INT8RT_RETURN_IF_ERROR(
      prefer(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &align_b, sizeof(align_b)));
  INT8RT_RETURN_IF_ERROR(
      prefer(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &align_d, sizeof(align_d)));
  INT8RT_RETURN_IF_ERROR(
      prefer(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &align_d, sizeof(align_d)));
  std::array<cublasLtMatmulHeuristicResult_t, 8> results{};
  int returned = 0;
  INT8RT_RETURN_IF_ERROR(setup_status(
      cublasLtMatmulAlgoGetHeuristic(search.handle, lt.op, lt.a, lt.b, lt.d, lt.d,
                                     search.preference, static_cast<int>(results.size()),
                                     results.data(), &returned),
      what + ": cublasLtMatmulAlgoGetHeuristic"));
  for (int i = 0; i < returned; ++i) {
    const cublasLtMatmulHeuristicResult_t& r = results[static_cast<size_t>(i)];
    if (r.state != CUBLAS_STATUS_SUCCESS || r.workspaceSize > kMaxWorkspace) continue;
    lt.algo = r.algo;
    lt.workspace = r.workspaceSize;
    return Status::ok();
  }
  return unsupported(what, ": cuBLASLt's heuristics offer no algorithm");
}

class GemmKernel final : public CudaKernel {
 public:
  // inputs: the layer's A, B, C? dims; constants: the uploaded values of constant inputs (empty
  // for run-time ones); has_c: whether C is there.
  GemmKernel(std::string what, bool fp16, std::unique_ptr<LtMatmul> lt, std::vector<Dims> inputs,
             Dims y_dims, std::array<DeviceArray, 3> constants, bool has_c, float alpha, CIndex ci,
             FusedActivation activation)
      : CudaKernel(std::string("cuda.gemm(cublaslt)") + (fp16 ? "(half)" : "")),
        what_(std::move(what)),
        fp16_(fp16),
        lt_(std::move(lt)),
        inputs_(std::move(inputs)),
        y_dims_(std::move(y_dims)),
        constants_(std::move(constants)),
        has_c_(has_c),
        alpha_(alpha),
        ci_(ci),
        activation_{activation.kind, activation.alpha, activation.beta} {}

  Layout input_layout(int index) const override {
    if (!fp16_ || index < 0 || index >= static_cast<int>(inputs_.size()) || captures_input(index)) {
      return Layout();
    }
    return half_layout(inputs_[static_cast<size_t>(index)]);
  }
  Layout output_layout(int) const override { return fp16_ ? half_layout(y_dims_) : Layout(); }
  bool captures_input(int index) const override {
    return index >= 0 && index < 3 && !constants_[static_cast<size_t>(index)].empty();
  }
  size_t scratch_bytes() const override { return lt_->workspace; }

 protected:
  Status launch(const KernelIo& io, cudaStream_t stream) const override {
    INT8RT_ASSIGN_OR_RETURN(CudaStream * state, cuda_stream_of(io, name()));
    INT8RT_ASSIGN_OR_RETURN(cublasLtHandle_t handle, state->cublas_lt());
    auto operand = [&](int index) -> const void* {
      const DeviceArray& constant = constants_[static_cast<size_t>(index)];
      return constant.empty() ? io.inputs[static_cast<size_t>(index)] : constant.as<std::byte>();
    };
    const float zero = 0.0f;
    void* y = io.outputs[0];
    INT8RT_RETURN_IF_ERROR(cublas_status(
        cublasLtMatmul(handle, lt_->op, &alpha_, operand(1), lt_->a, operand(0), lt_->b, &zero, y,
                       lt_->d, y, lt_->d, &lt_->algo, lt_->workspace > 0 ? io.scratch : nullptr,
                       lt_->workspace, stream),
        what_ + ": cublasLtMatmul"));
    if (!has_c_ && activation_.kind == ActivationKind::kNone) return Status::ok();
    const int64_t count = y_dims_.volume();
    const unsigned blocks = blocks_for(count, kThreads);
    if (has_c_ && !constants_[2].empty()) {  // a constant C, float32
      const float* c = constants_[2].as<float>();
      if (fp16_) {
        gemm_epilogue<<<blocks, kThreads, 0, stream>>>(static_cast<__half*>(y), c, count, ci_,
                                                       activation_);
      } else {
        gemm_epilogue<<<blocks, kThreads, 0, stream>>>(static_cast<float*>(y), c, count, ci_,
                                                       activation_);
      }
    } else {  // a run-time C in the output's storage, or none
      const void* c = has_c_ ? io.inputs[2] : nullptr;
      if (fp16_) {
        gemm_epilogue<<<blocks, kThreads, 0, stream>>>(
            static_cast<__half*>(y), static_cast<const __half*>(c), count, ci_, activation_);
      } else {
        gemm_epilogue<<<blocks, kThreads, 0, stream>>>(
            static_cast<float*>(y), static_cast<const float*>(c), count, ci_, activation_);
      }
    }
    return Status::ok();
  }

 private:
  std::string what_;  // Gemm "<name>" / MatMul "<name>", for errors
  bool fp16_;
  std::unique_ptr<LtMatmul> lt_;
  std::vector<Dims> inputs_;
  Dims y_dims_;
  std::array<DeviceArray, 3> constants_;  // A, B, C
  bool has_c_;
  float alpha_;
  CIndex ci_;
  DeviceActivation activation_;
};

// A constant's float32 values uploaded as float32, or converted to FP16 when `fp16`.
Result<DeviceArray> upload_values(const Weights& values, bool fp16, const std::string& what) {
  const float* data = values.data_as<float>();
  const auto count = static_cast<size_t>(values.count());
  if (!fp16) return DeviceArray::upload(data, count * sizeof(float), what);
  std::vector<__half> converted(count);
  for (size_t i = 0; i < count; ++i)
    converted[i] = __float2half_rn(data[i]);
  return DeviceArray::upload(converted, what);
}

// Gemm's problem and C's broadcast; false when the shapes are not a Gemm this kernel runs.
bool gemm_problem(const Layer& layer, const GemmAttrs& attrs, Problem& p, CIndex& ci) {
  const Dims& a = layer.input(0)->dims();
  const Dims& b = layer.input(1)->dims();
  if (a.rank() != 2 || b.rank() != 2) return false;
  p.trans_a = attrs.trans_a;
  p.trans_b = attrs.trans_b;
  p.m = attrs.trans_a ? a[1] : a[0];
  p.k = attrs.trans_a ? a[0] : a[1];
  p.n = attrs.trans_b ? b[0] : b[1];
  if ((attrs.trans_b ? b[1] : b[0]) != p.k) return false;
  ci.n = p.n;
  ci.beta = attrs.beta;
  const Tensor* c = layer.num_inputs() > 2 ? layer.input(2) : nullptr;
  if (c == nullptr) return true;
  // C right-aligned to [M, N]: each axis it has is 1 (broadcast) or the output's extent.
  const Dims& cd = c->dims();
  if (cd.rank() > 2) return false;
  if (cd.rank() >= 1) {
    const int64_t cols = cd[cd.rank() - 1];
    if (cols != 1 && cols != p.n) return false;
    ci.stride_j = cols == 1 ? 0 : 1;
  }
  if (cd.rank() == 2) {
    if (cd[0] != 1 && cd[0] != p.m) return false;
    ci.stride_i = cd[0] == 1 ? 0 : cd[1];
  }
  return true;
}

// MatMul's problem (numpy semantics); false for a batch broadcast that is not one stride per
// operand (e.g. A [2, 1, M, K] with B [1, 3, K, N]).
bool matmul_problem(const Layer& layer, Problem& p) {
  const Dims& a = layer.input(0)->dims();
  const Dims& b = layer.input(1)->dims();
  if (a.rank() < 1 || b.rank() < 1) return false;
  p.m = a.rank() >= 2 ? a[a.rank() - 2] : 1;
  p.k = a[a.rank() - 1];
  p.n = b.rank() >= 2 ? b[b.rank() - 1] : 1;
  if ((b.rank() >= 2 ? b[b.rank() - 2] : b[0]) != p.k) return false;
  // Batch axes: all but the last two (right-aligned, broadcast where an extent is 1).
  const int a_batch = std::max(a.rank() - 2, 0);
  const int b_batch = std::max(b.rank() - 2, 0);
  int64_t batch = 1, a_volume = 1, b_volume = 1;
  for (int axis = 0; axis < std::max(a_batch, b_batch); ++axis) {
    const int ia = a_batch - 1 - axis;
    const int ib = b_batch - 1 - axis;
    const int64_t ea = ia >= 0 ? a[ia] : 1;
    const int64_t eb = ib >= 0 ? b[ib] : 1;
    if (ea != eb && ea != 1 && eb != 1) return false;
    batch *= std::max(ea, eb);
    a_volume *= ea;
    b_volume *= eb;
  }
  // An operand whose batch volume is the whole batch has every axis unbroadcast: entry e is its
  // e-th matrix. One of volume 1 is shared. Anything else needs more than one stride.
  auto stride = [&](int64_t volume, int64_t matrix) -> int64_t {
    return volume == 1 ? 0 : volume == batch ? matrix : -1;
  };
  p.a_stride = stride(a_volume, p.m * p.k);
  p.b_stride = stride(b_volume, p.k * p.n);
  if (p.a_stride < 0 || p.b_stride < 0) return false;
  p.batch = batch;
  if (p.b_stride == 0 && p.batch > 1 && p.a_stride != 0) {
    // One B for every entry: A's matrices are consecutive rows of one [batch · M, K] matrix.
    p.m *= p.batch;
    p.batch = 1;
    p.a_stride = 0;
  }
  return true;
}

}  // namespace

Result<KernelPtr> make_gemm(const KernelRequest& request) {
  const Layer& layer = request.layer;
  const bool is_gemm = layer.type() == OpType::kGemm;
  if (!is_gemm && layer.type() != OpType::kMatMul) return KernelPtr();
  if (layer.num_inputs() < 2 || layer.num_outputs() < 1 || layer.output(0) == nullptr) {
    return KernelPtr();
  }
  const Tensor* y = layer.output(0);
  const int inputs = std::min(layer.num_inputs(), 3);
  for (int i = 0; i < inputs; ++i) {
    const Tensor* t = layer.input(i);
    if (t == nullptr && i < 2) return KernelPtr();
    if (t != nullptr && t->dtype() != DataType::kFloat) return KernelPtr();
  }
  if (y->dtype() != DataType::kFloat || (!is_gemm && layer.num_inputs() != 2)) return KernelPtr();

  Problem p;
  CIndex ci;
  float alpha = 1.0f;
  FusedActivation activation;
  if (is_gemm) {
    const auto& attrs = layer.attrs_as<GemmAttrs>();
    if (!gemm_problem(layer, attrs, p, ci)) return KernelPtr();
    alpha = attrs.alpha;
    activation = attrs.activation;
  } else if (!matmul_problem(layer, p)) {
    return KernelPtr();
  }
  if (p.m <= 0 || p.n <= 0 || p.k <= 0 || p.batch > INT32_MAX ||
      y->dims().volume() != p.batch * p.m * p.n) {
    return KernelPtr();
  }

  const bool fp16 = request.allow_fp16;
  const std::string what = std::string(to_string(layer.type())) + " \"" + layer.name() + "\"";
  const bool has_c = inputs > 2 && layer.input(2) != nullptr;
  auto constant = [&](int i) {
    return i < inputs && layer.input(i) != nullptr && layer.input(i)->is_constant();
  };
  auto lt = std::make_unique<LtMatmul>();
  const Status described = describe(*lt, p, fp16, constant(0), constant(1), what);
  if (described.code() == StatusCode::kUnsupported) return KernelPtr();
  INT8RT_RETURN_IF_ERROR(described);

  std::vector<Dims> input_dims;
  std::array<DeviceArray, 3> constants;
  for (int i = 0; i < inputs; ++i) {
    const Tensor* t = layer.input(i);
    input_dims.push_back(t != nullptr ? t->dims() : Dims());
    if (t == nullptr || !t->is_constant()) continue;
    static const char* const kNames[3] = {" A", " B", " C"};
    // A and B in the product's data type; C read by the epilogue as float32.
    INT8RT_ASSIGN_OR_RETURN(constants[static_cast<size_t>(i)],
                            upload_values(t->constant_value(), fp16 && i < 2, what + kNames[i]));
  }
  return KernelPtr(std::make_unique<GemmKernel>(what, fp16, std::move(lt), std::move(input_dims),
                                                y->dims(), std::move(constants), has_c, alpha, ci,
                                                activation));
}

}  // namespace int8rt::cuda
