#include "backends/cpu/quantize_loops.h"

#include <oneapi/dnnl/dnnl.hpp>

#include "backends/quant.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define INT8RT_QUANTIZE_X86 1
#else
#define INT8RT_QUANTIZE_X86 0
#endif

namespace int8rt::cpu {

namespace {

void quantize_scalar(const float* x, int8_t* q, int64_t count, float scale) {
  for (int64_t i = 0; i < count; ++i)
    q[i] = quant::quantize(x[i], scale);
}

#if INT8RT_QUANTIZE_X86

// ---- SSE2 (baseline x86-64): 16 values per step, 4 float vectors packed to 16 bytes.

// Four values x / scale, NaN -> 0, clamped, rounded in the MXCSR mode (nearest even).
inline __m128i sse2_round4(__m128 x, __m128 scale, __m128 lo, __m128 hi) {
  __m128 y = _mm_div_ps(x, scale);
  y = _mm_and_ps(y, _mm_cmpord_ps(y, y));
  y = _mm_min_ps(_mm_max_ps(y, lo), hi);
  return _mm_cvtps_epi32(y);
}

void quantize_sse2(const float* x, int8_t* q, int64_t count, float scale) {
  const __m128 vs = _mm_set1_ps(scale);
  const __m128 lo = _mm_set1_ps(-quant::kQMax), hi = _mm_set1_ps(quant::kQMax);
  int64_t i = 0;
  for (; i + 16 <= count; i += 16) {
    const __m128i a = sse2_round4(_mm_loadu_ps(x + i), vs, lo, hi);
    const __m128i b = sse2_round4(_mm_loadu_ps(x + i + 4), vs, lo, hi);
    const __m128i c = sse2_round4(_mm_loadu_ps(x + i + 8), vs, lo, hi);
    const __m128i d = sse2_round4(_mm_loadu_ps(x + i + 12), vs, lo, hi);
    const __m128i packed = _mm_packs_epi16(_mm_packs_epi32(a, b), _mm_packs_epi32(c, d));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), packed);
  }
  quantize_scalar(x + i, q + i, count - i, scale);
}

// ---- AVX2: 16 values per step, 2 float vectors packed to 16 bytes.

__attribute__((target("avx2"))) inline __m256i avx2_round8(__m256 x, __m256 scale, __m256 lo,
                                                           __m256 hi) {
  __m256 y = _mm256_div_ps(x, scale);
  y = _mm256_and_ps(y, _mm256_cmp_ps(y, y, _CMP_ORD_Q));
  y = _mm256_min_ps(_mm256_max_ps(y, lo), hi);
  return _mm256_cvtps_epi32(y);
}

__attribute__((target("avx2"))) void quantize_avx2(const float* x, int8_t* q, int64_t count,
                                                   float scale) {
  const __m256 vs = _mm256_set1_ps(scale);
  const __m256 lo = _mm256_set1_ps(-quant::kQMax), hi = _mm256_set1_ps(quant::kQMax);
  int64_t i = 0;
  for (; i + 16 <= count; i += 16) {
    const __m256i a = avx2_round8(_mm256_loadu_ps(x + i), vs, lo, hi);
    const __m256i b = avx2_round8(_mm256_loadu_ps(x + i + 8), vs, lo, hi);
    // Values 0..3 | 4..7 of a, then of b: packing within 128-bit halves keeps the order.
    const __m128i a16 = _mm_packs_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
    const __m128i b16 = _mm_packs_epi32(_mm256_castsi256_si128(b), _mm256_extracti128_si256(b, 1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), _mm_packs_epi16(a16, b16));
  }
  quantize_scalar(x + i, q + i, count - i, scale);
}

// ---- AVX-512 (F): 16 values per vector, the tail under a mask.

__attribute__((target("avx512f"))) inline __m512i avx512_round16(__m512 x, __m512 scale, __m512 lo,
                                                                 __m512 hi) {
  __m512 y = _mm512_div_ps(x, scale);
  y = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(y, y, _CMP_ORD_Q), y);
  y = _mm512_min_ps(_mm512_max_ps(y, lo), hi);
  return _mm512_cvtps_epi32(y);
}

__attribute__((target("avx512f"))) void quantize_avx512(const float* x, int8_t* q, int64_t count,
                                                        float scale) {
  const __m512 vs = _mm512_set1_ps(scale);
  const __m512 lo = _mm512_set1_ps(-quant::kQMax), hi = _mm512_set1_ps(quant::kQMax);
  int64_t i = 0;
  for (; i + 32 <= count; i += 32) {
    const __m512i a = avx512_round16(_mm512_loadu_ps(x + i), vs, lo, hi);
    const __m512i b = avx512_round16(_mm512_loadu_ps(x + i + 16), vs, lo, hi);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), _mm512_cvtsepi32_epi8(a));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i + 16), _mm512_cvtsepi32_epi8(b));
  }
  for (; i < count; i += 16) {
    const int64_t n = count - i < 16 ? count - i : 16;
    const auto mask = static_cast<__mmask16>((1u << n) - 1u);
    const __m512i v = avx512_round16(_mm512_maskz_loadu_ps(mask, x + i), vs, lo, hi);
    _mm512_mask_cvtsepi32_storeu_epi8(q + i, mask, v);
  }
}

#endif  // INT8RT_QUANTIZE_X86

}  // namespace

std::string_view to_string(QuantizeIsa isa) {
  switch (isa) {
    case QuantizeIsa::kSse2:
      return "sse2";
    case QuantizeIsa::kAvx2:
      return "avx2";
    case QuantizeIsa::kAvx512:
      return "avx512";
    default:
      return "scalar";
  }
}

bool quantize_isa_supported(QuantizeIsa isa) {
#if INT8RT_QUANTIZE_X86
  switch (isa) {
    case QuantizeIsa::kAvx512:
      return __builtin_cpu_supports("avx512f");
    case QuantizeIsa::kAvx2:
      return __builtin_cpu_supports("avx2");
    default:
      return true;
  }
#else
  return isa == QuantizeIsa::kScalar;
#endif
}

QuantizeIsa best_quantize_isa() {
#if INT8RT_QUANTIZE_X86
  // oneDNN's ISA values are bit sets: every ISA's bits include those of the ISAs below it.
  const auto onednn = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  const auto has = [onednn](dnnl::cpu_isa isa) {
    const auto bits = static_cast<unsigned>(isa);
    return (onednn & bits) == bits;
  };
  if (has(dnnl::cpu_isa::avx512_core) && quantize_isa_supported(QuantizeIsa::kAvx512)) {
    return QuantizeIsa::kAvx512;
  }
  if (has(dnnl::cpu_isa::avx2) && quantize_isa_supported(QuantizeIsa::kAvx2)) {
    return QuantizeIsa::kAvx2;
  }
  return QuantizeIsa::kSse2;
#else
  return QuantizeIsa::kScalar;
#endif
}

void quantize_values(QuantizeIsa isa, const float* x, int8_t* q, int64_t count, float scale) {
#if INT8RT_QUANTIZE_X86
  switch (isa) {
    case QuantizeIsa::kAvx512:
      return quantize_avx512(x, q, count, scale);
    case QuantizeIsa::kAvx2:
      return quantize_avx2(x, q, count, scale);
    case QuantizeIsa::kSse2:
      return quantize_sse2(x, q, count, scale);
    default:
      break;
  }
#endif
  (void)isa;
  quantize_scalar(x, q, count, scale);
}

}  // namespace int8rt::cpu
