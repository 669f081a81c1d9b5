// oneDNN INT8 MaxPool / AveragePool / GlobalAveragePool vs the contract written out as naive
// loops and vs the reference INT8 kernels, on random INT8 data and random scales: INT8 outputs
// equal (tolerance 0). A float32 (dequantized) output stays on the reference kernel.
#include <gtest/gtest.h>

#include "cpu_int8_test_util.h"

namespace int8rt {
namespace {

using namespace int8_testing;

struct Int8PoolCase {
  OpType op = OpType::kMaxPool;
  int64_t n = 1, c = 16, h = 9, w = 9;
  std::vector<int64_t> kernel = {3, 3}, strides = {2, 2}, pads = {1, 1, 1, 1};
  bool count_include_pad = false;
  bool ceil_mode = false;
  float out_ratio = 1.0f;  // s_out = s_in · out_ratio
  bool int8_output = true;

  std::string to_string() const {
    std::ostringstream out;
    out << "INT8 " << int8rt::to_string(op) << " n=" << n << " c=" << c << " in=" << h << "x" << w
        << " k=" << kernel[0] << "x" << kernel[1] << " s=" << strides[0] << "," << strides[1]
        << " pads=" << pads[0] << "," << pads[1] << "," << pads[2] << "," << pads[3]
        << " include_pad=" << count_include_pad << " ceil=" << ceil_mode
        << " s_out/s_in=" << out_ratio << " output=" << (int8_output ? "int8" : "float32");
    return out.str();
  }
};

void check_int8_pool(const Int8PoolCase& c, uint32_t seed) {
  SCOPED_TRACE(c.to_string() + " seed=" + std::to_string(seed));
  std::mt19937 rng(seed);
  const float x_amax = std::uniform_real_distribution<float>(0.25f, 4.0f)(rng);
  Int8Layer t;
  const Dims x_dims{c.n, c.c, c.h, c.w};
  const std::vector<int8_t> xq = random_int8(x_dims.volume(), seed + 1);
  Tensor* x = t.int8_input(x_dims, x_amax, xq);
  const bool global = c.op == OpType::kGlobalAveragePool;
  if (global) {
    t.layer(c.op, {x}, NoAttrs{});
  } else {
    PoolAttrs attrs;
    attrs.kernel_shape = c.kernel;
    attrs.strides = c.strides;
    attrs.pads = c.pads;
    attrs.count_include_pad = c.count_include_pad;
    attrs.ceil_mode = c.ceil_mode;
    t.layer(c.op, {x}, attrs);
  }
  const float y_amax = x_amax * c.out_ratio;
  t.set_output(c.int8_output ? DataType::kInt8 : DataType::kFloat, y_amax);
  if (!c.int8_output) {
    // oneDNN has no s8 -> f32 pooling: the CPU backend leaves the layer to the reference kernel.
    std::vector<Layout> plain(1);
    auto kernel = cpu::create_kernel(*t.current(), plain);
    ASSERT_TRUE(kernel.is_ok()) << kernel.status().to_string();
    EXPECT_EQ(*kernel, nullptr) << (*kernel)->name();
    return;
  }
  const float s_in = x_amax / 127.0f, s_out = y_amax / 127.0f;
  const float ratio = s_in / s_out;

  const Dims y_dims = t.out_dims();
  const int64_t oh = y_dims[2], ow = y_dims[3];
  const std::vector<int64_t> k = global ? std::vector<int64_t>{c.h, c.w} : c.kernel;
  const std::vector<int64_t> s = global ? std::vector<int64_t>{1, 1} : c.strides;
  const std::vector<int64_t> p = global ? std::vector<int64_t>{0, 0, 0, 0} : c.pads;
  std::vector<int8_t> expected_q;
  for (int64_t plane = 0; plane < c.n * c.c; ++plane)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        int best = -128, sum = 0, count = 0;
        for (int64_t ky = 0; ky < k[0]; ++ky)
          for (int64_t kx = 0; kx < k[1]; ++kx) {
            const int64_t iy = oy * s[0] - p[0] + ky, ix = ox * s[1] - p[1] + kx;
            const bool inside = iy >= 0 && iy < c.h && ix >= 0 && ix < c.w;
            const bool padded = iy >= -p[0] && iy < c.h + p[2] && ix >= -p[1] && ix < c.w + p[3];
            if (inside) {
              const int v = xq[static_cast<size_t>((plane * c.h + iy) * c.w + ix)];
              best = std::max(best, v);
              sum += v;
            }
            if (inside || (c.count_include_pad && padded)) ++count;
          }
        float v = 0.0f;
        if (c.op == OpType::kMaxPool) {
          v = static_cast<float>(best);
          if (c.int8_output) v = ratio == 1.0f ? v : v * ratio;
        } else {
          const float avg = static_cast<float>(sum) / static_cast<float>(count);
          v = c.int8_output ? avg * ratio : avg;
        }
        expected_q.push_back(requantize(v));
      }

  auto out = t.run_cpu();
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->kernel.rfind("onednn.pool", 0), 0u) << out->kernel;
  auto ref = t.run_reference();
  ASSERT_TRUE(ref.has_value());
  EXPECT_TRUE(int8_equal(out->q, expected_q)) << out->kernel << " vs the naive loop";
  EXPECT_TRUE(int8_equal(out->q, ref->q)) << out->kernel << " vs " << ref->kernel;
}

TEST(CpuInt8Pool, MaxPool) {
  Int8PoolCase c;
  check_int8_pool(c, 1);
  c.kernel = {2, 2};
  c.pads = {0, 0, 0, 0};
  c.n = 3;
  check_int8_pool(c, 2);
  c.ceil_mode = true;
  c.h = c.w = 10;
  c.kernel = {3, 3};
  check_int8_pool(c, 3);
  c.out_ratio = 1.5f;  // requantized
  check_int8_pool(c, 4);
  c.out_ratio = 0.7f;  // requantized, some values clamp
  check_int8_pool(c, 5);
  c.int8_output = false;
  check_int8_pool(c, 6);
}

TEST(CpuInt8Pool, AveragePool) {
  Int8PoolCase c;
  c.op = OpType::kAveragePool;
  check_int8_pool(c, 10);
  c.count_include_pad = true;
  check_int8_pool(c, 11);
  c.out_ratio = 0.6f;
  check_int8_pool(c, 12);
  c.kernel = {2, 2};
  c.strides = {2, 2};
  c.pads = {0, 0, 0, 0};
  c.count_include_pad = false;
  c.n = 2;
  c.h = c.w = 8;
  c.out_ratio = 1.3f;
  check_int8_pool(c, 13);
  c.int8_output = false;
  check_int8_pool(c, 14);
}

TEST(CpuInt8Pool, GlobalAveragePool) {
  Int8PoolCase c;
  c.op = OpType::kGlobalAveragePool;
  c.c = 64;
  c.h = c.w = 7;
  check_int8_pool(c, 20);
  c.n = 4;
  c.out_ratio = 0.3f;
  check_int8_pool(c, 21);
  c.h = c.w = 14;
  c.out_ratio = 2.0f;
  check_int8_pool(c, 22);
  c.int8_output = false;
  check_int8_pool(c, 23);
}

}  // namespace
}  // namespace int8rt
