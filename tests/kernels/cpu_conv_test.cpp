// oneDNN Conv / ConvTranspose kernels vs the reference kernels, on random data over many
// configurations (strides, asymmetric pads, groups, depthwise, dilations, fused activations, fused
// residual, batch > 1, 1-D and 3-D).
#include <gtest/gtest.h>

#include "cpu_test_util.h"

namespace int8rt {
namespace {

using testing::add_random_constant;
using testing::expect_cpu_matches_reference;
using testing::fp32_tolerance;

struct ConvCase {
  int64_t n = 1, c = 8, m = 16;
  std::vector<int64_t> spatial = {9, 9};  // input extents
  std::vector<int64_t> kernel = {3, 3};
  std::vector<int64_t> strides = {1, 1};
  std::vector<int64_t> pads = {1, 1, 1, 1};
  std::vector<int64_t> dilations = {1, 1};
  int64_t group = 1;
  bool bias = true;
  FusedActivation activation;
  bool residual = false;

  std::string to_string() const {
    std::ostringstream out;
    auto list = [&](const std::vector<int64_t>& v) {
      out << "[";
      for (size_t i = 0; i < v.size(); ++i)
        out << (i ? "," : "") << v[i];
      out << "]";
    };
    out << "Conv n=" << n << " c=" << c << " m=" << m << " in=";
    list(spatial);
    out << " k=";
    list(kernel);
    out << " s=";
    list(strides);
    out << " pads=";
    list(pads);
    out << " d=";
    list(dilations);
    out << " group=" << group << " bias=" << bias << " act=" << to_string_view(activation.kind)
        << "(" << activation.alpha << "," << activation.beta << ") residual=" << residual;
    return out.str();
  }
  static std::string_view to_string_view(ActivationKind kind) { return int8rt::to_string(kind); }

  Dims output_dims() const {
    std::vector<int64_t> dims{n, m};
    const size_t r = spatial.size();
    for (size_t i = 0; i < r; ++i) {
      const int64_t extent = (kernel[i] - 1) * dilations[i] + 1;
      dims.push_back((spatial[i] + pads[i] + pads[r + i] - extent) / strides[i] + 1);
    }
    return Dims(dims);
  }
};

void build_conv(Network& net, const ConvCase& c, uint32_t seed) {
  std::vector<int64_t> x_dims{c.n, c.c};
  x_dims.insert(x_dims.end(), c.spatial.begin(), c.spatial.end());
  std::vector<int64_t> w_dims{c.m, c.c / c.group};
  w_dims.insert(w_dims.end(), c.kernel.begin(), c.kernel.end());
  Tensor* x = net.add_input("x", DataType::kFloat, Dims(x_dims)).value();
  std::vector<Tensor*> inputs{x, add_random_constant(net, "w", Dims(w_dims), seed + 100)};
  inputs.push_back(c.bias ? add_random_constant(net, "b", Dims{c.m}, seed + 101) : nullptr);
  if (c.residual) {
    inputs.push_back(net.add_input("r", DataType::kFloat, c.output_dims()).value());
  }
  ConvAttrs attrs;
  attrs.kernel_shape = c.kernel;
  attrs.strides = c.strides;
  attrs.pads = c.pads;
  attrs.dilations = c.dilations;
  attrs.group = c.group;
  attrs.activation = c.activation;
  Layer* conv = net.add_layer(OpType::kConv, "conv", inputs, attrs, {"y"}).value();
  ASSERT_TRUE(net.mark_output(conv->output(0)).is_ok());
}

void check_conv(const ConvCase& c, uint32_t seed) {
  Network net;
  build_conv(net, c, seed);
  int64_t k = c.c / c.group;
  for (int64_t e : c.kernel)
    k *= e;
  expect_cpu_matches_reference(net, fp32_tolerance(k + 2), seed, c.to_string(), {"conv"});
}

TEST(CpuConv, Plain3x3) {
  check_conv(ConvCase{}, 1);
}

TEST(CpuConv, StridesAndAsymmetricPads) {
  ConvCase c;
  c.strides = {2, 2};
  check_conv(c, 2);
  c.pads = {0, 1, 2, 0};
  check_conv(c, 3);
  c.strides = {1, 3};
  c.pads = {2, 0, 0, 1};
  check_conv(c, 4);
  c.kernel = {5, 3};
  c.pads = {2, 1, 2, 1};
  check_conv(c, 5);
}

TEST(CpuConv, PointwiseAndLargeKernels) {
  ConvCase c;
  c.kernel = {1, 1};
  c.pads = {0, 0, 0, 0};
  check_conv(c, 6);
  c.strides = {2, 2};
  check_conv(c, 7);
  c.kernel = {7, 7};
  c.pads = {3, 3, 3, 3};
  c.c = 3;
  c.m = 24;
  c.spatial = {20, 20};
  check_conv(c, 8);
}

TEST(CpuConv, Dilations) {
  ConvCase c;
  c.dilations = {2, 2};
  c.pads = {2, 2, 2, 2};
  check_conv(c, 9);
  c.dilations = {3, 1};
  c.pads = {1, 0, 3, 1};
  c.strides = {2, 1};
  check_conv(c, 10);
}

TEST(CpuConv, GroupsAndDepthwise) {
  ConvCase c;
  c.c = 8;
  c.m = 12;
  c.group = 4;
  check_conv(c, 11);
  c.c = c.m = 32;
  c.group = 32;  // depthwise
  check_conv(c, 12);
  c.strides = {2, 2};
  check_conv(c, 13);
  c.c = 24;
  c.m = 48;
  c.group = 24;  // depthwise with channel multiplier 2
  c.strides = {1, 1};
  check_conv(c, 14);
  c.c = c.m = 96;
  c.group = 96;
  c.dilations = {2, 2};
  c.pads = {2, 2, 2, 2};
  check_conv(c, 15);
}

TEST(CpuConv, ChannelCountsOffTheVectorWidth) {
  for (auto [ic, oc] :
       std::vector<std::pair<int64_t, int64_t>>{{1, 16}, {3, 5}, {17, 33}, {64, 10}}) {
    ConvCase c;
    c.c = ic;
    c.m = oc;
    check_conv(c, 16 + static_cast<uint32_t>(ic));
  }
}

TEST(CpuConv, NoBiasAndBatch) {
  ConvCase c;
  c.bias = false;
  check_conv(c, 40);
  c.n = 3;
  check_conv(c, 41);
  c.bias = true;
  c.n = 8;
  c.strides = {2, 2};
  check_conv(c, 42);
}

TEST(CpuConv, FusedActivations) {
  const FusedActivation activations[] = {
      {ActivationKind::kRelu},
      {ActivationKind::kClip, 0.0f, 6.0f},
      {ActivationKind::kClip, -0.5f, 0.25f},
      {ActivationKind::kLeakyRelu, 0.1f},
      {ActivationKind::kHardSwish},
      {ActivationKind::kSigmoid},
  };
  uint32_t seed = 50;
  for (const auto& activation : activations) {
    ConvCase c;
    c.activation = activation;
    check_conv(c, seed++);
    c.group = c.c = c.m = 16;
    check_conv(c, seed++);
  }
}

TEST(CpuConv, FusedResidual) {
  ConvCase c;
  c.residual = true;
  check_conv(c, 60);
  c.activation = {ActivationKind::kRelu};
  check_conv(c, 61);
  c.n = 2;
  c.strides = {2, 2};
  c.bias = false;
  check_conv(c, 62);
  c.group = c.c = c.m = 16;
  c.activation = {ActivationKind::kClip, 0.0f, 6.0f};
  check_conv(c, 63);
}

// The residual comes from another conv and dies at the fused conv: the engine may place the
// result in the residual's buffer (in-place sum); the block input also feeds the first conv.
TEST(CpuConv, ResidualBlockInPlace) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2, 16, 10, 10}).value();
  ConvAttrs attrs;
  attrs.pads = {1, 1, 1, 1};
  attrs.activation = {ActivationKind::kRelu};
  Tensor* a = net.add_layer(OpType::kConv, "conv1",
                            {x, add_random_constant(net, "w1", Dims{16, 16, 3, 3}, 70),
                             add_random_constant(net, "b1", Dims{16}, 71)},
                            attrs, {"a"})
                  .value()
                  ->output(0);
  Tensor* skip =
      net.add_layer(OpType::kConv, "skip",
                    {x, add_random_constant(net, "w2", Dims{16, 16, 1, 1}, 72)}, ConvAttrs{}, {"s"})
          .value()
          ->output(0);
  Tensor* y = net.add_layer(OpType::kConv, "conv2",
                            {a, add_random_constant(net, "w3", Dims{16, 16, 3, 3}, 73),
                             add_random_constant(net, "b3", Dims{16}, 74), skip},
                            attrs, {"y"})
                  .value()
                  ->output(0);
  ASSERT_TRUE(net.mark_output(y).is_ok());
  expect_cpu_matches_reference(net, fp32_tolerance(16 * 9 * 16 * 9), 75, "residual block",
                               {"conv1", "skip", "conv2"});
}

// The residual is read again after the fused conv (it is also a network output), so the conv
// must copy it into its own output instead of accumulating in place.
TEST(CpuConv, ResidualStillReadAfterwards) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{1, 16, 8, 8}).value();
  Tensor* skip =
      net.add_layer(OpType::kConv, "skip",
                    {x, add_random_constant(net, "w1", Dims{16, 16, 1, 1}, 76)}, ConvAttrs{}, {"s"})
          .value()
          ->output(0);
  ConvAttrs attrs;
  attrs.pads = {1, 1, 1, 1};
  Tensor* y = net.add_layer(OpType::kConv, "conv",
                            {x, add_random_constant(net, "w2", Dims{16, 16, 3, 3}, 77),
                             add_random_constant(net, "b2", Dims{16}, 78), skip},
                            attrs, {"y"})
                  .value()
                  ->output(0);
  ASSERT_TRUE(net.mark_output(y).is_ok());
  ASSERT_TRUE(net.mark_output(skip).is_ok());
  expect_cpu_matches_reference(net, fp32_tolerance(16 * 9 + 2), 79, "residual also an output",
                               {"skip", "conv"});
}

TEST(CpuConv, OneAndThreeSpatialDims) {
  ConvCase c;
  c.spatial = {17};
  c.kernel = {3};
  c.strides = {2};
  c.pads = {1, 0};
  c.dilations = {1};
  check_conv(c, 80);
  c.spatial = {6, 7, 5};
  c.kernel = {3, 3, 1};
  c.strides = {1, 2, 1};
  c.pads = {1, 1, 0, 1, 0, 0};
  c.dilations = {1, 1, 1};
  check_conv(c, 81);
}

struct ConvTransposeCase {
  int64_t n = 1, c = 8, m = 6, group = 1;
  std::vector<int64_t> spatial = {5, 6}, kernel = {3, 3}, strides = {2, 2}, pads = {1, 1, 1, 1},
                       output_padding = {0, 0}, dilations = {1, 1};
  std::string to_string() const {
    std::ostringstream out;
    out << "ConvTranspose n=" << n << " c=" << c << " m=" << m << " group=" << group
        << " in=" << spatial[0] << "x" << spatial[1] << " k=" << kernel[0] << "x" << kernel[1]
        << " s=" << strides[0] << "," << strides[1] << " pads=" << pads[0] << "," << pads[1] << ","
        << pads[2] << "," << pads[3] << " output_padding=" << output_padding[0] << ","
        << output_padding[1] << " d=" << dilations[0] << "," << dilations[1];
    return out.str();
  }
};

void check_conv_transpose(const ConvTransposeCase& c, uint32_t seed) {
  Network net;
  Tensor* x =
      net.add_input("x", DataType::kFloat, Dims{c.n, c.c, c.spatial[0], c.spatial[1]}).value();
  Tensor* w =
      add_random_constant(net, "w", Dims{c.c, c.m / c.group, c.kernel[0], c.kernel[1]}, seed + 1);
  Tensor* b = add_random_constant(net, "b", Dims{c.m}, seed + 2);
  ConvTransposeAttrs attrs;
  attrs.kernel_shape = c.kernel;
  attrs.strides = c.strides;
  attrs.pads = c.pads;
  attrs.output_padding = c.output_padding;
  attrs.dilations = c.dilations;
  attrs.group = c.group;
  Layer* layer = net.add_layer(OpType::kConvTranspose, "deconv", {x, w, b}, attrs, {"y"}).value();
  ASSERT_TRUE(net.mark_output(layer->output(0)).is_ok());
  const int64_t k = c.c / c.group * c.kernel[0] * c.kernel[1];
  expect_cpu_matches_reference(net, fp32_tolerance(k + 1), seed, c.to_string(), {"deconv"});
}

TEST(CpuConvTranspose, StridesPadsGroupsOutputPadding) {
  ConvTransposeCase c;
  check_conv_transpose(c, 90);
  c.output_padding = {1, 0};
  check_conv_transpose(c, 91);
  c.group = 2;
  c.m = 8;
  check_conv_transpose(c, 92);
  c.pads = {0, 0, 0, 0};
  c.output_padding = {0, 0};
  c.kernel = {2, 2};
  c.n = 2;
  check_conv_transpose(c, 93);
  c.dilations = {2, 1};
  check_conv_transpose(c, 94);
}

}  // namespace
}  // namespace int8rt
