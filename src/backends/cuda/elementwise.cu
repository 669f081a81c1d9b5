// Float elementwise ops on the device: the unary math ops and activations, the broadcasting binary
// ops (Add, Sub, Mul, Div, Pow, two-input Max and Min) and inference BatchNormalization.
//
// Storage: plain float32, or plain half when the layer runs FP16 (half -> float on load, float
// arithmetic, round to nearest half on store); constant operands are always plain float32.
//
// Numbers: the reference's formulas (reference/unary.cpp, activation.cpp, elementwise.cpp,
// normalization.cpp). Products, sums and quotients are explicit round-to-nearest intrinsics, so
// nvcc never contracts a·x + b into a fused multiply-add the host does not do; min, max and
// comparisons are written as the reference's std::min/std::max and ternaries, with the same NaN
// results. Transcendentals are CUDA's float functions (expf, tanhf, erff, log1pf, expm1f: within
// 1-2 ulp of glibc). Pow is pow in double rounded to float: nearly always the correctly rounded
// powf, as glibc's powf is (CUDA's own powf may be 2 ulp off). BatchNormalization runs in double
// as the reference does, in the same operation order: its float32 results are the reference's bit
// for bit.
#include <cuda_fp16.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backends/cuda/broadcast.cuh"
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/float_io.cuh"
#include "backends/cuda/quant_device.cuh"
#include "ir/ops/op_util.h"

namespace int8rt::cuda {

namespace {

constexpr unsigned kThreads = 256;

// "LeakyRelu" -> "leaky_relu".
std::string snake_case(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') {
      if (!out.empty()) out += '_';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

std::string kernel_name(const Layer& layer, bool fp16) {
  return "cuda." + snake_case(to_string(layer.type())) + (fp16 ? "(half)" : "");
}

// ------------------------------------------------------------------ unary

enum class UnaryOp : uint8_t {
  kRelu,
  kLeakyRelu,
  kClip,
  kSigmoid,
  kTanh,
  kHardSigmoid,
  kHardSwish,
  kElu,
  kSoftplus,
  kAbs,
  kNeg,
  kSqrt,
  kReciprocal,
  kExp,
  kLog,
  kFloor,
  kCeil,
  kErf,
};

struct UnaryParams {
  UnaryOp op = UnaryOp::kRelu;
  // LeakyRelu, Elu: alpha. HardSigmoid: alpha, beta. Clip: lo, hi.
  float alpha = 0.0f;
  float beta = 0.0f;
  int64_t count = 0;
};

__device__ __forceinline__ float unary(const UnaryParams& p, float x) {
  switch (p.op) {
    case UnaryOp::kRelu:
      return x < 0.0f ? 0.0f : x;
    case UnaryOp::kLeakyRelu:
      return x < 0.0f ? __fmul_rn(p.alpha, x) : x;
    case UnaryOp::kClip:  // std::min(std::max(x, lo), hi): NaN passes, lo > hi gives hi
      return std_min(std_max(x, p.alpha), p.beta);
    case UnaryOp::kSigmoid:  // 1 / (1 + exp(-x))
      return __fdiv_rn(1.0f, __fadd_rn(1.0f, expf(-x)));
    case UnaryOp::kTanh:
      return tanhf(x);
    case UnaryOp::kHardSigmoid:  // max(0, min(1, alpha * x + beta))
      return std_max(0.0f, std_min(1.0f, __fadd_rn(__fmul_rn(p.alpha, x), p.beta)));
    case UnaryOp::kHardSwish:  // x * max(0, min(1, x * (1/6) + 1/2))
      return __fmul_rn(x, std_max(0.0f, std_min(1.0f, __fadd_rn(__fmul_rn(x, 1.0f / 6.0f), 0.5f))));
    case UnaryOp::kElu:  // x < 0 ? alpha * (exp(x) - 1) : x
      return x < 0.0f ? __fmul_rn(p.alpha, expm1f(x)) : x;
    case UnaryOp::kSoftplus:  // log(1 + exp(x)), as x + log1p(exp(-x)) for x > 0
      return x > 0.0f ? __fadd_rn(x, log1pf(expf(-x))) : log1pf(expf(x));
    case UnaryOp::kAbs:
      return x < 0.0f ? __fsub_rn(0.0f, x) : x;
    case UnaryOp::kNeg:  // 0 - x, as the reference (so -(+0) is +0)
      return __fsub_rn(0.0f, x);
    case UnaryOp::kSqrt:
      return __fsqrt_rn(x);
    case UnaryOp::kReciprocal:
      return __fdiv_rn(1.0f, x);
    case UnaryOp::kExp:
      return expf(x);
    case UnaryOp::kLog:
      return logf(x);
    case UnaryOp::kFloor:
      return floorf(x);
    case UnaryOp::kCeil:
      return ceilf(x);
    case UnaryOp::kErf:
      return erff(x);
  }
  return x;
}

// y[i] = f(x[i]); x and y may be the same buffer (each element is read, then written, by one
// thread), so no __restrict__.
template <typename In, typename Out>
__global__ void unary_kernel(const In* x, Out* y, UnaryParams p) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < p.count;
       i += int64_t{gridDim.x} * blockDim.x) {
    store_float(y, i, unary(p, load_float(x, i)));
  }
}

class UnaryKernel final : public CudaKernel {
 public:
  UnaryKernel(std::string name, UnaryParams params, Dims dims, bool half_in, bool half_out)
      : CudaKernel(std::move(name)),
        params_(params),
        dims_(std::move(dims)),
        half_in_(half_in),
        half_out_(half_out) {}
  Layout input_layout(int index) const override {
    return index == 0 && half_in_ ? half_layout(dims_) : Layout();
  }
  Layout output_layout(int) const override { return half_out_ ? half_layout(dims_) : Layout(); }
  int inplace_input() const override { return half_in_ == half_out_ ? 0 : -1; }
  bool captures_input(int index) const override { return index > 0; }  // Clip's min and max

 protected:
  Status launch(const KernelIo& io, cudaStream_t stream) const override {
    const unsigned blocks = blocks_for(params_.count, kThreads);
    const void* x = io.inputs[0];
    void* y = io.outputs[0];
    if (half_in_) {  // FP16 storage: the output is half too
      unary_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<const __half*>(x),
                                                    static_cast<__half*>(y), params_);
    } else if (half_out_) {  // a constant float32 input of an FP16 layer
      unary_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<const float*>(x),
                                                    static_cast<__half*>(y), params_);
    } else {
      unary_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<const float*>(x),
                                                    static_cast<float*>(y), params_);
    }
    return Status::ok();
  }

 private:
  UnaryParams params_;
  Dims dims_;
  bool half_in_, half_out_;
};

// A constant float scalar parameter (Clip's min or max): its value, `fallback` when absent, or
// nullopt when it is computed at run time (or is not one float).
std::optional<float> constant_scalar(const Layer& layer, int index, float fallback) {
  if (index >= layer.num_inputs() || layer.input(index) == nullptr) return fallback;
  const Tensor* t = layer.input(index);
  if (!t->is_constant() || t->dtype() != DataType::kFloat || t->constant_value().count() != 1) {
    return std::nullopt;
  }
  return t->constant_value().data_as<float>()[0];
}

// ------------------------------------------------------------------ binary

enum class BinaryOp : uint8_t { kAdd, kSub, kMul, kDiv, kPow, kMax, kMin };

struct BinaryParams {
  BinaryOp op = BinaryOp::kAdd;
  int64_t count = 0;
  bool same_shape = true;  // both operands have the output's shape: offsets are i itself
  BroadcastIndex index;
};

__device__ __forceinline__ float binary(BinaryOp op, float a, float b) {
  switch (op) {
    case BinaryOp::kAdd:
      return __fadd_rn(a, b);
    case BinaryOp::kSub:
      return __fsub_rn(a, b);
    case BinaryOp::kMul:
      return __fmul_rn(a, b);
    case BinaryOp::kDiv:
      return __fdiv_rn(a, b);
    case BinaryOp::kPow:
      return __double2float_rn(pow(static_cast<double>(a), static_cast<double>(b)));
    case BinaryOp::kMax:  // NaN propagates (numpy's maximum), else a < b ? b : a
      return isnan(a) ? a : isnan(b) ? b : (a < b ? b : a);
    case BinaryOp::kMin:
      return isnan(a) ? a : isnan(b) ? b : (b < a ? b : a);
  }
  return a;
}

// y[i] = op(a[offset_a(i)], b[offset_b(i)]); y may share a same-shape operand's buffer.
template <typename A, typename B, typename Y>
__global__ void binary_kernel(const A* a, const B* b, Y* y, BinaryParams p) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < p.count;
       i += int64_t{gridDim.x} * blockDim.x) {
    int64_t ia = i, ib = i;
    if (!p.same_shape) p.index.offsets(i, ia, ib);
    store_float(y, i, binary(p.op, load_float(a, ia), load_float(b, ib)));
  }
}

template <typename A, typename B, typename Y>
void launch_binary(const void* a, const void* b, void* y, const BinaryParams& p,
                   cudaStream_t stream) {
  binary_kernel<<<blocks_for(p.count, kThreads), kThreads, 0, stream>>>(
      static_cast<const A*>(a), static_cast<const B*>(b), static_cast<Y*>(y), p);
}

template <typename A, typename B>
void launch_binary_out(bool half_y, const void* a, const void* b, void* y, const BinaryParams& p,
                       cudaStream_t stream) {
  if (half_y) {
    launch_binary<A, B, __half>(a, b, y, p, stream);
  } else {
    launch_binary<A, B, float>(a, b, y, p, stream);
  }
}

class BinaryKernel final : public CudaKernel {
 public:
  // stored_half[0], [1]: operand stored as half (else float32); [2]: the output.
  // `captured_b`: the second operand uploaded at creation (Pow's integer exponent, as float).
  BinaryKernel(std::string name, BinaryParams params, Dims a, Dims b, Dims y,
               std::array<bool, 3> stored_half, int inplace, DeviceArray captured_b)
      : CudaKernel(std::move(name)),
        params_(params),
        dims_{std::move(a), std::move(b), std::move(y)},
        half_(stored_half),
        inplace_(inplace),
        captured_b_(std::move(captured_b)) {}
  Layout input_layout(int index) const override {
    const auto i = static_cast<size_t>(index);
    return i < 2 && half_[i] ? half_layout(dims_[i]) : Layout();
  }
  Layout output_layout(int) const override { return half_[2] ? half_layout(dims_[2]) : Layout(); }
  int inplace_input() const override { return inplace_; }
  bool captures_input(int index) const override { return index == 1 && !captured_b_.empty(); }

 protected:
  Status launch(const KernelIo& io, cudaStream_t stream) const override {
    const void* a = io.inputs[0];
    const void* b = captured_b_.empty() ? io.inputs[1] : captured_b_.as<float>();
    void* y = io.outputs[0];
    if (half_[0] && half_[1]) {
      launch_binary_out<__half, __half>(half_[2], a, b, y, params_, stream);
    } else if (half_[0]) {
      launch_binary_out<__half, float>(half_[2], a, b, y, params_, stream);
    } else if (half_[1]) {
      launch_binary_out<float, __half>(half_[2], a, b, y, params_, stream);
    } else {
      launch_binary_out<float, float>(half_[2], a, b, y, params_, stream);
    }
    return Status::ok();
  }

 private:
  BinaryParams params_;
  std::array<Dims, 3> dims_;
  std::array<bool, 3> half_;
  int inplace_;
  DeviceArray captured_b_;
};

// The broadcast of `a` and `b` to `out` with the axes simplified: extent-1 output axes dropped,
// and neighbouring axes merged where each operand is either whole on both or broadcast on both
// (e.g. [N, C, H, W] + [1, C, 1, 1] becomes [N, C, HW] + [1, C, 1]). False when more than
// kMaxRank axes remain.
bool make_broadcast(const Dims& a, const Dims& b, const Dims& out, BroadcastIndex& index) {
  const int rank = out.rank();
  auto extent_in = [rank](const Dims& d, int axis) {
    const int in_axis = axis - (rank - d.rank());
    return in_axis >= 0 ? d[in_axis] : int64_t{1};
  };
  std::vector<int64_t> ea, eb, eo;  // merged extents
  for (int axis = 0; axis < rank; ++axis) {
    if (out[axis] == 1) continue;
    const int64_t xa = extent_in(a, axis), xb = extent_in(b, axis);
    if (!eo.empty() && (ea.back() == 1) == (xa == 1) && (eb.back() == 1) == (xb == 1)) {
      ea.back() *= xa;
      eb.back() *= xb;
      eo.back() *= out[axis];
    } else {
      ea.push_back(xa);
      eb.push_back(xb);
      eo.push_back(out[axis]);
    }
  }
  return BroadcastIndex::make(Dims(ea), Dims(eb), Dims(eo), index);
}

// Pow's exponent when it is an integer constant whose values float holds exactly (|e| <= 2^24),
// as float; nullopt otherwise.
std::optional<std::vector<float>> integer_exponent(const Tensor* t) {
  if (!t->is_constant() || (t->dtype() != DataType::kInt32 && t->dtype() != DataType::kInt64)) {
    return std::nullopt;
  }
  std::vector<float> values;
  for (int64_t e : t->constant_value().to_int64()) {
    if (e < -(int64_t{1} << 24) || e > (int64_t{1} << 24)) return std::nullopt;
    values.push_back(static_cast<float>(e));
  }
  return values;
}

// ------------------------------------------------------------------ BatchNormalization

// One channel's constants, as the reference computes them: inv_std = 1 / sqrt(var + epsilon) in
// double; mean, scale and bias are the float32 values.
struct BnChannel {
  double mean, inv_std, scale, bias;
};

struct BnParams {
  int64_t count = 0;
  int64_t channels = 1;
  int64_t inner = 1;  // elements per (n, c): the product of the axes after 1
};

// y = float((double(x) - mean) · inv_std · scale + bias), each operation rounded in double in the
// reference's order; x and y may be the same buffer.
template <typename T>
__global__ void batchnorm_kernel(const T* x, T* y, const BnChannel* __restrict__ channels,
                                 BnParams p) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < p.count;
       i += int64_t{gridDim.x} * blockDim.x) {
    const BnChannel ch = channels[i / p.inner % p.channels];
    const double centered = __dsub_rn(static_cast<double>(load_float(x, i)), ch.mean);
    const double v = __dadd_rn(__dmul_rn(__dmul_rn(centered, ch.inv_std), ch.scale), ch.bias);
    store_float(y, i, __double2float_rn(v));
  }
}

class BatchNormKernel final : public CudaKernel {
 public:
  BatchNormKernel(BnParams params, Dims dims, bool fp16, DeviceArray channels)
      : CudaKernel(fp16 ? "cuda.batchnorm(half)" : "cuda.batchnorm"),
        params_(params),
        dims_(std::move(dims)),
        half_(fp16),
        channels_(std::move(channels)) {}
  Layout input_layout(int index) const override {
    return index == 0 && half_ ? half_layout(dims_) : Layout();
  }
  Layout output_layout(int) const override { return half_ ? half_layout(dims_) : Layout(); }
  int inplace_input() const override { return 0; }
  bool captures_input(int index) const override { return index > 0; }

 protected:
  Status launch(const KernelIo& io, cudaStream_t stream) const override {
    const unsigned blocks = blocks_for(params_.count, kThreads);
    const auto* channels = channels_.as<BnChannel>();
    if (half_) {
      batchnorm_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<const __half*>(io.inputs[0]),
                                                        static_cast<__half*>(io.outputs[0]),
                                                        channels, params_);
    } else {
      batchnorm_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<const float*>(io.inputs[0]),
                                                        static_cast<float*>(io.outputs[0]),
                                                        channels, params_);
    }
    return Status::ok();
  }

 private:
  BnParams params_;
  Dims dims_;
  bool half_;
  DeviceArray channels_;
};

}  // namespace

Result<KernelPtr> make_unary(const KernelRequest& request) {
  const Layer& layer = request.layer;
  const Tensor* x = layer.input(0);
  const Tensor* y = layer.output(0);
  if (x == nullptr || y == nullptr || x->dtype() != DataType::kFloat ||
      y->dtype() != DataType::kFloat || x->dims() != y->dims()) {
    return KernelPtr();
  }
  static constexpr std::pair<OpType, UnaryOp> kOps[] = {
      {OpType::kRelu, UnaryOp::kRelu},
      {OpType::kLeakyRelu, UnaryOp::kLeakyRelu},
      {OpType::kClip, UnaryOp::kClip},
      {OpType::kSigmoid, UnaryOp::kSigmoid},
      {OpType::kTanh, UnaryOp::kTanh},
      {OpType::kHardSigmoid, UnaryOp::kHardSigmoid},
      {OpType::kHardSwish, UnaryOp::kHardSwish},
      {OpType::kElu, UnaryOp::kElu},
      {OpType::kSoftplus, UnaryOp::kSoftplus},
      {OpType::kAbs, UnaryOp::kAbs},
      {OpType::kNeg, UnaryOp::kNeg},
      {OpType::kSqrt, UnaryOp::kSqrt},
      {OpType::kReciprocal, UnaryOp::kReciprocal},
      {OpType::kExp, UnaryOp::kExp},
      {OpType::kLog, UnaryOp::kLog},
      {OpType::kFloor, UnaryOp::kFloor},
      {OpType::kCeil, UnaryOp::kCeil},
      {OpType::kErf, UnaryOp::kErf},
  };
  const auto* entry = std::find_if(std::begin(kOps), std::end(kOps),
                                   [&](const auto& e) { return e.first == layer.type(); });
  if (entry == std::end(kOps)) return KernelPtr();
  UnaryParams p;
  p.op = entry->second;
  p.count = y->dims().volume();
  switch (p.op) {
    case UnaryOp::kLeakyRelu:
      p.alpha = layer.attrs_as<LeakyReluAttrs>().alpha;
      break;
    case UnaryOp::kElu:
      p.alpha = layer.attrs_as<EluAttrs>().alpha;
      break;
    case UnaryOp::kHardSigmoid:
      p.alpha = layer.attrs_as<HardSigmoidAttrs>().alpha;
      p.beta = layer.attrs_as<HardSigmoidAttrs>().beta;
      break;
    case UnaryOp::kClip: {
      const std::optional<float> lo =
          constant_scalar(layer, 1, -std::numeric_limits<float>::infinity());
      const std::optional<float> hi =
          constant_scalar(layer, 2, std::numeric_limits<float>::infinity());
      if (!lo || !hi) return KernelPtr();  // bounds computed at run time
      p.alpha = *lo;
      p.beta = *hi;
      break;
    }
    default:
      break;
  }
  const bool half_out = request.allow_fp16;
  const bool half_in = half_out && !x->is_constant();
  return KernelPtr(
      std::make_unique<UnaryKernel>(kernel_name(layer, half_out), p, y->dims(), half_in, half_out));
}

Result<KernelPtr> make_binary(const KernelRequest& request) {
  const Layer& layer = request.layer;
  static constexpr std::pair<OpType, BinaryOp> kOps[] = {
      {OpType::kAdd, BinaryOp::kAdd}, {OpType::kSub, BinaryOp::kSub},
      {OpType::kMul, BinaryOp::kMul}, {OpType::kDiv, BinaryOp::kDiv},
      {OpType::kPow, BinaryOp::kPow}, {OpType::kMax, BinaryOp::kMax},
      {OpType::kMin, BinaryOp::kMin},
  };
  const auto* entry = std::find_if(std::begin(kOps), std::end(kOps),
                                   [&](const auto& e) { return e.first == layer.type(); });
  if (entry == std::end(kOps)) return KernelPtr();
  BinaryParams p;
  p.op = entry->second;
  if (layer.num_inputs() != 2 || layer.num_outputs() < 1) return KernelPtr();
  const Tensor* a = layer.input(0);
  const Tensor* b = layer.input(1);
  const Tensor* y = layer.output(0);
  if (a == nullptr || b == nullptr || y == nullptr || a->dtype() != DataType::kFloat ||
      y->dtype() != DataType::kFloat) {
    return KernelPtr();
  }
  DeviceArray captured_b;
  if (b->dtype() != DataType::kFloat) {
    // Pow(float, integer): the reference raises to the exponent's value; with |e| <= 2^24 float
    // holds it exactly, so the float exponent gives the same pow.
    const std::optional<std::vector<float>> exponent =
        p.op == BinaryOp::kPow ? integer_exponent(b) : std::nullopt;
    if (!exponent) return KernelPtr();
    INT8RT_ASSIGN_OR_RETURN(captured_b,
                            DeviceArray::upload(*exponent, ir::describe(layer) + " exponent"));
  }
  p.count = y->dims().volume();
  p.same_shape = a->dims() == y->dims() && b->dims() == y->dims();
  if (!p.same_shape && !make_broadcast(a->dims(), b->dims(), y->dims(), p.index)) {
    return KernelPtr();
  }
  const bool fp16 = request.allow_fp16;
  const std::array<bool, 3> stored_half = {fp16 && !a->is_constant(),
                                           fp16 && !b->is_constant() && captured_b.empty(), fp16};
  // In place over an operand of the output's shape and storage (never a constant).
  int inplace = -1;
  if (a->dims() == y->dims() && stored_half[0] == stored_half[2] && !a->is_constant()) {
    inplace = 0;
  } else if (b->dims() == y->dims() && stored_half[1] == stored_half[2] && !b->is_constant()) {
    inplace = 1;
  }
  return KernelPtr(std::make_unique<BinaryKernel>(kernel_name(layer, fp16), p, a->dims(), b->dims(),
                                                  y->dims(), stored_half, inplace,
                                                  std::move(captured_b)));
}

Result<KernelPtr> make_batchnorm(const KernelRequest& request) {
  const Layer& layer = request.layer;
  if (layer.num_inputs() != 5 || layer.num_outputs() < 1) return KernelPtr();
  if (layer.num_outputs() > 1) {
    for (int i = 1; i < layer.num_outputs(); ++i) {
      if (layer.output(i) != nullptr) return KernelPtr();  // training-mode outputs
    }
  }
  const Tensor* x = layer.input(0);
  const Tensor* y = layer.output(0);
  if (x == nullptr || y == nullptr || x->dtype() != DataType::kFloat ||
      y->dtype() != DataType::kFloat || x->dims().rank() < 2 || x->dims() != y->dims() ||
      x->is_constant()) {
    return KernelPtr();  // a constant input is folded at build time
  }
  const Dims& d = x->dims();
  const int64_t channels = d[1];
  std::array<const float*, 4> values{};  // scale, B, mean, var
  for (int i = 1; i <= 4; ++i) {
    const Tensor* t = layer.input(i);
    if (t == nullptr || !t->is_constant() || t->dtype() != DataType::kFloat ||
        t->constant_value().count() != channels) {
      return KernelPtr();
    }
    values[static_cast<size_t>(i - 1)] = t->constant_value().data_as<float>();
  }
  const double epsilon = layer.attrs_as<BatchNormAttrs>().epsilon;
  std::vector<BnChannel> table(static_cast<size_t>(channels));
  for (size_t c = 0; c < table.size(); ++c) {
    table[c] = {values[2][c], 1.0 / std::sqrt(static_cast<double>(values[3][c]) + epsilon),
                values[0][c], values[1][c]};
  }
  INT8RT_ASSIGN_OR_RETURN(DeviceArray device_table,
                          DeviceArray::upload(table, ir::describe(layer) + " parameters"));
  BnParams p;
  p.count = d.volume();
  p.channels = channels > 0 ? channels : 1;
  p.inner = d[0] * channels > 0 ? p.count / (d[0] * channels) : 1;
  if (p.inner < 1) p.inner = 1;
  return KernelPtr(
      std::make_unique<BatchNormKernel>(p, d, request.allow_fp16, std::move(device_table)));
}

}  // namespace int8rt::cuda
