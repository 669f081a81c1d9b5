// Shape inference of MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool.
#include <gtest/gtest.h>

#include "int8rt/network.h"
#include "unit/ir/compute_ops_test_util.h"

namespace int8rt {
namespace {

using compute_testing::expect_error;
using compute_testing::OneLayer;
using V = std::vector<int64_t>;

PoolAttrs pool(V kernel, V strides = {}, V pads = {}, V dilations = {},
               AutoPad auto_pad = AutoPad::kNotSet, bool ceil_mode = false) {
  PoolAttrs a;
  a.kernel_shape = std::move(kernel);
  a.strides = std::move(strides);
  a.pads = std::move(pads);
  a.dilations = std::move(dilations);
  a.auto_pad = auto_pad;
  a.ceil_mode = ceil_mode;
  return a;
}

struct PoolCase {
  Dims x;
  PoolAttrs attrs;
  std::string expected;
  V pads;  // canonical pads expected
};

void check_cases(OpType type, const std::vector<PoolCase>& cases) {
  for (const PoolCase& c : cases) {
    OneLayer t;
    Layer* l = t.layer(type, {t.input(c.x)}, c.attrs);
    const std::string config =
        std::string(to_string(type)) + " x " + c.x.to_string() + " kernel " +
        Dims(c.attrs.kernel_shape).to_string() + " strides " + Dims(c.attrs.strides).to_string() +
        " pads " + Dims(c.attrs.pads).to_string() + " " + std::string(to_string(c.attrs.auto_pad)) +
        (c.attrs.ceil_mode ? " ceil" : "");
    Status s = t.infer();
    ASSERT_TRUE(s.is_ok()) << config << ": " << s.to_string();
    EXPECT_EQ(t.out().to_string(), c.expected) << config;
    const auto& a = l->attrs_as<PoolAttrs>();
    EXPECT_EQ(a.pads, c.pads) << config;
    EXPECT_EQ(a.auto_pad, AutoPad::kNotSet) << config;
    EXPECT_EQ(a.strides.size(), a.kernel_shape.size()) << config;
    EXPECT_EQ(a.dilations.size(), a.kernel_shape.size()) << config;
  }
}

TEST(PoolShape, OutputExtents) {
  check_cases(OpType::kMaxPool,
              {
                  {{1, 3, 32, 32}, pool({2, 2}), "1x3x31x31", {0, 0, 0, 0}},
                  {{1, 3, 32, 32}, pool({5, 5}, {3, 3}), "1x3x10x10", {0, 0, 0, 0}},
                  {{1, 3, 28, 28}, pool({3, 3}, {}, {2, 2, 2, 2}), "1x3x30x30", {2, 2, 2, 2}},
                  {{1, 1, 4, 4}, pool({2, 2}, {1, 1}, {}, {2, 2}), "1x1x2x2", {0, 0, 0, 0}},
                  {{1, 3, 32}, pool({2}), "1x3x31", {0, 0}},
                  {{1, 3, 8, 8, 8}, pool({2, 2, 2}, {2, 2, 2}), "1x3x4x4x4", {0, 0, 0, 0, 0, 0}},
                  {{2, 3, 7, 5}, pool({3, 2}, {2, 3}, {1, 0, 0, 1}), "2x3x3x2", {1, 0, 0, 1}},
              });
}

TEST(PoolShape, CeilMode) {
  check_cases(OpType::kAveragePool,
              {
                  // floor((4 - 3) / 2) + 1 = 1, ceil gives 2.
                  {{1, 1, 4, 4},
                   pool({3, 3}, {2, 2}, {}, {}, AutoPad::kNotSet, true),
                   "1x1x2x2",
                   {0, 0, 0, 0}},
                  {{1, 1, 4, 4}, pool({3, 3}, {2, 2}), "1x1x1x1", {0, 0, 0, 0}},
                  // ceil((3 + 2 - 3) / 3) + 1 = 2, but the second window would start at 3, in the
                  // end padding: it is dropped.
                  {{1, 1, 3}, pool({3}, {3}, {0, 2}, {}, AutoPad::kNotSet, true), "1x1x1", {0, 2}},
                  // ceil((6 + 2 - 2) / 2) + 1 = 4; the last window starts at 5, inside the input.
                  {{1, 1, 6}, pool({2}, {2}, {1, 1}, {}, AutoPad::kNotSet, true), "1x1x4", {1, 1}},
              });
}

TEST(PoolShape, AutoPad) {
  check_cases(OpType::kMaxPool, {
                                    {{1, 3, 32, 32},
                                     pool({2, 2}, {}, {}, {}, AutoPad::kSameUpper),
                                     "1x3x32x32",
                                     {0, 0, 1, 1}},
                                    {{1, 3, 32, 32},
                                     pool({2, 2}, {}, {}, {}, AutoPad::kSameLower),
                                     "1x3x32x32",
                                     {1, 1, 0, 0}},
                                    {{1, 1, 5, 6},
                                     pool({3, 3}, {2, 2}, {}, {}, AutoPad::kSameUpper),
                                     "1x1x3x3",
                                     {1, 0, 1, 1}},
                                    {{1, 1, 5, 6},
                                     pool({3, 3}, {2, 2}, {9, 9, 9, 9}, {}, AutoPad::kValid),
                                     "1x1x2x2",
                                     {0, 0, 0, 0}},
                                });
}

TEST(PoolShape, IndicesAndTypes) {
  OneLayer t;
  t.layer(OpType::kMaxPool, {t.input({1, 2, 4, 4}, DataType::kUInt8)}, pool({2, 2}, {2, 2}), 2);
  ASSERT_TRUE(t.infer().is_ok()) << t.infer().to_string();
  EXPECT_EQ(t.out(0).to_string(), "1x2x2x2");
  EXPECT_EQ(t.out_type(0), DataType::kUInt8);
  EXPECT_EQ(t.out(1).to_string(), "1x2x2x2");
  EXPECT_EQ(t.out_type(1), DataType::kInt64);

  OneLayer avg;
  avg.layer(OpType::kAveragePool, {avg.input({1, 2, 4, 4}, DataType::kInt8)}, pool({2, 2}));
  expect_error(avg.infer(), StatusCode::kUnsupported, {"AveragePool \"op\"", "dtype int8"});

  OneLayer avg_indices;
  avg_indices.layer(OpType::kAveragePool, {avg_indices.input({1, 2, 4, 4})}, pool({2, 2}), 2);
  expect_error(avg_indices.infer(), StatusCode::kInvalidArgument, {"has 2 outputs, expected 1"});
}

TEST(PoolShape, Errors) {
  struct Case {
    Dims x;
    PoolAttrs attrs;
    std::string message;
  };
  const Case cases[] = {
      {{1, 3, 8, 8}, pool({}), "kernel_shape is required"},
      {{1, 3, 8, 8}, pool({2}), "kernel_shape has 1 entries but input 1x3x8x8 has 2 spatial axes"},
      {{1, 3, 8, 8}, pool({3, 3}, {}, {3, 0, 0, 0}), "must be smaller than the window extent 3"},
      {{1, 3, 2, 8}, pool({3, 3}), "does not fit spatial axis 0 of extent 2"},
      {{1, 3}, pool({1}), "expected N x C x spatial"},
      {{1, 3, 8, 8}, pool({2, 2}, {1, 1}, {0, 0, 0}), "pads has 3 entries, expected 4"},
      {{1, 3, 8, 8}, pool({2, 2}, {}, {}, {0, 1}), "dilations[0] is 0"},
  };
  for (const Case& c : cases) {
    OneLayer t;
    t.layer(OpType::kMaxPool, {t.input(c.x)}, c.attrs);
    expect_error(t.infer(), StatusCode::kInvalidArgument, {"MaxPool \"op\"", c.message});
  }
}

TEST(GlobalPoolShape, SpatialAxesBecomeOne) {
  for (OpType type : {OpType::kGlobalAveragePool, OpType::kGlobalMaxPool}) {
    OneLayer t;
    t.layer(type, {t.input({2, 3, 5, 7})}, NoAttrs{});
    ASSERT_TRUE(t.infer().is_ok()) << t.infer().to_string();
    EXPECT_EQ(t.out().to_string(), "2x3x1x1");
    OneLayer one_d;
    one_d.layer(type, {one_d.input({1, 4, 9})}, NoAttrs{});
    ASSERT_TRUE(one_d.infer().is_ok());
    EXPECT_EQ(one_d.out().to_string(), "1x4x1");
    OneLayer bad;
    bad.layer(type, {bad.input({4, 9})}, NoAttrs{});
    expect_error(bad.infer(), StatusCode::kInvalidArgument, {"expected N x C x spatial"});
  }
}

}  // namespace
}  // namespace int8rt
