// Opsets 1-6, upgraded to the canonical forms: the broadcast/axis attributes of the binary ops,
// PRelu's per-channel slope, consumed_inputs, is_test, Gemm's broadcast, Concat-1's default axis,
// Split-1's split input, Reshape-1's shape, Pad-1's paddings, Cast-1's type names.
#include <gtest/gtest.h>

#include "onnx_test_util.h"

namespace int8rt::testing {
namespace {

constexpr int32_t kFloat = onnx::TensorProto::FLOAT;

struct Legacy : OneNodeImport {
  explicit Legacy(int64_t opset) : OneNodeImport(opset, {2, 3, 4, 5}, /*mark_all_outputs=*/true) {}
};

TEST(OnnxLegacyOpset, BinaryWithoutAxisIsNumpyBroadcasting) {
  for (int64_t broadcast : {0, 1}) {
    Legacy t(6);
    t.model.initializer("b", {5}, {1, 2, 3, 4, 5});
    t.node("Add", {"x", "b"}).attr_int("broadcast", broadcast);
    const Layer* layer = t.import();
    ASSERT_NE(layer, nullptr) << "broadcast=" << broadcast;
    EXPECT_EQ(layer->type(), OpType::kAdd);
    EXPECT_EQ(layer->input(1)->name(), "b");
    EXPECT_TRUE(t.logger.warnings().empty());
  }
}

TEST(OnnxLegacyOpset, BroadcastAxisReshapesAConstant) {
  // x [2,3,4,5] * b [3] at axis 1: b must become [3,1,1] for numpy alignment.
  Legacy t(6);
  t.model.initializer("b", {3}, {1, 2, 3});
  t.node("Mul", {"x", "b"}).attr_int("broadcast", 1).attr_int("axis", 1);
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  const Tensor* b = layer->input(1);
  ASSERT_TRUE(b->is_constant());
  EXPECT_EQ(b->dims(), (Dims{3, 1, 1}));
  EXPECT_EQ(constant_floats(b), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(t.net.num_layers(), 1);

  // Axis at the trailing position: numpy already aligns it, nothing to do.
  Legacy tail(6);
  tail.model.initializer("b", {4, 5}, std::vector<float>(20, 1.0f));
  tail.node("Sub", {"x", "b"}).attr_int("broadcast", 1).attr_int("axis", 2);
  EXPECT_EQ(tail.import()->input(1)->name(), "b");
}

TEST(OnnxLegacyOpset, BroadcastAxisUnsqueezesAGraphInput) {
  Legacy t(5);
  t.model.input("b", kFloat, {3, 4});
  t.node("Div", {"x", "b"}).attr_int("broadcast", 1).attr_int("axis", 1);
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  const Layer* unsqueeze = layer->input(1)->producer();
  ASSERT_NE(unsqueeze, nullptr);
  EXPECT_EQ(unsqueeze->type(), OpType::kUnsqueeze);
  EXPECT_EQ(unsqueeze->input(0)->name(), "b");
  EXPECT_EQ(constant_ints(unsqueeze->input(1)), (std::vector<int64_t>{2}));
}

TEST(OnnxLegacyOpset, BroadcastAxisErrors) {
  Legacy computed(6);
  computed.model.input("b0", kFloat, {3});
  computed.model.node("Relu", {"b0"}, {"b"}, "relu");
  computed.node("Add", {"x", "b"}).attr_int("broadcast", 1).attr_int("axis", 1);
  Status status = computed.import_status();
  EXPECT_EQ(status.code(), StatusCode::kUnsupported);
  EXPECT_TRUE(contains(status.message(), "\"b\" is computed"));

  Legacy outside(6);
  outside.model.initializer("b", {3, 4}, std::vector<float>(12, 1.0f));
  outside.node("Add", {"x", "b"}).attr_int("broadcast", 1).attr_int("axis", 3);
  EXPECT_TRUE(contains(outside.import_status().message(), "axis 3 does not place B"));
}

TEST(OnnxLegacyOpset, PReluSlopeIsPerChannel) {
  // x [2,3,4,5], slope [3]: per channel, so [3,1,1] for numpy broadcasting.
  Legacy t(6);
  t.model.initializer("slope", {3}, {0.1f, 0.2f, 0.3f});
  t.node("PRelu", {"x", "slope"});
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  EXPECT_EQ(layer->input(1)->dims(), (Dims{3, 1, 1}));
  EXPECT_EQ(constant_floats(layer->input(1)), (std::vector<double>{0.1f, 0.2f, 0.3f}));

  Legacy shared(6);
  shared.model.initializer("slope", {1}, {0.25f});
  shared.node("PRelu", {"x", "slope"});
  EXPECT_EQ(shared.import()->input(1)->name(), "slope");

  Legacy current(7);  // numpy broadcasting: a [5] slope matches the last axis
  current.model.initializer("slope", {5}, {1, 2, 3, 4, 5});
  current.node("PRelu", {"x", "slope"});
  EXPECT_EQ(current.import()->input(1)->name(), "slope");
}

TEST(OnnxLegacyOpset, ConsumedInputsAndIsTestAreIgnored) {
  Legacy t(1);
  t.node("Relu").attr_ints("consumed_inputs", {0});
  ASSERT_NE(t.import(), nullptr);
  EXPECT_TRUE(t.logger.warnings().empty());

  Legacy bn(6);
  for (const char* name : {"s", "b", "m", "v"})
    bn.model.initializer(name, {3}, {1, 1, 1});
  bn.node("BatchNormalization", {"x", "s", "b", "m", "v"})
      .attr_int("is_test", 1)
      .attr_int("spatial", 1)
      .attr_float("momentum", 0.9f);
  ASSERT_NE(bn.import(), nullptr);
  EXPECT_TRUE(bn.logger.warnings().empty());

  Legacy training(6);
  training.node("BatchNormalization", {"x", "x", "x", "x", "x"});
  ASSERT_NE(training.import(), nullptr);
  ASSERT_EQ(training.logger.warnings().size(), 1u);
  EXPECT_TRUE(contains(training.logger.warnings()[0], "is_test=0"));

  Legacy dropout(6);
  dropout.node("Dropout").attr_int("is_test", 1).attr_float("ratio", 0.5f);
  EXPECT_EQ(dropout.import()->type(), OpType::kIdentity);
}

TEST(OnnxLegacyOpset, GemmBroadcastAndAveragePool) {
  Legacy gemm(6);
  gemm.node("Gemm", {"x", "x", "x"}).attr_int("broadcast", 1).attr_int("transB", 1);
  const Layer* g = gemm.import();
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(g->attrs_as<GemmAttrs>().trans_b);
  EXPECT_TRUE(gemm.logger.warnings().empty());

  Legacy pool(6);
  pool.node("AveragePool").attr_ints("kernel_shape", {2, 2});
  const Layer* p = pool.import();
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->attrs_as<PoolAttrs>().count_include_pad);
}

TEST(OnnxLegacyOpset, ConcatSplitReshapePadCast) {
  Legacy concat(3);
  concat.node("Concat", {"x", "x"});
  EXPECT_EQ(concat.import()->attrs_as<ConcatAttrs>().axis, 1);

  Legacy split(1);
  split.model.initializer_int64("sizes", {2}, {1, 2});
  split.node("Split", {"x", "sizes"}, {"a", "b"}).attr_int("axis", 1);
  const Layer* s = split.import();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->input(1)->name(), "sizes");
  Legacy split_attr(1);
  split_attr.node("Split", {"x"}, {"a", "b"}).attr_ints("split", {2, 1}).attr_int("axis", 1);
  EXPECT_EQ(constant_ints(split_attr.import()->input(1)), (std::vector<int64_t>{2, 1}));

  Legacy reshape(4);
  reshape.node("Reshape").attr_ints("shape", {0, -1});
  const Layer* r = reshape.import();
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->num_inputs(), 2);
  EXPECT_EQ(r->input(1)->dtype(), DataType::kInt64);
  EXPECT_EQ(constant_ints(r->input(1)), (std::vector<int64_t>{0, -1}));

  Legacy pad(1);
  pad.node("Pad").attr_ints("paddings", {0, 0, 1, 1, 0, 0, 1, 1}).attr_float("value", 2.0f);
  const Layer* p = pad.import();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(constant_ints(p->input(1)), (std::vector<int64_t>{0, 0, 1, 1, 0, 0, 1, 1}));
  EXPECT_EQ(constant_floats(p->input(2)), (std::vector<double>{2.0}));

  Legacy cast(5);
  cast.node("Cast").attr_string("to", "INT32");
  EXPECT_EQ(cast.import()->attrs_as<CastAttrs>().to, DataType::kInt32);
  Legacy bad_cast(5);
  bad_cast.node("Cast").attr_string("to", "REAL");
  EXPECT_TRUE(contains(bad_cast.import_status().message(), "\"REAL\" is not a data type"));
}

}  // namespace
}  // namespace int8rt::testing
