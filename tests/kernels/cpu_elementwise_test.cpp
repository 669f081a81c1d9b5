// oneDNN eltwise, binary, concat and softmax kernels vs the reference kernels, on plain inputs
// and on convolution outputs kept in oneDNN layouts.
#include <gtest/gtest.h>

#include "cpu_test_util.h"

namespace int8rt {
namespace {

using testing::add_random_constant;
using testing::expect_cpu_matches_reference;
using testing::fp32_tolerance;

// conv "conv" (3x3, same padding, `channels` -> `channels`) of network input `name`.
Tensor* conv_of(Network& net, Tensor* x, const std::string& name, uint32_t seed) {
  const int64_t ch = x->dims()[1];
  ConvAttrs attrs;
  attrs.pads = {1, 1, 1, 1};
  return net
      .add_layer(OpType::kConv, name,
                 {x, add_random_constant(net, name + ".w", Dims{ch, ch, 3, 3}, seed)}, attrs,
                 {name + ".y"})
      .value()
      ->output(0);
}

struct UnaryCase {
  OpType op;
  Attrs attrs;
  std::vector<float> clip;  // Clip's min, max
};

TEST(CpuEltwise, EveryUnaryOp) {
  const UnaryCase cases[] = {
      {OpType::kRelu, NoAttrs{}, {}},
      {OpType::kLeakyRelu, LeakyReluAttrs{0.2f}, {}},
      {OpType::kClip, NoAttrs{}, {-0.3f, 0.4f}},
      {OpType::kSigmoid, NoAttrs{}, {}},
      {OpType::kTanh, NoAttrs{}, {}},
      {OpType::kElu, EluAttrs{0.7f}, {}},
      {OpType::kHardSwish, NoAttrs{}, {}},
      {OpType::kAbs, NoAttrs{}, {}},
      {OpType::kNeg, NoAttrs{}, {}},
  };
  uint32_t seed = 1;
  for (const auto& c : cases) {
    for (int variant = 0; variant < 3; ++variant) {
      const bool after_conv = variant == 1;
      Network net;
      Tensor* x =
          net.add_input("x", DataType::kFloat, variant == 2 ? Dims{3} : Dims{2, 24, 5, 6}).value();
      std::vector<std::string> onednn{"op"};
      if (after_conv) {
        x = conv_of(net, x, "conv", seed);
        onednn.push_back("conv");
      }
      std::vector<Tensor*> inputs{x};
      for (size_t i = 0; i < c.clip.size(); ++i) {
        inputs.push_back(
            net.add_constant(i ? "max" : "min", Weights::from_vector(DataType::kFloat, Dims{},
                                                                     std::vector<float>{c.clip[i]}))
                .value());
      }
      Layer* op = net.add_layer(c.op, "op", inputs, c.attrs, {"y"}).value();
      ASSERT_TRUE(net.mark_output(op->output(0)).is_ok());
      // Fusion may merge the activation into the conv; then the conv carries it.
      expect_cpu_matches_reference(
          net, fp32_tolerance(after_conv ? 24 * 9 : 1), seed++,
          std::string(to_string(c.op)) + (after_conv     ? " after conv"
                                          : variant == 2 ? " on a [3] input"
                                                         : " on input"),
          after_conv ? std::vector<std::string>{"conv"} : onednn);
    }
  }
}

struct BinaryCase {
  OpType op;
  Dims a, b;
  bool b_constant;
  bool after_conv;
  std::string to_string() const {
    std::ostringstream out;
    out << int8rt::to_string(op) << " a=" << a.to_string() << " b=" << b.to_string()
        << " b_constant=" << b_constant << " after_conv=" << after_conv;
    return out.str();
  }
};

void check_binary(const BinaryCase& c, uint32_t seed) {
  Network net;
  Tensor* a = net.add_input("a", DataType::kFloat, c.a).value();
  std::vector<std::string> onednn{"op"};
  if (c.after_conv) {
    a = conv_of(net, a, "conv", seed);
    onednn.push_back("conv");
  }
  Tensor* b = c.b_constant ? add_random_constant(net, "b", c.b, seed + 7, 0.5f, 1.5f)
                           : net.add_input("b", DataType::kFloat, c.b).value();
  if (!c.b_constant && c.after_conv && c.b == c.a) {
    b = conv_of(net, b, "conv_b", seed + 3);
    onednn.push_back("conv_b");
  }
  Layer* op = net.add_layer(c.op, "op", {a, b}, NoAttrs{}, {"y"}).value();
  ASSERT_TRUE(net.mark_output(op->output(0)).is_ok());
  // Fusion may turn Conv + Add into a residual conv: then "op" no longer exists.
  if (c.op == OpType::kAdd && c.after_conv) onednn.erase(onednn.begin());
  // Div by b in [0.5, 1.5] (constants) or [-1, 1] (inputs): relative error stays small unless
  // b is near 0, which the network-input cases avoid by using Add/Sub/Mul/Max/Min only.
  expect_cpu_matches_reference(net, fp32_tolerance(c.after_conv ? c.a[1] * 9 + 1 : 1), seed,
                               c.to_string(), onednn);
}

TEST(CpuBinary, SameShapeAndBroadcasts) {
  uint32_t seed = 100;
  for (OpType op : {OpType::kAdd, OpType::kSub, OpType::kMul, OpType::kMax, OpType::kMin}) {
    check_binary({op, Dims{2, 16, 5, 5}, Dims{2, 16, 5, 5}, false, false}, seed++);
    check_binary({op, Dims{2, 16, 5, 5}, Dims{2, 16, 5, 5}, false, true}, seed++);
  }
  for (OpType op : {OpType::kAdd, OpType::kSub, OpType::kMul, OpType::kDiv}) {
    for (bool after_conv : {false, true}) {
      check_binary({op, Dims{1, 16, 6, 6}, Dims{}, true, after_conv}, seed++);             // scalar
      check_binary({op, Dims{1, 16, 6, 6}, Dims{1, 16, 1, 1}, true, after_conv}, seed++);  // per C
      check_binary({op, Dims{2, 16, 6, 6}, Dims{16, 1, 1}, true, after_conv}, seed++);
      check_binary({op, Dims{2, 16, 6, 6}, Dims{6}, true, after_conv}, seed++);
    }
  }
}

// Only b is full-shaped: the commutative ops swap their sources.
TEST(CpuBinary, BroadcastFirstOperand) {
  for (OpType op : {OpType::kAdd, OpType::kMul}) {
    Network net;
    Tensor* a = add_random_constant(net, "a", Dims{1, 8, 1, 1}, 200);
    Tensor* b = net.add_input("b", DataType::kFloat, Dims{2, 8, 4, 4}).value();
    Layer* layer = net.add_layer(op, "op", {a, b}, NoAttrs{}, {"y"}).value();
    ASSERT_TRUE(net.mark_output(layer->output(0)).is_ok());
    expect_cpu_matches_reference(net, fp32_tolerance(1), 201,
                                 std::string(to_string(op)) + " [1,8,1,1] with [2,8,4,4]", {"op"});
  }
}

TEST(CpuConcat, ChannelsAndOtherAxes) {
  uint32_t seed = 300;
  for (bool after_conv : {false, true}) {
    for (int64_t axis : {1, -1, 0}) {
      Network net;
      Tensor* a = net.add_input("a", DataType::kFloat, Dims{2, 16, 5, 5}).value();
      Tensor* b = net.add_input("b", DataType::kFloat, Dims{2, 16, 5, 5}).value();
      std::vector<std::string> onednn{"concat"};
      if (after_conv) {
        a = conv_of(net, a, "conv_a", seed);
        b = conv_of(net, b, "conv_b", seed + 1);
        onednn.insert(onednn.end(), {"conv_a", "conv_b"});
      }
      Layer* concat =
          net.add_layer(OpType::kConcat, "concat", {a, b, a}, ConcatAttrs{axis}, {"y"}).value();
      ASSERT_TRUE(net.mark_output(concat->output(0)).is_ok());
      expect_cpu_matches_reference(
          net, fp32_tolerance(after_conv ? 16 * 9 : 1), seed++,
          "Concat axis=" + std::to_string(axis) + (after_conv ? " after conv" : ""), onednn);
    }
  }
}

TEST(CpuSoftmax, AxesAndLog) {
  uint32_t seed = 400;
  for (OpType op : {OpType::kSoftmax, OpType::kLogSoftmax}) {
    for (auto [dims, axis, coerce] :
         std::vector<std::tuple<Dims, int64_t, bool>>{{Dims{4, 10}, -1, false},
                                                      {Dims{2, 3, 7}, 1, false},
                                                      {Dims{2, 3, 7}, 1, true},
                                                      {Dims{2, 3, 4, 5}, 0, false}}) {
      Network net;
      Tensor* x = net.add_input("x", DataType::kFloat, dims).value();
      Layer* layer = net.add_layer(op, "softmax", {x}, SoftmaxAttrs{axis, coerce}, {"y"}).value();
      ASSERT_TRUE(net.mark_output(layer->output(0)).is_ok());
      expect_cpu_matches_reference(net, fp32_tolerance(dims.volume()), seed++,
                                   std::string(to_string(op)) + " x=" + dims.to_string() +
                                       " axis=" + std::to_string(axis) +
                                       " coerce_to_2d=" + std::to_string(coerce),
                                   {"softmax"});
    }
  }
}

}  // namespace
}  // namespace int8rt
