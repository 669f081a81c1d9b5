// Calibration histograms on the device (Backend::create_histogram_collector): the rules of
// calib/histogram.h computed where the activations are, so that a batch's activations never
// travel to the host; the histograms are copied back once, at the end.
//
// Per tensor the device keeps what calib::Histogram keeps: 2048 counts, the zeros, NaNs and
// infinities, the largest finite |x| and the range exponent e (range 2^e). Per batch, in stream
// order:
//   1. the batch's largest finite |x| (a max reduction on the float bits: non-negative floats
//      order as their bit patterns);
//   2. one block grows the range to cover it, merging 2^k bins into one exactly as
//      Histogram::grow_to does;
//   3. every value takes its slot: bin floor(|v| · 2^(11 - e)) (the product in double, capped at
//      the last bin, as the host's scalar loop), or the zero, NaN or Inf count; counted in shared
//      memory per block, then added to the tensor's counts.
#include <algorithm>
#include <cstring>

#include "backends/cuda/cuda_common.h"
#include "backends/cuda/cuda_kernels.h"

namespace int8rt::cuda {

namespace {

constexpr int kBins = calib::Histogram::kBins;
constexpr int kSlots = kBins + 3;  // bins, then zeros, NaNs, infinities
constexpr int kZeroSlot = kBins, kNanSlot = kBins + 1, kInfSlot = kBins + 2;
constexpr int kNoRange = calib::Histogram::kNoRange;
static_assert(kBins == 2048);

struct DeviceHistogram {
  unsigned long long counts[kSlots];
  unsigned int amax_bits;        // the largest finite |x| so far
  unsigned int batch_amax_bits;  // of the batch being added
  int exponent;                  // kNoRange while empty
};

__global__ void batch_amax_kernel(const float* __restrict__ values, int64_t count,
                                  DeviceHistogram* h) {
  unsigned int best = 0;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * blockDim.x) {
    const unsigned int bits = __float_as_uint(values[i]) & 0x7fffffffu;
    if (bits < 0x7f800000u && bits > best) best = bits;  // finite only
  }
  for (int offset = 16; offset > 0; offset /= 2)
    best = max(best, __shfl_down_sync(0xffffffffu, best, offset));
  if (threadIdx.x % 32 == 0 && best > 0) atomicMax(&h->batch_amax_bits, best);
}

// The smallest e with 2^e >= value (calib::range_exponent).
__device__ int range_exponent(double value) {
  int e = 0;
  const double mantissa = frexp(value, &e);
  return mantissa == 0.5 ? e - 1 : e;
}

// One block: the range grown to the batch's amax, the counts merged to the new bin width.
__global__ void grow_kernel(DeviceHistogram* h) {
  __shared__ unsigned long long merged[kBins];
  __shared__ int shift;
  if (threadIdx.x == 0) {
    const unsigned int batch_bits = h->batch_amax_bits;
    shift = 0;
    if (batch_bits > 0) {
      h->amax_bits = max(h->amax_bits, batch_bits);
      const int wanted = range_exponent(static_cast<double>(__uint_as_float(batch_bits)));
      if (h->exponent == kNoRange) {
        h->exponent = wanted;
      } else if (wanted > h->exponent) {
        shift = wanted - h->exponent;
        h->exponent = wanted;
      }
    }
    h->batch_amax_bits = 0;
  }
  __syncthreads();
  if (shift == 0) return;
  for (int b = threadIdx.x; b < kBins; b += blockDim.x)
    merged[b] = 0;
  __syncthreads();
  for (int b = threadIdx.x; b < kBins; b += blockDim.x)
    atomicAdd(&merged[shift >= 31 ? 0 : b >> shift], h->counts[b]);
  __syncthreads();
  for (int b = threadIdx.x; b < kBins; b += blockDim.x)
    h->counts[b] = merged[b];
}

__global__ void bin_kernel(const float* __restrict__ values, int64_t count, DeviceHistogram* h) {
  __shared__ unsigned int local[kSlots];
  for (int s = threadIdx.x; s < kSlots; s += blockDim.x)
    local[s] = 0;
  __syncthreads();
  const int exponent = h->exponent;
  const double inverse_width = exponent == kNoRange ? 0.0 : ldexp(1.0, 11 - exponent);
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * blockDim.x) {
    const unsigned int bits = __float_as_uint(values[i]) & 0x7fffffffu;
    int slot;
    if (bits == 0) {
      slot = kZeroSlot;
    } else if (bits == 0x7f800000u) {
      slot = kInfSlot;
    } else if (bits > 0x7f800000u) {
      slot = kNanSlot;
    } else {
      const double scaled = static_cast<double>(__uint_as_float(bits)) * inverse_width;
      slot = static_cast<int>(fmin(scaled, kBins - 1.0));
    }
    atomicAdd(&local[slot], 1u);
  }
  __syncthreads();
  for (int s = threadIdx.x; s < kSlots; s += blockDim.x) {
    if (local[s] != 0) atomicAdd(&h->counts[s], static_cast<unsigned long long>(local[s]));
  }
}

class CudaHistograms final : public HistogramCollector {
 public:
  static Result<std::unique_ptr<HistogramCollector>> create(size_t count) {
    auto collector = std::unique_ptr<CudaHistograms>(new CudaHistograms(count));
    const ScopedDevice scoped;
    INT8RT_RETURN_IF_ERROR(scoped.status());
    INT8RT_ASSIGN_OR_RETURN(collector->state_,
                            allocate_device(count * sizeof(DeviceHistogram), "histograms"));
    std::vector<DeviceHistogram> empty(count);
    for (DeviceHistogram& h : empty) {
      h = DeviceHistogram{};
      h.exponent = kNoRange;
    }
    INT8RT_CUDA_RETURN_IF_ERROR(
        cudaStreamCreateWithFlags(&collector->stream_, cudaStreamNonBlocking),
        "cudaStreamCreateWithFlags");
    INT8RT_CUDA_RETURN_IF_ERROR(
        cudaMemcpyAsync(collector->state_.get(), empty.data(), count * sizeof(DeviceHistogram),
                        cudaMemcpyHostToDevice, collector->stream_),
        "cudaMemcpyAsync");
    INT8RT_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(collector->stream_), "cudaStreamSynchronize");
    return std::unique_ptr<HistogramCollector>(std::move(collector));
  }
  ~CudaHistograms() override {
    const ScopedDevice scoped;
    if (stream_ != nullptr) {
      (void)cudaStreamSynchronize(stream_);
      (void)cudaStreamDestroy(stream_);
    }
  }

  // The values are ready (the pass waited for its run); the three kernels follow each other on
  // the collector's stream.
  Status add(size_t index, const void* values, size_t count) override {
    if (index >= count_) return internal_error("histogram ", index, " of ", count_);
    if (count == 0) return Status::ok();
    const ScopedDevice scoped;
    INT8RT_RETURN_IF_ERROR(scoped.status());
    auto* h = reinterpret_cast<DeviceHistogram*>(state_.get()) + index;
    const auto* v = static_cast<const float*>(values);
    const auto n = static_cast<int64_t>(count);
    const unsigned threads = 256;
    const unsigned blocks = std::min(
        blocks_for(n, threads), static_cast<unsigned>(4 * device().properties.multiProcessorCount));
    batch_amax_kernel<<<blocks, threads, 0, stream_>>>(v, n, h);
    grow_kernel<<<1, 1024, 0, stream_>>>(h);
    bin_kernel<<<blocks, threads, 0, stream_>>>(v, n, h);
    return check_launch("cuda.histogram");
  }

  Result<std::vector<calib::Histogram>> histograms() override {
    const ScopedDevice scoped;
    INT8RT_RETURN_IF_ERROR(scoped.status());
    std::vector<DeviceHistogram> host(count_);
    INT8RT_CUDA_RETURN_IF_ERROR(
        cudaMemcpyAsync(host.data(), state_.get(), count_ * sizeof(DeviceHistogram),
                        cudaMemcpyDeviceToHost, stream_),
        "cudaMemcpyAsync of the histograms");
    INT8RT_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
    std::vector<calib::Histogram> result;
    result.reserve(count_);
    for (const DeviceHistogram& h : host) {
      std::array<uint64_t, kBins> counts{};
      for (int b = 0; b < kBins; ++b)
        counts[static_cast<size_t>(b)] = h.counts[b];
      float amax = 0.0f;
      std::memcpy(&amax, &h.amax_bits, sizeof amax);
      result.push_back(calib::Histogram::from_state(counts, h.counts[kZeroSlot], h.counts[kNanSlot],
                                                    h.counts[kInfSlot], amax, h.exponent));
    }
    return result;
  }

 private:
  explicit CudaHistograms(size_t count) : count_(count) {}
  size_t count_;
  Buffer state_;
  cudaStream_t stream_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<HistogramCollector>> make_histogram_collector(size_t count) {
  return CudaHistograms::create(count);
}

}  // namespace int8rt::cuda
