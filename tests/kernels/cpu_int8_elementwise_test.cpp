// oneDNN INT8 Add, Concat, Quantize and Dequantize vs the contract written out as naive loops and
// vs the reference INT8 kernels, on random data and random scales: INT8 outputs equal (tolerance
// 0), float32 outputs equal too (one float multiplication, or two products and a sum, each
// rounded once, on both sides).
#include <gtest/gtest.h>

#include "cpu_int8_test_util.h"

namespace int8rt {
namespace {

using namespace int8_testing;

float random_amax(std::mt19937& rng) {
  return std::uniform_real_distribution<float>(0.25f, 4.0f)(rng);
}

void expect_same(const Output& cpu, const Output& expected, const Output& ref) {
  if (!expected.q.empty()) {
    EXPECT_TRUE(int8_equal(cpu.q, expected.q)) << cpu.kernel << " vs the naive loop";
    EXPECT_TRUE(int8_equal(cpu.q, ref.q)) << cpu.kernel << " vs " << ref.kernel;
  } else {
    EXPECT_TRUE(float_close(cpu.f, expected.f, 0.0f)) << cpu.kernel << " vs the naive loop";
    EXPECT_TRUE(float_close(cpu.f, ref.f, 0.0f)) << cpu.kernel << " vs " << ref.kernel;
  }
}

// y = a + b with `b_dims` broadcast to `a_dims`.
void check_int8_add(const Dims& a_dims, const Dims& b_dims, bool int8_output, uint32_t seed) {
  SCOPED_TRACE("INT8 Add a=" + a_dims.to_string() + " b=" + b_dims.to_string() +
               " output=" + (int8_output ? "int8" : "float32") + " seed=" + std::to_string(seed));
  std::mt19937 rng(seed);
  const float a_amax = random_amax(rng), b_amax = random_amax(rng);
  const float y_amax = 0.8f * std::max(a_amax, b_amax);
  Int8Layer t;
  const auto qa = random_int8(a_dims.volume(), seed + 1);
  const auto qb = random_int8(b_dims.volume(), seed + 2);
  t.layer(OpType::kAdd, {t.int8_input(a_dims, a_amax, qa), t.int8_input(b_dims, b_amax, qb)},
          NoAttrs{});
  t.set_output(int8_output ? DataType::kInt8 : DataType::kFloat, y_amax);
  const float s_a = a_amax / 127.0f, s_b = b_amax / 127.0f, s_y = y_amax / 127.0f;
  const float ra = int8_output ? s_a / s_y : s_a, rb = int8_output ? s_b / s_y : s_b;
  Output expected;
  // b broadcasts along the leading axes and along any axis of extent 1 (right-aligned).
  const int rank = a_dims.rank();
  std::vector<int64_t> b_full(static_cast<size_t>(rank - b_dims.rank()), 1);
  b_full.insert(b_full.end(), b_dims.extents().begin(), b_dims.extents().end());
  for (int64_t i = 0; i < a_dims.volume(); ++i) {
    int64_t rest = i, b_index = 0, b_stride = 1;
    for (int axis = rank - 1; axis >= 0; --axis) {
      const int64_t coord = rest % a_dims[axis];
      rest /= a_dims[axis];
      if (b_full[static_cast<size_t>(axis)] != 1) b_index += coord * b_stride;
      b_stride *= b_full[static_cast<size_t>(axis)];
    }
    const float pa = static_cast<float>(qa[static_cast<size_t>(i)]) * ra;
    const float pb = static_cast<float>(qb[static_cast<size_t>(b_index)]) * rb;
    if (int8_output) {
      expected.q.push_back(requantize(pa + pb));
    } else {
      expected.f.push_back(pa + pb);
    }
  }
  auto out = t.run_cpu();
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->kernel.rfind("onednn.binary", 0), 0u) << out->kernel;
  auto ref = t.run_reference();
  ASSERT_TRUE(ref.has_value());
  expect_same(*out, expected, *ref);
}

TEST(CpuInt8Elementwise, Add) {
  check_int8_add(Dims{1, 16, 7, 7}, Dims{1, 16, 7, 7}, true, 1);
  check_int8_add(Dims{4, 32, 5, 5}, Dims{4, 32, 5, 5}, true, 2);
  check_int8_add(Dims{2, 8, 6, 6}, Dims{1, 8, 1, 1}, true, 3);
  check_int8_add(Dims{3, 100}, Dims{100}, true, 4);
  check_int8_add(Dims{4, 32, 5, 5}, Dims{4, 32, 5, 5}, false, 5);
}

TEST(CpuInt8Elementwise, ConcatSameScale) {
  const uint32_t seed = 10;
  SCOPED_TRACE("INT8 Concat axis=1, equal scales, seed=" + std::to_string(seed));
  Int8Layer t;
  const Dims a_dims{2, 8, 5, 5}, b_dims{2, 24, 5, 5};
  const auto qa = random_int8(a_dims.volume(), seed + 1);
  const auto qb = random_int8(b_dims.volume(), seed + 2);
  ConcatAttrs attrs;
  attrs.axis = 1;
  t.layer(OpType::kConcat, {t.int8_input(a_dims, 1.5f, qa), t.int8_input(b_dims, 1.5f, qb)}, attrs);
  t.set_output(DataType::kInt8, 1.5f);
  Output expected;
  for (int64_t n = 0; n < 2; ++n) {
    expected.q.insert(expected.q.end(), qa.begin() + n * 200, qa.begin() + (n + 1) * 200);
    expected.q.insert(expected.q.end(), qb.begin() + n * 600, qb.begin() + (n + 1) * 600);
  }
  auto out = t.run_cpu();
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->kernel.rfind("onednn.concat", 0), 0u) << out->kernel;
  auto ref = t.run_reference();
  ASSERT_TRUE(ref.has_value());
  expect_same(*out, expected, *ref);
}

TEST(CpuInt8Elementwise, ConcatRequantizingStaysOnReference) {
  Int8Layer t;
  ConcatAttrs attrs;
  attrs.axis = 1;
  const Dims dims{1, 4, 3, 3};
  t.layer(OpType::kConcat, {t.int8_input(dims, 1.0f, 1u), t.int8_input(dims, 2.0f, 2u)}, attrs);
  t.set_output(DataType::kInt8, 2.0f);
  std::vector<Layout> plain(2);
  auto kernel = cpu::create_kernel(*t.current(), plain);
  ASSERT_TRUE(kernel.is_ok()) << kernel.status().to_string();
  EXPECT_EQ(*kernel, nullptr) << (*kernel)->name();
}

TEST(CpuInt8Elementwise, QuantizeAndDequantize) {
  for (uint32_t seed : {20u, 21u, 22u}) {
    SCOPED_TRACE("Quantize/Dequantize seed=" + std::to_string(seed));
    std::mt19937 rng(seed);
    const float amax = random_amax(rng);
    const float s = amax / 127.0f;
    const Dims dims{2, 3, 7, 5};
    // Values beyond the range (clamped) and exact ties k + 0.5 (rounded to even).
    std::vector<float> x = random_floats(dims.volume(), seed + 1, -1.3f * amax, 1.3f * amax);
    for (size_t i = 0; i < x.size(); i += 7)
      x[i] = (static_cast<float>(i % 40) - 20.0f + 0.5f) * s;
    {
      Int8Layer t;
      t.layer_with_output(OpType::kQuantize, {t.float_input(dims, x)}, NoAttrs{}, dims,
                          DataType::kInt8, amax);
      Output expected;
      for (float v : x)
        expected.q.push_back(requantize(v / s));
      auto out = t.run_cpu();
      ASSERT_TRUE(out.has_value());
      auto ref = t.run_reference();
      ASSERT_TRUE(ref.has_value());
      expect_same(*out, expected, *ref);
    }
    {
      Int8Layer t;
      const auto q = random_int8(dims.volume(), seed + 2);
      t.layer_with_output(OpType::kDequantize, {t.int8_input(dims, amax, q)}, NoAttrs{}, dims,
                          DataType::kFloat, 0.0f);
      Output expected;
      for (int8_t v : q)
        expected.f.push_back(static_cast<float>(v) * s);
      auto out = t.run_cpu();
      ASSERT_TRUE(out.has_value());
      EXPECT_EQ(out->kernel.rfind("onednn.dequantize", 0), 0u) << out->kernel;
      auto ref = t.run_reference();
      ASSERT_TRUE(ref.has_value());
      expect_same(*out, expected, *ref);
    }
  }
}

}  // namespace
}  // namespace int8rt
