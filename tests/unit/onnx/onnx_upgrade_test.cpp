// Old opsets upgraded to int8rt's canonical op forms (ops.inc): parameters that older opsets
// pass as attributes become constant inputs; renamed or removed ops map onto current ones.
#include <gtest/gtest.h>

#include "onnx_test_util.h"

namespace int8rt::testing {
namespace {

constexpr int32_t kFloat = onnx::TensorProto::FLOAT;

// x [1,2,3,4] -> op "n" -> y, at `opset`.
struct Upgrade : OneNodeImport {
  explicit Upgrade(int64_t opset)
      : OneNodeImport(opset, {1, 2, 3, 4}, /*mark_all_outputs=*/false) {}
};

void expect_int64_constant(const Tensor* tensor, const std::vector<int64_t>& values,
                           const char* what) {
  ASSERT_NE(tensor, nullptr) << what;
  ASSERT_TRUE(tensor->is_constant()) << what;
  EXPECT_EQ(tensor->dtype(), DataType::kInt64) << what;
  EXPECT_EQ(tensor->dims(), Dims{static_cast<int64_t>(values.size())}) << what;
  EXPECT_EQ(constant_ints(tensor), values) << what;
}

void expect_float_scalar(const Tensor* tensor, float value, const char* what) {
  ASSERT_NE(tensor, nullptr) << what;
  ASSERT_TRUE(tensor->is_constant()) << what;
  EXPECT_EQ(tensor->dtype(), DataType::kFloat) << what;
  EXPECT_EQ(tensor->dims(), Dims{}) << what;
  EXPECT_EQ(constant_floats(tensor), std::vector<double>{value}) << what;
}

TEST(OnnxUpgrade, Slice1AttributesBecomeInputs) {
  Upgrade t(9);
  t.node("Slice").attr_ints("starts", {0, 1}).attr_ints("ends", {1, 3}).attr_ints("axes", {0, 2});
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  EXPECT_EQ(layer->type(), OpType::kSlice);
  ASSERT_EQ(layer->num_inputs(), 4);
  EXPECT_EQ(layer->input(0)->name(), "x");
  expect_int64_constant(layer->input(1), {0, 1}, "starts");
  expect_int64_constant(layer->input(2), {1, 3}, "ends");
  expect_int64_constant(layer->input(3), {0, 2}, "axes");
  EXPECT_EQ(layer->input(1)->name(), "n.starts");
  EXPECT_TRUE(t.logger.warnings().empty());

  Upgrade no_axes(7);
  no_axes.node("Slice").attr_ints("starts", {0}).attr_ints("ends", {1});
  EXPECT_EQ(no_axes.import()->num_inputs(), 3);

  Upgrade no_ends(9);
  no_ends.node("Slice").attr_ints("starts", {0});
  EXPECT_TRUE(contains(no_ends.import_status().message(), "\"ends\""));
}

TEST(OnnxUpgrade, Slice10TakesInputs) {
  Upgrade t(10);
  t.model.initializer_int64("starts", {1}, {1});
  t.model.initializer_int64("ends", {1}, {2});
  t.node("Slice", {"x", "starts", "ends"});
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  EXPECT_EQ(layer->input(1)->name(), "starts");
  EXPECT_EQ(layer->num_inputs(), 3);
}

TEST(OnnxUpgrade, GeneratedConstantNamesDoNotClash) {
  Upgrade t(9);
  t.model.initializer("n.starts", {1}, {0.0f});  // the name the upgrade would pick
  t.model.node("Add", {"x", "n.starts"}, {"x2"}, "add");
  t.model.output("x2");
  t.node("Slice").attr_ints("starts", {0}).attr_ints("ends", {1});
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  EXPECT_NE(layer->input(1)->name(), "n.starts");
  expect_int64_constant(layer->input(1), {0}, "starts");
  EXPECT_EQ(t.net.find_tensor("n.starts")->dtype(), DataType::kFloat);
}

TEST(OnnxUpgrade, Clip6BoundsBecomeScalarInputs) {
  Upgrade t(6 + 1);
  t.node("Clip").attr_float("min", -1.0f).attr_float("max", 6.0f);
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  EXPECT_EQ(layer->type(), OpType::kClip);
  ASSERT_EQ(layer->num_inputs(), 3);
  expect_float_scalar(layer->input(1), -1.0f, "min");
  expect_float_scalar(layer->input(2), 6.0f, "max");

  Upgrade max_only(10);
  max_only.node("Clip").attr_float("max", 6.0f);
  const Layer* m = max_only.import();
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->num_inputs(), 3);
  EXPECT_EQ(m->input(1), nullptr);
  expect_float_scalar(m->input(2), 6.0f, "max");

  Upgrade neither(10);
  neither.node("Clip");
  EXPECT_EQ(neither.import()->num_inputs(), 1);
}

TEST(OnnxUpgrade, Pad2AttributesBecomeInputs) {
  Upgrade t(10);
  t.node("Pad").attr_ints("pads", {0, 0, 1, 2, 0, 0, 3, 4}).attr_float("value", 1.5f);
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  EXPECT_EQ(layer->attrs_as<PadAttrs>().mode, PadMode::kConstant);
  ASSERT_EQ(layer->num_inputs(), 3);
  expect_int64_constant(layer->input(1), {0, 0, 1, 2, 0, 0, 3, 4}, "pads");
  expect_float_scalar(layer->input(2), 1.5f, "value");

  Upgrade edge(7);
  edge.node("Pad").attr_ints("pads", {0, 0, 1, 1, 0, 0, 1, 1}).attr_string("mode", "edge");
  const Layer* e = edge.import();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->attrs_as<PadAttrs>().mode, PadMode::kEdge);
  EXPECT_EQ(e->num_inputs(), 2);
}

TEST(OnnxUpgrade, SplitAttributeBecomesInput) {
  Upgrade t(11);
  t.node("Split", {"x"}, {"a", "b"}).attr_int("axis", 3).attr_ints("split", {1, 3});
  t.model.output("b");
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  EXPECT_EQ(layer->attrs_as<SplitAttrs>().axis, 3);
  ASSERT_EQ(layer->num_inputs(), 2);
  expect_int64_constant(layer->input(1), {1, 3}, "split");
  EXPECT_EQ(layer->num_outputs(), 2);

  Upgrade equal(8);
  equal.node("Split", {"x"}, {"a", "b"}).attr_int("axis", 1);
  equal.model.output("b");
  EXPECT_EQ(equal.import()->num_inputs(), 1);
}

TEST(OnnxUpgrade, SqueezeUnsqueezeAxesBecomeInputs) {
  Upgrade squeeze(11);
  squeeze.node("Squeeze").attr_ints("axes", {0});
  const Layer* s = squeeze.import();
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->num_inputs(), 2);
  expect_int64_constant(s->input(1), {0}, "squeeze axes");

  Upgrade squeeze_all(11);
  squeeze_all.node("Squeeze");
  EXPECT_EQ(squeeze_all.import()->num_inputs(), 1);

  Upgrade unsqueeze(7);
  unsqueeze.node("Unsqueeze").attr_ints("axes", {0, 5});
  const Layer* u = unsqueeze.import();
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->type(), OpType::kUnsqueeze);
  expect_int64_constant(u->input(1), {0, 5}, "unsqueeze axes");

  Upgrade unsqueeze_no_axes(11);
  unsqueeze_no_axes.node("Unsqueeze");
  EXPECT_TRUE(
      contains(unsqueeze_no_axes.import_status().message(), "missing required attribute \"axes\""));

  Upgrade unsqueeze13(13);
  unsqueeze13.model.initializer_int64("ax", {1}, {0});
  unsqueeze13.node("Unsqueeze", {"x", "ax"});
  EXPECT_EQ(unsqueeze13.import()->input(1)->name(), "ax");
}

TEST(OnnxUpgrade, ReduceAxesAttributeBecomesInput) {
  const std::pair<const char*, OpType> kOps[] = {{"ReduceMean", OpType::kReduceMean},
                                                 {"ReduceMax", OpType::kReduceMax},
                                                 {"ReduceMin", OpType::kReduceMin},
                                                 {"ReduceProd", OpType::kReduceProd}};
  for (int64_t opset : {7, 13, 17}) {
    for (const auto& [op, type] : kOps) {
      Upgrade t(opset);
      t.node(op).attr_ints("axes", {2, 3}).attr_int("keepdims", 0);
      const Layer* layer = t.import();
      ASSERT_NE(layer, nullptr) << op << " opset " << opset;
      EXPECT_EQ(layer->type(), type);
      ASSERT_EQ(layer->num_inputs(), 2) << op << " opset " << opset;
      expect_int64_constant(layer->input(1), {2, 3}, op);
      EXPECT_FALSE(layer->attrs_as<ReduceAttrs>().keepdims);
      EXPECT_FALSE(layer->attrs_as<ReduceAttrs>().noop_with_empty_axes);
    }
  }
  Upgrade sum(12);
  sum.node("ReduceSum").attr_ints("axes", {1});
  const Layer* s = sum.import();
  ASSERT_NE(s, nullptr);
  expect_int64_constant(s->input(1), {1}, "ReduceSum-11 axes");
  EXPECT_TRUE(s->attrs_as<ReduceAttrs>().keepdims);

  Upgrade all(11);
  all.node("ReduceMean");
  EXPECT_EQ(all.import()->num_inputs(), 1);
}

TEST(OnnxUpgrade, Upsample7BecomesResizeWithScalesConstant) {
  Upgrade t(8);
  t.node("Upsample").attr_floats("scales", {1.0f, 1.0f, 2.0f, 3.0f}).attr_string("mode", "linear");
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  EXPECT_EQ(layer->type(), OpType::kResize);
  ASSERT_EQ(layer->num_inputs(), 3);
  EXPECT_EQ(layer->input(1), nullptr);
  ASSERT_TRUE(layer->input(2)->is_constant());
  EXPECT_EQ(layer->input(2)->dtype(), DataType::kFloat);
  EXPECT_EQ(constant_floats(layer->input(2)), (std::vector<double>{1.0, 1.0, 2.0, 3.0}));
  const auto& a = layer->attrs_as<ResizeAttrs>();
  EXPECT_EQ(a.mode, ResizeMode::kLinear);
  EXPECT_EQ(a.coordinate_transformation_mode, ResizeCoordinateMode::kAsymmetric);
  EXPECT_EQ(a.nearest_mode, ResizeNearestMode::kFloor);
}

TEST(OnnxUpgrade, Upsample9AndResize10KeepTheScalesInput) {
  for (const auto& [op, opset] : {std::pair{"Upsample", 9}, std::pair{"Resize", 10}}) {
    Upgrade t(opset);
    t.model.initializer("s", {4}, {1.0f, 1.0f, 2.0f, 2.0f});
    t.node(op, {"x", "s"});
    const Layer* layer = t.import();
    ASSERT_NE(layer, nullptr) << op;
    EXPECT_EQ(layer->type(), OpType::kResize);
    ASSERT_EQ(layer->num_inputs(), 3);
    EXPECT_EQ(layer->input(1), nullptr);
    EXPECT_EQ(layer->input(2)->name(), "s");
    const auto& a = layer->attrs_as<ResizeAttrs>();
    EXPECT_EQ(a.mode, ResizeMode::kNearest);
    EXPECT_EQ(a.coordinate_transformation_mode, ResizeCoordinateMode::kAsymmetric);
    EXPECT_EQ(a.nearest_mode, ResizeNearestMode::kFloor);
  }
  Upgrade cubic(10);
  cubic.node("Resize", {"x", "x"}).attr_string("mode", "cubic");
  EXPECT_EQ(cubic.import_status().code(), StatusCode::kUnsupported);
}

TEST(OnnxUpgrade, BatchNormalization7IgnoresTrainingAttributes) {
  Upgrade t(7);
  t.node("BatchNormalization", {"x", "s", "b", "m", "v"})
      .attr_int("spatial", 1)
      .attr_float("momentum", 0.9f)
      .attr_float("epsilon", 1e-4f);
  for (const char* name : {"s", "b", "m", "v"})
    t.model.initializer(name, {2}, {1.0f, 1.0f});
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  EXPECT_EQ(layer->attrs_as<BatchNormAttrs>().epsilon, 1e-4f);
  EXPECT_TRUE(t.logger.warnings().empty());
}

TEST(OnnxUpgrade, DropoutIsIdentityAndItsMaskIsDeclined) {
  Upgrade t(7);
  t.node("Dropout").attr_float("ratio", 0.3f);
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  EXPECT_EQ(layer->type(), OpType::kIdentity);
  EXPECT_EQ(layer->num_inputs(), 1);
  EXPECT_TRUE(t.logger.warnings().empty());

  Upgrade mask(10);
  mask.node("Dropout", {"x"}, {"y", "mask"});
  mask.model.output("mask");
  Status status = mask.import_status();
  EXPECT_EQ(status.code(), StatusCode::kUnsupported);
  EXPECT_TRUE(contains(status.message(), "\"mask\""));

  Upgrade off(13);
  off.model.proto().mutable_graph()->add_initializer()->CopyFrom([] {
    onnx::TensorProto value;
    value.set_name("training");
    value.set_data_type(onnx::TensorProto::BOOL);
    value.add_int32_data(0);
    return value;
  }());
  off.model.initializer("ratio", {}, {0.5f});
  off.node("Dropout", {"x", "ratio", "training"});
  const Layer* d = off.import();
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->num_inputs(), 1);

  Upgrade on(13);
  on.model.input("training", onnx::TensorProto::BOOL, {});
  on.node("Dropout", {"x", "", "training"});
  EXPECT_EQ(on.import_status().code(), StatusCode::kUnsupported);
}

TEST(OnnxUpgrade, AttributesNewerThanTheOpsetAreIgnoredWithAWarning) {
  Upgrade t(8);
  t.node("MaxPool").attr_ints("kernel_shape", {2, 2}).attr_int("ceil_mode", 1);
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  EXPECT_FALSE(layer->attrs_as<PoolAttrs>().ceil_mode);
  ASSERT_EQ(t.logger.warnings().size(), 1u);
  EXPECT_TRUE(contains(t.logger.warnings()[0], "\"ceil_mode\""));
  EXPECT_TRUE(contains(t.logger.warnings()[0], "opset 8"));
}

}  // namespace
}  // namespace int8rt::testing
