// oneDNN pooling kernels vs the reference kernels, reading plain network inputs and reading a
// convolution's output in the convolution's own layout (NHWC or channel-blocked).
#include <gtest/gtest.h>

#include "cpu_test_util.h"

namespace int8rt {
namespace {

using testing::add_random_constant;
using testing::expect_cpu_matches_reference;
using testing::fp32_tolerance;

struct PoolCase {
  OpType op = OpType::kMaxPool;
  Dims x = {2, 16, 9, 9};
  std::vector<int64_t> kernel = {3, 3}, strides = {2, 2}, pads = {1, 1, 1, 1}, dilations = {};
  bool ceil_mode = false;
  bool count_include_pad = false;
  bool after_conv = false;  // read a conv's output (oneDNN layout) instead of a network input

  std::string to_string() const {
    std::ostringstream out;
    out << int8rt::to_string(op) << " x=" << x.to_string() << " k=" << Dims(kernel).to_string()
        << " s=" << Dims(strides).to_string() << " pads=" << Dims(pads).to_string()
        << " d=" << Dims(dilations).to_string() << " ceil=" << ceil_mode
        << " include_pad=" << count_include_pad << " after_conv=" << after_conv;
    return out.str();
  }
};

void check_pool(const PoolCase& c, uint32_t seed) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, c.x).value();
  std::vector<std::string> onednn{"pool"};
  if (c.after_conv) {
    const int64_t ch = c.x[1];
    ConvAttrs conv;
    conv.pads = {1, 1, 1, 1};
    x = net.add_layer(OpType::kConv, "conv",
                      {x, add_random_constant(net, "w", Dims{ch, ch, 3, 3}, seed + 1)}, conv, {"c"})
            .value()
            ->output(0);
    onednn.push_back("conv");
  }
  Attrs attrs = NoAttrs{};
  if (c.op == OpType::kMaxPool || c.op == OpType::kAveragePool) {
    PoolAttrs pool;
    pool.kernel_shape = c.kernel;
    pool.strides = c.strides;
    pool.pads = c.pads;
    pool.dilations = c.dilations;
    pool.ceil_mode = c.ceil_mode;
    pool.count_include_pad = c.count_include_pad;
    attrs = pool;
  }
  Layer* pool = net.add_layer(c.op, "pool", {x}, attrs, {"y"}).value();
  ASSERT_TRUE(net.mark_output(pool->output(0)).is_ok());
  int64_t window = 1;
  if (c.op == OpType::kGlobalAveragePool) {
    for (int i = 2; i < c.x.rank(); ++i)
      window *= c.x[i];
  } else {
    for (int64_t k : c.kernel)
      window *= k;
  }
  const int64_t conv_terms = c.after_conv ? c.x[1] * 9 : 0;
  expect_cpu_matches_reference(net, fp32_tolerance(window + conv_terms), seed, c.to_string(),
                               onednn);
}

TEST(CpuPooling, MaxPool) {
  PoolCase c;
  check_pool(c, 1);
  c.after_conv = true;
  check_pool(c, 2);
  c.kernel = {2, 2};
  c.pads = {0, 0, 0, 0};
  check_pool(c, 3);
  c.dilations = {2, 2};
  c.kernel = {3, 3};
  c.strides = {1, 1};
  check_pool(c, 4);
  c.x = {1, 24, 10, 7};
  c.dilations = {};
  c.kernel = {3, 2};
  c.strides = {2, 1};
  c.pads = {1, 0, 0, 1};
  check_pool(c, 5);
}

TEST(CpuPooling, CeilMode) {
  PoolCase c;
  c.x = {1, 16, 10, 10};
  c.kernel = {3, 3};
  c.strides = {2, 2};
  c.pads = {0, 0, 0, 0};
  c.ceil_mode = true;
  check_pool(c, 10);
  c.after_conv = true;
  check_pool(c, 11);
  c.op = OpType::kAveragePool;
  check_pool(c, 12);
}

TEST(CpuPooling, AveragePool) {
  PoolCase c;
  c.op = OpType::kAveragePool;
  check_pool(c, 20);
  c.count_include_pad = true;
  check_pool(c, 21);
  c.after_conv = true;
  check_pool(c, 22);
  c.count_include_pad = false;
  c.x = {3, 8, 12, 12};
  c.kernel = {4, 4};
  c.strides = {4, 4};
  c.pads = {0, 0, 0, 0};
  check_pool(c, 23);
}

TEST(CpuPooling, GlobalPools) {
  for (OpType op : {OpType::kGlobalAveragePool, OpType::kGlobalMaxPool}) {
    PoolCase c;
    c.op = op;
    check_pool(c, 30);
    c.after_conv = true;
    check_pool(c, 31);
    c.x = {8, 64, 7, 7};
    check_pool(c, 32);
    c.x = {2, 10, 5, 6};
    check_pool(c, 33);
  }
}

TEST(CpuPooling, OneDimensional) {
  PoolCase c;
  c.x = {2, 6, 15};
  c.kernel = {3};
  c.strides = {2};
  c.pads = {1, 1};
  check_pool(c, 40);
  c.op = OpType::kAveragePool;
  check_pool(c, 41);
}

}  // namespace
}  // namespace int8rt
