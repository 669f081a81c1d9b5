// Shape inference of Conv and ConvTranspose: output shapes, canonical attributes, errors.
#include <gtest/gtest.h>

#include "int8rt/network.h"
#include "unit/ir/compute_ops_test_util.h"

namespace int8rt {
namespace {

using compute_testing::expect_error;
using compute_testing::OneLayer;
using V = std::vector<int64_t>;

ConvAttrs conv(V strides = {}, V pads = {}, V dilations = {}, int64_t group = 1,
               AutoPad auto_pad = AutoPad::kNotSet) {
  ConvAttrs a;
  a.strides = std::move(strides);
  a.pads = std::move(pads);
  a.dilations = std::move(dilations);
  a.group = group;
  a.auto_pad = auto_pad;
  return a;
}

TEST(ConvShape, DefaultsAreFilledIn) {
  OneLayer t;
  Layer* l = t.layer(OpType::kConv, {t.input({1, 3, 5, 5}), t.constant({4, 3, 3, 3})}, ConvAttrs{});
  ASSERT_TRUE(t.infer().is_ok()) << t.infer().to_string();
  EXPECT_EQ(t.out().to_string(), (Dims{1, 4, 3, 3}).to_string());
  EXPECT_EQ(t.out_type(), DataType::kFloat);
  const auto& a = l->attrs_as<ConvAttrs>();
  EXPECT_EQ(a.kernel_shape, (V{3, 3}));
  EXPECT_EQ(a.strides, (V{1, 1}));
  EXPECT_EQ(a.dilations, (V{1, 1}));
  EXPECT_EQ(a.pads, (V{0, 0, 0, 0}));
  EXPECT_EQ(a.auto_pad, AutoPad::kNotSet);
}

TEST(ConvShape, ExplicitPadsStridesDilations) {
  struct Case {
    Dims x, w;
    ConvAttrs attrs;
    Dims expected;
  };
  const Case cases[] = {
      // out = floor((in + pb + pe - ((k - 1) * d + 1)) / s) + 1
      {{1, 1, 7, 5}, {1, 1, 3, 3}, conv({2, 2}, {1, 1, 1, 1}), {1, 1, 4, 3}},
      {{1, 1, 7, 5}, {1, 1, 3, 3}, conv({2, 2}, {1, 0, 1, 0}), {1, 1, 4, 2}},
      {{1, 1, 7, 5}, {1, 1, 3, 3}, conv({2, 2}), {1, 1, 3, 2}},
      {{2, 3, 9, 9}, {5, 3, 3, 3}, conv({1, 1}, {0, 0, 0, 0}, {2, 3}), {2, 5, 5, 3}},
      {{1, 2, 10, 10}, {2, 2, 1, 1}, conv({3, 4}, {0, 2, 1, 0}), {1, 2, 4, 3}},
      {{1, 4, 6}, {8, 4, 3}, conv({1}, {1, 1}), {1, 8, 6}},                       // 1-D
      {{1, 2, 4, 5, 6}, {3, 2, 2, 3, 3}, conv({1, 1, 2}), {1, 3, 3, 3, 2}},       // 3-D
      {{1, 8, 5, 5}, {8, 1, 3, 3}, conv({}, {1, 1, 1, 1}, {}, 8), {1, 8, 5, 5}},  // depthwise
      {{1, 6, 5, 5}, {4, 3, 3, 3}, conv({}, {}, {}, 2), {1, 4, 3, 3}},            // 2 groups
  };
  for (const Case& c : cases) {
    OneLayer t;
    t.layer(OpType::kConv, {t.input(c.x), t.constant(c.w)}, c.attrs);
    Status s = t.infer();
    ASSERT_TRUE(s.is_ok()) << "x " << c.x.to_string() << " w " << c.w.to_string() << ": "
                           << s.to_string();
    EXPECT_EQ(t.out().to_string(), c.expected.to_string())
        << "x " << c.x.to_string() << " w " << c.w.to_string();
  }
}

TEST(ConvShape, AutoPadResolvesToExplicitPads) {
  struct Case {
    int64_t in, k, s, d;
    AutoPad mode;
    int64_t out, pad_begin, pad_end;
  };
  const Case cases[] = {
      // SAME: out = ceil(in / s); total = max(0, (out - 1) * s + (k - 1) * d + 1 - in).
      {6, 3, 2, 1, AutoPad::kSameUpper, 3, 0, 1},  // total 1: the odd pad at the end
      {6, 3, 2, 1, AutoPad::kSameLower, 3, 1, 0},  // ... or at the beginning
      {5, 3, 2, 1, AutoPad::kSameLower, 3, 1, 1},
      {7, 3, 1, 2, AutoPad::kSameUpper, 7, 2, 2},  // dilated: window 5
      {5, 4, 1, 1, AutoPad::kSameUpper, 5, 1, 2},
      {5, 4, 1, 1, AutoPad::kSameLower, 5, 2, 1},
      {8, 1, 3, 1, AutoPad::kSameUpper, 3, 0, 0},  // (3 - 1) * 3 + 1 - 8 < 0: no padding
      {7, 3, 2, 1, AutoPad::kValid, 3, 0, 0},
  };
  for (const Case& c : cases) {
    OneLayer t;
    ConvAttrs attrs = conv({c.s}, {}, {c.d}, 1, c.mode);
    if (c.mode == AutoPad::kValid) attrs.pads = {5, 5};  // ignored with VALID
    Layer* l = t.layer(OpType::kConv, {t.input({1, 1, c.in}), t.constant({1, 1, c.k})}, attrs);
    const std::string config = "in " + std::to_string(c.in) + " k " + std::to_string(c.k) + " s " +
                               std::to_string(c.s) + " d " + std::to_string(c.d) + " " +
                               std::string(to_string(c.mode));
    ASSERT_TRUE(t.infer().is_ok()) << config;
    EXPECT_EQ(t.out().to_string(), (Dims{1, 1, c.out}).to_string()) << config;
    EXPECT_EQ(l->attrs_as<ConvAttrs>().pads, (V{c.pad_begin, c.pad_end})) << config;
    EXPECT_EQ(l->attrs_as<ConvAttrs>().auto_pad, AutoPad::kNotSet) << config;
  }
}

TEST(ConvShape, InferenceIsIdempotent) {
  OneLayer t;
  Layer* l = t.layer(OpType::kConv, {t.input({1, 2, 6, 7}), t.constant({3, 2, 3, 2})},
                     conv({2, 3}, {}, {1, 2}, 1, AutoPad::kSameLower));
  ASSERT_TRUE(t.infer().is_ok());
  const Dims first = t.out();
  const ConvAttrs attrs = l->attrs_as<ConvAttrs>();
  ASSERT_TRUE(t.infer().is_ok());
  EXPECT_EQ(t.out().to_string(), first.to_string());
  EXPECT_EQ(l->attrs_as<ConvAttrs>().pads, attrs.pads);
}

TEST(ConvShape, BiasAndResidual) {
  OneLayer t;
  t.layer(OpType::kConv,
          {t.input({2, 3, 5, 5}), t.constant({4, 3, 3, 3}), t.constant({4}), t.input({2, 4, 3, 3})},
          ConvAttrs{});
  EXPECT_TRUE(t.infer().is_ok()) << t.infer().to_string();
  EXPECT_EQ(t.out().to_string(), (Dims{2, 4, 3, 3}).to_string());

  OneLayer bad;
  bad.layer(OpType::kConv,
            {bad.input({2, 3, 5, 5}), bad.constant({4, 3, 3, 3}), nullptr, bad.input({2, 4, 3, 4})},
            ConvAttrs{});
  expect_error(bad.infer(), StatusCode::kInvalidArgument, {"Conv \"op\"", "residual", "2x4x3x3"});
}

TEST(ConvShape, Errors) {
  struct Case {
    Dims x, w;
    ConvAttrs attrs;
    std::string message;
  };
  ConvAttrs kernel_mismatch;
  kernel_mismatch.kernel_shape = {5, 5};
  ConvAttrs clip;
  clip.activation = {ActivationKind::kClip, 6.0f, 0.0f};
  const Case cases[] = {
      {{1, 3, 5, 5}, {4, 3, 3}, {}, "Conv \"op\": weight has 3 dims, expected 4 (OIHW)"},
      {{1, 3, 5, 5},
       {4, 4, 3, 3},
       {},
       "Conv \"op\": input has 3 channels but weight expects 4 (group 1)"},
      {{1, 4, 5, 5}, {3, 2, 3, 3}, conv({}, {}, {}, 2), "not divisible by group 2"},
      {{1, 3, 5, 5}, {4, 3, 3, 3}, kernel_mismatch, "kernel_shape 5x5 does not match"},
      {{1, 3, 5, 5}, {4, 3, 3, 3}, conv({1}), "strides has 1 entries, expected 2"},
      {{1, 3, 5, 5}, {4, 3, 3, 3}, conv({1, 0}), "strides[1] is 0"},
      {{1, 3, 5, 5}, {4, 3, 3, 3}, conv({}, {1, 1, -1, 1}), "pads[2] is -1"},
      {{1, 3, 2, 5}, {4, 3, 3, 3}, {}, "does not fit spatial axis 0 of extent 2"},
      {{1, 3, 5, 5}, {4, 3, 3, 3}, conv({}, {}, {}, 0), "group is 0"},
      {{1, 3}, {4, 3}, {}, "expected N x C x spatial"},
      {{1, 3, 5, 5}, {4, 3, 3, 3}, clip, "fused clip has min 6 > max 0"},
  };
  for (const Case& c : cases) {
    OneLayer t;
    t.layer(OpType::kConv, {t.input(c.x), t.constant(c.w)}, c.attrs);
    expect_error(t.infer(), StatusCode::kInvalidArgument, {c.message});
  }

  OneLayer bias;
  bias.layer(OpType::kConv,
             {bias.input({1, 3, 5, 5}), bias.constant({4, 3, 3, 3}), bias.constant({3})},
             ConvAttrs{});
  expect_error(bias.infer(), StatusCode::kInvalidArgument, {"bias has shape 3, expected 4"});

  OneLayer dtype;
  dtype.layer(OpType::kConv,
              {dtype.input({1, 3, 5, 5}, DataType::kInt8), dtype.constant({4, 3, 3, 3})},
              ConvAttrs{});
  expect_error(dtype.infer(), StatusCode::kUnsupported, {"dtype int8"});

  OneLayer missing;
  missing.layer(OpType::kConv, {missing.input({1, 3, 5, 5})}, ConvAttrs{});
  expect_error(missing.infer(), StatusCode::kInvalidArgument, {"has 1 inputs, expected 2 to 4"});
}

ConvTransposeAttrs deconv(V strides = {}, V pads = {}, V dilations = {}, int64_t group = 1) {
  ConvTransposeAttrs a;
  a.strides = std::move(strides);
  a.pads = std::move(pads);
  a.dilations = std::move(dilations);
  a.group = group;
  return a;
}

TEST(ConvTransposeShape, OutputExtents) {
  struct Case {
    Dims x, w;
    ConvTransposeAttrs attrs;
    Dims expected;
  };
  ConvTransposeAttrs output_padding = deconv({3, 2});
  output_padding.output_padding = {1, 1};
  const Case cases[] = {
      // out = s * (in - 1) + output_padding + (k - 1) * d + 1 - pb - pe
      {{1, 1, 3, 3}, {1, 2, 3, 3}, deconv(), {1, 2, 5, 5}},
      {{1, 1, 3, 3}, {1, 2, 3, 3}, deconv({3, 2}, {1, 2, 1, 2}), {1, 2, 7, 3}},
      {{1, 1, 3, 3}, {1, 2, 3, 3}, output_padding, {1, 2, 10, 8}},
      {{1, 1, 3, 3}, {1, 1, 2, 2}, deconv({}, {}, {2, 2}), {1, 1, 5, 5}},
      {{2, 4, 3, 3}, {4, 2, 3, 3}, deconv({}, {}, {}, 2), {2, 4, 5, 5}},
      {{1, 1, 3}, {1, 2, 3}, deconv(), {1, 2, 5}},
      {{1, 1, 3, 4, 5}, {1, 2, 3, 3, 3}, deconv({1, 2, 1}), {1, 2, 5, 9, 7}},
  };
  for (const Case& c : cases) {
    OneLayer t;
    t.layer(OpType::kConvTranspose, {t.input(c.x), t.constant(c.w)}, c.attrs);
    Status s = t.infer();
    ASSERT_TRUE(s.is_ok()) << "x " << c.x.to_string() << ": " << s.to_string();
    EXPECT_EQ(t.out().to_string(), c.expected.to_string())
        << "x " << c.x.to_string() << " w " << c.w.to_string();
  }
}

TEST(ConvTransposeShape, OutputShapeAndAutoPadDerivePads) {
  struct Case {
    V output_shape;
    AutoPad mode;
    Dims expected;
    V pads;
  };
  const Case cases[] = {
      // strides (3, 2), X 3x3, k 3: the full transposed conv is 9x7 (no output_padding).
      // total = full - out; NOTSET puts the odd one first: begin = total - floor(total / 2).
      {{10, 8}, AutoPad::kNotSet, {1, 2, 10, 8}, {0, 0, -1, -1}},
      {{1, 2, 10, 8}, AutoPad::kNotSet, {1, 2, 10, 8}, {0, 0, -1, -1}},  // full shape given
      {{8, 6}, AutoPad::kNotSet, {1, 2, 8, 6}, {1, 1, 0, 0}},
      {{8, 6}, AutoPad::kSameUpper, {1, 2, 8, 6}, {0, 0, 1, 1}},
      // SAME without output_shape: out = in * s = (9, 6): totals 0 and 1.
      {{}, AutoPad::kSameUpper, {1, 2, 9, 6}, {0, 0, 0, 1}},
      {{}, AutoPad::kSameLower, {1, 2, 9, 6}, {0, 1, 0, 0}},
  };
  for (const Case& c : cases) {
    OneLayer t;
    ConvTransposeAttrs attrs = deconv({3, 2});
    attrs.output_shape = c.output_shape;
    attrs.auto_pad = c.mode;
    Layer* l =
        t.layer(OpType::kConvTranspose, {t.input({1, 1, 3, 3}), t.constant({1, 2, 3, 3})}, attrs);
    const std::string config =
        "output_shape " + Dims(c.output_shape).to_string() + " " + std::string(to_string(c.mode));
    ASSERT_TRUE(t.infer().is_ok()) << config << ": " << t.infer().to_string();
    EXPECT_EQ(t.out().to_string(), c.expected.to_string()) << config;
    const auto& a = l->attrs_as<ConvTransposeAttrs>();
    EXPECT_EQ(a.pads, c.pads) << config;
    EXPECT_TRUE(a.output_shape.empty()) << config;
    EXPECT_EQ(a.auto_pad, AutoPad::kNotSet) << config;
    // The canonical form infers to the same shape again.
    ASSERT_TRUE(t.infer().is_ok()) << config;
    EXPECT_EQ(t.out().to_string(), c.expected.to_string()) << config;
    EXPECT_EQ(l->attrs_as<ConvTransposeAttrs>().pads, c.pads) << config;
  }
}

TEST(ConvTransposeShape, Errors) {
  OneLayer channels;
  channels.layer(OpType::kConvTranspose,
                 {channels.input({1, 3, 3, 3}), channels.constant({2, 2, 3, 3})}, deconv());
  expect_error(channels.infer(), StatusCode::kInvalidArgument,
               {"ConvTranspose \"op\"", "input has 3 channels but weight has 2"});

  OneLayer rank;
  rank.layer(OpType::kConvTranspose, {rank.input({1, 3, 3, 3}), rank.constant({3, 2, 3})},
             deconv());
  expect_error(rank.infer(), StatusCode::kInvalidArgument, {"weight has 3 dims, expected 4"});

  OneLayer group;
  group.layer(OpType::kConvTranspose, {group.input({1, 3, 3, 3}), group.constant({3, 2, 3, 3})},
              deconv({}, {}, {}, 2));
  expect_error(group.infer(), StatusCode::kInvalidArgument, {"not divisible by group 2"});

  OneLayer bias;
  bias.layer(OpType::kConvTranspose,
             {bias.input({1, 2, 3, 3}), bias.constant({2, 3, 3, 3}), bias.constant({3})},
             deconv({}, {}, {}, 2));
  expect_error(bias.infer(), StatusCode::kInvalidArgument, {"bias has shape 3, expected 6"});
}

}  // namespace
}  // namespace int8rt
