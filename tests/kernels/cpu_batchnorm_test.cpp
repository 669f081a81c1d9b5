// oneDNN BatchNormalization (inference, given statistics) vs the reference kernel on random data,
// alone (plain layout) and after a convolution (oneDNN's activation layout).
#include <gtest/gtest.h>

#include "cpu_test_util.h"

namespace int8rt {
namespace {

using testing::add_random_constant;
using testing::expect_cpu_matches_reference;
using testing::fp32_tolerance;

// BN after `conv` (when set) or directly on the input X [n, c, h, w].
void check_batchnorm(int64_t n, int64_t c, int64_t h, int64_t w, bool after_conv, uint32_t seed) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{n, c, h, w}).value();
  Tensor* bn_in = x;
  if (after_conv) {
    ConvAttrs attrs;
    attrs.kernel_shape = {3, 3};
    attrs.pads = {1, 1, 1, 1};
    Layer* conv = net.add_layer(OpType::kConv, "conv",
                                {x, add_random_constant(net, "w", Dims{c, c, 3, 3}, seed + 1)},
                                attrs, {"conv_out"})
                      .value();
    bn_in = conv->output(0);
    // Keep the convolution's output observable so that the builder cannot fold BN into it.
    ASSERT_TRUE(net.mark_output(bn_in).is_ok());
  }
  std::vector<Tensor*> inputs{bn_in,
                              add_random_constant(net, "scale", Dims{c}, seed + 2, 0.5f, 2.0f),
                              add_random_constant(net, "bias", Dims{c}, seed + 3),
                              add_random_constant(net, "mean", Dims{c}, seed + 4),
                              add_random_constant(net, "var", Dims{c}, seed + 5, 0.1f, 2.0f)};
  Layer* bn = net.add_layer(OpType::kBatchNormalization, "bn", inputs, BatchNormAttrs{1e-5f}, {"y"})
                  .value();
  ASSERT_TRUE(net.mark_output(bn->output(0)).is_ok());
  std::ostringstream config;
  config << "BatchNormalization x=[" << n << "," << c << "," << h << "," << w
         << "] after_conv=" << after_conv;
  // Per element: a subtraction, a division by sqrt(var + eps), a multiply and an add, in float;
  // after a conv the input itself carries the conv's tolerance (K = 9c) scaled by |scale/std|.
  const float tolerance = after_conv ? 10.0f * fp32_tolerance(9 * c) : 16 * 1.2e-7f;
  expect_cpu_matches_reference(net, tolerance, seed, config.str(), {"bn"});
}

TEST(CpuBatchNorm, Plain) {
  check_batchnorm(2, 8, 5, 5, false, 1);
  check_batchnorm(1, 3, 17, 9, false, 2);
}

TEST(CpuBatchNorm, AfterConv) {
  check_batchnorm(1, 16, 8, 8, true, 3);
  check_batchnorm(2, 24, 6, 6, true, 4);
}

}  // namespace
}  // namespace int8rt
