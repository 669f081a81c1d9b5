// The CPU Quantize (float32 -> int8) and Dequantize (int8 -> float32) reformats, bit for bit:
//   1. each vectorized Quantize loop this CPU runs (quantize_loops.h) vs the contract written out
//      here (clamp, then round half to even, NaN -> 0) and vs quant::quantize, on random values,
//      exact ties k + 0.5, their neighbours, out-of-range and huge values, ±Inf, NaNs, ±0 and
//      subnormals, at every length 0..80 and misaligned start (the vector tails and masks);
//   2. the kernels on every layout a producer may hand them (plain, NHWC, nChw8c, nChw16c with C
//      padded, 2D and 5D), against the reference kernels, the padding included (quantized zeros).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/onednn_common.h"
#include "backends/cpu/quantize_loops.h"
#include "backends/quant.h"
#include "backends/reference/reference.h"
#include "cpu_int8_test_util.h"
#include "int8rt/network.h"

namespace int8rt {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using int8_testing::int8_equal;

// The contract (docs/int8.md) by hand: v = x / s; NaN -> 0; clamp to [-127, 127]; round to
// nearest, ties to even (the 2^23 trick: adding and subtracting 1.5 * 2^23 in float32 leaves
// |v| <= 127 rounded in the default mode, which is ties-to-even; written without nearbyint so
// that it does not share the library's rounding call).
int8_t expected_quantize(float x, float scale) {
  float v = x / scale;
  if (v != v) return 0;
  v = v < -127.0f ? -127.0f : v > 127.0f ? 127.0f : v;
  volatile float shifted = v + 12582912.0f;
  const float rounded = shifted - 12582912.0f;
  return static_cast<int8_t>(static_cast<int>(rounded));
}

std::vector<cpu::QuantizeIsa> supported_isas() {
  std::vector<cpu::QuantizeIsa> isas;
  for (cpu::QuantizeIsa isa : {cpu::QuantizeIsa::kScalar, cpu::QuantizeIsa::kSse2,
                               cpu::QuantizeIsa::kAvx2, cpu::QuantizeIsa::kAvx512}) {
    if (cpu::quantize_isa_supported(isa)) isas.push_back(isa);
  }
  return isas;
}

// Random values of every kind, for `scale`: a third uniform over ±1.5 · 127 · scale, then exact
// ties (k + 0.5) · scale (exact when scale is a power of two) and their float neighbours, and the
// special values.
std::vector<float> hard_values(int64_t count, float scale, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-190.5f * scale, 190.5f * scale);
  std::uniform_int_distribution<int> tie(-130, 129);
  std::uniform_int_distribution<int> pick(0, 11);
  const float kInf = std::numeric_limits<float>::infinity();
  const float kMax = std::numeric_limits<float>::max();
  const float specials[] = {0.0f,
                            -0.0f,
                            kInf,
                            -kInf,
                            std::numeric_limits<float>::quiet_NaN(),
                            -std::numeric_limits<float>::quiet_NaN(),
                            std::numeric_limits<float>::signaling_NaN(),
                            kMax,
                            -kMax,
                            1e30f,
                            -1e30f,
                            std::numeric_limits<float>::denorm_min(),
                            -std::numeric_limits<float>::denorm_min(),
                            std::numeric_limits<float>::min(),
                            127.0f * scale,
                            -127.0f * scale,
                            127.5f * scale,
                            -127.5f * scale,
                            128.0f * scale,
                            -128.0f * scale,
                            126.5f * scale,
                            -126.5f * scale,
                            0.5f * scale,
                            -0.5f * scale,
                            1.5f * scale,
                            -1.5f * scale,
                            2.5f * scale,
                            -2.5f * scale};
  std::uniform_int_distribution<size_t> special(0, std::size(specials) - 1);
  std::vector<float> values(static_cast<size_t>(count));
  for (float& v : values) {
    const int p = pick(rng);
    if (p < 4) {
      v = uniform(rng);
    } else if (p < 8) {
      v = (static_cast<float>(tie(rng)) + 0.5f) * scale;
      if (p == 6) v = std::nextafter(v, kInf);
      if (p == 7) v = std::nextafter(v, -kInf);
    } else {
      v = specials[special(rng)];
    }
  }
  return values;
}

TEST(CpuInt8Quantize, LoopsMatchContractOnHardValues) {
  const float scales[] = {1.0f, 0.25f, 1.0f / 64.0f, 4.0f, 3.0f / 127.0f, 0.0137f, 1e-20f, 1e20f};
  uint32_t seed = 100;
  for (float scale : scales) {
    const std::vector<float> x = hard_values(4099, scale, ++seed);
    std::vector<int8_t> expected(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      expected[i] = expected_quantize(x[i], scale);
      ASSERT_EQ(quant::quantize(x[i], scale), expected[i])
          << "quant::quantize(" << x[i] << ", " << scale << ") vs the contract by hand";
    }
    for (cpu::QuantizeIsa isa : supported_isas()) {
      SCOPED_TRACE("isa=" + std::string(cpu::to_string(isa)) + " scale=" + std::to_string(scale) +
                   " seed=" + std::to_string(seed));
      std::vector<int8_t> q(x.size(), 99);
      cpu::quantize_values(isa, x.data(), q.data(), static_cast<int64_t>(x.size()), scale);
      EXPECT_TRUE(int8_equal(q, expected));
    }
  }
}

TEST(CpuInt8Quantize, LoopsEveryTieAndBoundary) {
  // Scale 1: every tie k + 0.5 in [-140, 140] and its neighbours, and each integer.
  std::vector<float> x;
  for (int k = -140; k <= 140; ++k) {
    const float tie = static_cast<float>(k) + 0.5f;
    x.insert(x.end(),
             {tie, std::nextafter(tie, 1e9f), std::nextafter(tie, -1e9f), static_cast<float>(k)});
  }
  std::vector<int8_t> expected(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    expected[i] = expected_quantize(x[i], 1.0f);
  // A few by hand: ties to even, clamped before rounding.
  EXPECT_EQ(expected_quantize(2.5f, 1.0f), 2);
  EXPECT_EQ(expected_quantize(-2.5f, 1.0f), -2);
  EXPECT_EQ(expected_quantize(3.5f, 1.0f), 4);
  EXPECT_EQ(expected_quantize(126.5f, 1.0f), 126);
  EXPECT_EQ(expected_quantize(127.5f, 1.0f), 127);
  EXPECT_EQ(expected_quantize(-1000.0f, 1.0f), -127);
  for (cpu::QuantizeIsa isa : supported_isas()) {
    SCOPED_TRACE("isa=" + std::string(cpu::to_string(isa)));
    std::vector<int8_t> q(x.size(), 99);
    cpu::quantize_values(isa, x.data(), q.data(), static_cast<int64_t>(x.size()), 1.0f);
    EXPECT_TRUE(int8_equal(q, expected));
  }
}

TEST(CpuInt8Quantize, LoopsEveryLengthAndAlignment) {
  const float scale = 0.125f;
  const std::vector<float> x = hard_values(128, scale, 7);
  for (cpu::QuantizeIsa isa : supported_isas()) {
    for (int64_t offset = 0; offset < 4; ++offset) {
      for (int64_t count = 0; count <= 80; ++count) {
        SCOPED_TRACE("isa=" + std::string(cpu::to_string(isa)) +
                     " offset=" + std::to_string(offset) + " count=" + std::to_string(count));
        // Guard bytes around the output: the loop writes exactly `count` values.
        std::vector<int8_t> q(96, 99);
        cpu::quantize_values(isa, x.data() + offset, q.data() + offset, count, scale);
        std::vector<int8_t> expected(96, 99);
        for (int64_t i = 0; i < count; ++i)
          expected[static_cast<size_t>(offset + i)] =
              expected_quantize(x[static_cast<size_t>(offset + i)], scale);
        ASSERT_TRUE(int8_equal(q, expected));
      }
    }
  }
}

TEST(CpuInt8Quantize, BestIsaIsSupported) {
  const cpu::QuantizeIsa best = cpu::best_quantize_isa();
  EXPECT_TRUE(cpu::quantize_isa_supported(best)) << cpu::to_string(best);
}

// ---- The kernels on every layout.

// `bytes` of `dims`/`type` from layout `from` into `to` (the backend's reorder, which zero-fills
// block padding).
std::vector<std::byte> relayout(DataType type, const Dims& dims, const Layout& from,
                                const Layout& to, const std::vector<std::byte>& bytes,
                                size_t to_size) {
  if (from == to) return bytes;
  auto reorder = cpu::create_reorder(type, dims, from, to);
  EXPECT_TRUE(reorder.is_ok()) << reorder.status().to_string();
  if (!reorder.is_ok()) return {};
  std::vector<std::byte> out(to_size);
  const void* in_ptr = bytes.data();
  void* out_ptr = out.data();
  std::vector<std::byte> scratch((*reorder)->scratch_bytes() + 64);
  KernelIo io{std::span<const void* const>(&in_ptr, 1), std::span<void* const>(&out_ptr, 1),
              scratch.data(), nullptr};
  const Status status = (*reorder)->execute(io);
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  return out;
}

size_t size_in(const Layout& layout, const Dims& dims, DataType type) {
  return layout.is_plain() ? static_cast<size_t>(dims.volume()) * element_size(type)
                           : layout.desc()->byte_size();
}

Status run_kernel(const Kernel& kernel, const std::vector<std::byte>& in,
                  std::vector<std::byte>& out) {
  const void* in_ptr = in.data();
  void* out_ptr = out.data();
  KernelIo io{std::span<const void* const>(&in_ptr, 1), std::span<void* const>(&out_ptr, 1),
              nullptr, nullptr};
  return kernel.execute(io);
}

template <typename T>
std::vector<std::byte> to_bytes(const std::vector<T>& values) {
  std::vector<std::byte> bytes(values.size() * sizeof(T));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

// A Quantize or Dequantize of `dims` with int8 range ±amax, its input in `format` (format_tag::any:
// plain): the CPU kernel's output, in its layout, equals the reference kernel's plain output
// reordered into that layout (so padding must hold zeros), byte for byte.
void check_reformat(OpType type, const Dims& dims, tag format, float amax, uint32_t seed) {
  const bool quantize = type == OpType::kQuantize;
  const DataType in_type = quantize ? DataType::kFloat : DataType::kInt8;
  const DataType out_type = quantize ? DataType::kInt8 : DataType::kFloat;
  Network net;
  Tensor* x = net.add_input("x", in_type, dims).value();
  if (!quantize) {
    ASSERT_TRUE(x->set_dynamic_range(-amax, amax).is_ok());
  }
  Layer* layer = net.add_layer(type, "reformat", {x}, NoAttrs{}, {"y"}).value();
  Tensor* y = layer->output(0);
  y->set_dims(dims);
  y->set_dtype(out_type);
  if (quantize) {
    ASSERT_TRUE(y->set_dynamic_range(-amax, amax).is_ok());
  }

  const Layout layout = format == tag::any
                            ? Layout()
                            : cpu::to_layout(memory::desc(cpu::to_onednn_dims(dims),
                                                          cpu::to_onednn(in_type), format));
  SCOPED_TRACE(std::string(quantize ? "Quantize" : "Dequantize") + " dims=" + dims.to_string() +
               " layout=" + layout.to_string() + " amax=" + std::to_string(amax) +
               " seed=" + std::to_string(seed));
  auto kernel = cpu::create_kernel(*layer, std::span<const Layout>(&layout, 1));
  ASSERT_TRUE(kernel.is_ok()) << kernel.status().to_string();
  ASSERT_NE(*kernel, nullptr) << "no CPU kernel";
  const Kernel& k = **kernel;
  EXPECT_EQ(k.name().rfind(quantize ? "cpu.quantize" : "onednn.dequantize", 0), 0u) << k.name();
  EXPECT_EQ(k.input_layout(0), layout) << k.input_layout(0).to_string();

  std::vector<std::byte> plain_in;
  if (quantize) {
    plain_in = to_bytes(hard_values(dims.volume(), amax / 127.0f, seed));
  } else {
    std::vector<int8_t> q(static_cast<size_t>(dims.volume()));
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> value(-128, 127);
    for (int8_t& v : q)
      v = static_cast<int8_t>(value(rng));
    plain_in = to_bytes(q);
  }
  const std::vector<std::byte> in = relayout(in_type, dims, Layout(), k.input_layout(0), plain_in,
                                             size_in(k.input_layout(0), dims, in_type));
  const Layout out_layout = k.output_layout(0);
  std::vector<std::byte> out(size_in(out_layout, dims, out_type), std::byte{0x5a});
  const Status status = run_kernel(k, in, out);
  ASSERT_TRUE(status.is_ok()) << status.to_string();

  auto ref_kernel = reference::create_kernel(*layer);
  ASSERT_TRUE(ref_kernel.is_ok()) << ref_kernel.status().to_string();
  std::vector<std::byte> ref_plain(size_in(Layout(), dims, out_type));
  ASSERT_TRUE(run_kernel(**ref_kernel, plain_in, ref_plain).is_ok());
  const std::vector<std::byte> expected =
      relayout(out_type, dims, Layout(), out_layout, ref_plain, out.size());
  ASSERT_EQ(out.size(), expected.size());
  if (quantize) {
    std::vector<int8_t> got(out.size()), want(out.size());
    std::memcpy(got.data(), out.data(), out.size());
    std::memcpy(want.data(), expected.data(), out.size());
    EXPECT_TRUE(int8_equal(got, want)) << k.name() << " vs " << (*ref_kernel)->name();
  } else {
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i] != expected[i] && bad++ == 0) first = i;
    }
    EXPECT_EQ(bad, 0u) << "bytes differ from " << (*ref_kernel)->name() << ", the first at byte "
                       << first;
  }
}

struct LayoutCase {
  Dims dims;
  tag format;
};

std::vector<LayoutCase> layout_cases() {
  return {
      {Dims{2, 3, 7, 5}, tag::any},
      {Dims{50, 16, 28, 28}, tag::any},       // the stem output of a batch of 50: many chunks
      {Dims{3, 20, 37, 41}, tag::nhwc},       // not a multiple of any vector width
      {Dims{3, 20, 37, 41}, tag::nChw16c},    // C padded to 32
      {Dims{2, 12, 9, 9}, tag::nChw8c},       // C padded to 16
      {Dims{4, 64, 14, 14}, tag::nChw16c},    // no padding
      {Dims{5, 33}, tag::any},                // Gemm input
      {Dims{2, 24, 3, 4, 5}, tag::nCdhw16c},  // 5D, padded
  };
}

TEST(CpuInt8Quantize, QuantizeKernelEveryLayoutMatchesReference) {
  uint32_t seed = 300;
  for (const LayoutCase& c : layout_cases()) {
    for (float amax : {1.0f, 2.7f}) {
      check_reformat(OpType::kQuantize, c.dims, c.format, amax, ++seed);
    }
  }
}

TEST(CpuInt8Quantize, DequantizeKernelEveryLayoutMatchesReference) {
  uint32_t seed = 400;
  for (const LayoutCase& c : layout_cases())
    check_reformat(OpType::kDequantize, c.dims, c.format, 2.7f, ++seed);
}

TEST(CpuInt8Quantize, KernelUsesTheBestIsa) {
  Network net;
  const Dims dims{1, 8, 4, 4};
  Tensor* x = net.add_input("x", DataType::kFloat, dims).value();
  Layer* layer = net.add_layer(OpType::kQuantize, "q", {x}, NoAttrs{}, {"y"}).value();
  layer->output(0)->set_dims(dims);
  layer->output(0)->set_dtype(DataType::kInt8);
  ASSERT_TRUE(layer->output(0)->set_dynamic_range(-1.0f, 1.0f).is_ok());
  std::vector<Layout> plain(1);
  auto kernel = cpu::create_kernel(*layer, plain);
  ASSERT_TRUE(kernel.is_ok() && *kernel != nullptr);
  EXPECT_EQ((*kernel)->name(),
            "cpu.quantize(" + std::string(cpu::to_string(cpu::best_quantize_isa())) + ")");
}

}  // namespace
}  // namespace int8rt
