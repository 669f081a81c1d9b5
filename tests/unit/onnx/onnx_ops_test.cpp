// Op importers at current opsets: the layer type, its attributes (given and ONNX defaults) and its
// inputs. Expected values come from the ONNX operator specification.
#include <gtest/gtest.h>

#include "onnx_test_util.h"

namespace int8rt::testing {
namespace {

constexpr int32_t kFloat = onnx::TensorProto::FLOAT;

// A model around one node: inputs are graph inputs of rank 4 unless they are initializers or node
// outputs the caller added. Returns the imported layer (nullptr and a failure on error).
class OneNode {
 public:
  explicit OneNode(int64_t opset = 13) : model(opset) {}

  OnnxNode node(const std::string& op, const std::vector<std::string>& inputs,
                const std::vector<std::string>& outputs = {"y"}) {
    for (const std::string& input : inputs) {
      if (input.empty() || declared_.count(input)) continue;
      bool defined = false;
      for (const auto& init : model.graph().initializer())
        defined = defined || init.name() == input;
      for (const auto& node : model.graph().node()) {
        for (const auto& output : node.output())
          defined = defined || output == input;
      }
      if (!defined) model.input(input, kFloat, {1, 2, 3, 4});
      declared_.insert(input);
    }
    for (const std::string& output : outputs)
      model.output(output);
    return model.node(op, inputs, outputs, "n");
  }

  const Layer* import() {
    Status status = parse_model(model, net);
    EXPECT_TRUE(status.is_ok()) << status.to_string();
    return status.is_ok() ? net.find_layer("n") : nullptr;
  }
  Status import_status() { return parse_model(model, net); }

  OnnxModel model;
  Network net;

 private:
  std::set<std::string> declared_;
};

TEST(OnnxOps, ConvAttributes) {
  OneNode t;
  t.node("Conv", {"x", "w", "b"})
      .attr_ints("kernel_shape", {3, 3})
      .attr_ints("strides", {2, 1})
      .attr_ints("pads", {1, 0, 1, 0})
      .attr_ints("dilations", {1, 2})
      .attr_int("group", 2);
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  EXPECT_EQ(layer->type(), OpType::kConv);
  EXPECT_EQ(layer->num_inputs(), 3);
  const auto& a = layer->attrs_as<ConvAttrs>();
  EXPECT_EQ(a.kernel_shape, (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(a.strides, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(a.pads, (std::vector<int64_t>{1, 0, 1, 0}));
  EXPECT_EQ(a.dilations, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(a.group, 2);
  EXPECT_EQ(a.auto_pad, AutoPad::kNotSet);
  EXPECT_EQ(a.activation.kind, ActivationKind::kNone);
}

TEST(OnnxOps, ConvDefaultsAndAutoPad) {
  const std::pair<const char*, AutoPad> kCases[] = {{"SAME_UPPER", AutoPad::kSameUpper},
                                                    {"SAME_LOWER", AutoPad::kSameLower},
                                                    {"VALID", AutoPad::kValid}};
  for (const auto& [text, value] : kCases) {
    OneNode t;
    t.node("Conv", {"x", "w"}).attr_string("auto_pad", text);
    const Layer* layer = t.import();
    ASSERT_NE(layer, nullptr) << text;
    const auto& a = layer->attrs_as<ConvAttrs>();
    EXPECT_EQ(a.auto_pad, value) << text;
    EXPECT_EQ(a.group, 1);
    EXPECT_TRUE(a.kernel_shape.empty() && a.strides.empty() && a.pads.empty() &&
                a.dilations.empty());
  }
  OneNode bad;
  bad.node("Conv", {"x", "w"}).attr_string("auto_pad", "SAME");
  EXPECT_TRUE(contains(bad.import_status().message(), "auto_pad \"SAME\""));
}

TEST(OnnxOps, ConvTransposeAttributes) {
  OneNode t;
  t.node("ConvTranspose", {"x", "w"})
      .attr_ints("strides", {2, 2})
      .attr_ints("output_padding", {1, 0})
      .attr_ints("output_shape", {9, 8});
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  const auto& a = layer->attrs_as<ConvTransposeAttrs>();
  EXPECT_EQ(a.strides, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(a.output_padding, (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(a.output_shape, (std::vector<int64_t>{9, 8}));
  EXPECT_EQ(a.group, 1);
}

TEST(OnnxOps, GemmAttributesAndDefaults) {
  OneNode t;
  t.node("Gemm", {"a", "b", "c"}).attr_float("alpha", 0.5f).attr_int("transA", 1);
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  const auto& a = layer->attrs_as<GemmAttrs>();
  EXPECT_EQ(a.alpha, 0.5f);
  EXPECT_EQ(a.beta, 1.0f);
  EXPECT_TRUE(a.trans_a);
  EXPECT_FALSE(a.trans_b);
}

TEST(OnnxOps, PlainOpsKeepTheirInputs) {
  const std::pair<const char*, OpType> kOps[] = {
      {"MatMul", OpType::kMatMul}, {"Add", OpType::kAdd},        {"Sub", OpType::kSub},
      {"Mul", OpType::kMul},       {"Div", OpType::kDiv},        {"Pow", OpType::kPow},
      {"Equal", OpType::kEqual},   {"PRelu", OpType::kPRelu},    {"Expand", OpType::kExpand},
      {"Gather", OpType::kGather}, {"Reshape", OpType::kReshape}};
  for (const auto& [op, type] : kOps) {
    OneNode t;
    t.node(op, {"p", "q"});
    const Layer* layer = t.import();
    ASSERT_NE(layer, nullptr) << op;
    EXPECT_EQ(layer->type(), type) << op;
    ASSERT_EQ(layer->num_inputs(), 2) << op;
    EXPECT_EQ(layer->input(0)->name(), "p");
    EXPECT_EQ(layer->input(1)->name(), "q");
  }
  const std::pair<const char*, OpType> kUnary[] = {
      {"Abs", OpType::kAbs},
      {"Neg", OpType::kNeg},
      {"Sqrt", OpType::kSqrt},
      {"Reciprocal", OpType::kReciprocal},
      {"Exp", OpType::kExp},
      {"Log", OpType::kLog},
      {"Floor", OpType::kFloor},
      {"Ceil", OpType::kCeil},
      {"Erf", OpType::kErf},
      {"Relu", OpType::kRelu},
      {"Sigmoid", OpType::kSigmoid},
      {"Tanh", OpType::kTanh},
      {"Softplus", OpType::kSoftplus},
      {"Identity", OpType::kIdentity},
      {"GlobalAveragePool", OpType::kGlobalAveragePool},
      {"GlobalMaxPool", OpType::kGlobalMaxPool}};
  for (const auto& [op, type] : kUnary) {
    OneNode t;
    t.node(op, {"x"});
    const Layer* layer = t.import();
    ASSERT_NE(layer, nullptr) << op;
    EXPECT_EQ(layer->type(), type) << op;
    EXPECT_EQ(layer->num_inputs(), 1) << op;
  }
  OneNode hard_swish(14);
  hard_swish.node("HardSwish", {"x"});
  ASSERT_NE(hard_swish.import(), nullptr);
}

TEST(OnnxOps, VariadicAndTernary) {
  OneNode t;
  t.node("Max", {"a", "b", "c"});
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  EXPECT_EQ(layer->num_inputs(), 3);

  OneNode w;
  w.node("Where", {"c", "x", "y2"});
  ASSERT_NE(w.import(), nullptr);
  EXPECT_EQ(w.net.find_layer("n")->type(), OpType::kWhere);
}

TEST(OnnxOps, ActivationAttributes) {
  {
    OneNode t;
    t.node("LeakyRelu", {"x"});
    const Layer* layer = t.import();
    ASSERT_NE(layer, nullptr);
    EXPECT_EQ(layer->attrs_as<LeakyReluAttrs>().alpha, 0.01f);
  }
  {
    OneNode t;
    t.node("LeakyRelu", {"x"}).attr_float("alpha", 0.2f);
    EXPECT_EQ(t.import()->attrs_as<LeakyReluAttrs>().alpha, 0.2f);
  }
  {
    OneNode t;
    t.node("HardSigmoid", {"x"}).attr_float("beta", 0.6f);
    const auto& a = t.import()->attrs_as<HardSigmoidAttrs>();
    EXPECT_EQ(a.alpha, 0.2f);
    EXPECT_EQ(a.beta, 0.6f);
  }
  {
    OneNode t;
    t.node("Elu", {"x"});
    EXPECT_EQ(t.import()->attrs_as<EluAttrs>().alpha, 1.0f);
  }
}

TEST(OnnxOps, ClipTakesInputsFromOpset11) {
  OneNode t(11);
  t.model.initializer("lo", {}, {0.0f});
  t.node("Clip", {"x", "", "lo"});  // odd but legal: max given as "lo", min absent
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  ASSERT_EQ(layer->num_inputs(), 3);
  EXPECT_EQ(layer->input(1), nullptr);
  EXPECT_EQ(layer->input(2)->name(), "lo");
}

TEST(OnnxOps, SoftmaxAxisDefaultsByOpset) {
  for (int64_t opset : {11, 13}) {
    for (const char* op : {"Softmax", "LogSoftmax"}) {
      OneNode t(opset);
      t.node(op, {"x"});
      const Layer* layer = t.import();
      ASSERT_NE(layer, nullptr);
      const auto& a = layer->attrs_as<SoftmaxAttrs>();
      EXPECT_EQ(a.axis, opset >= 13 ? -1 : 1) << op << " opset " << opset;
      EXPECT_EQ(a.coerce_to_2d, opset < 13) << op << " opset " << opset;
    }
  }
  OneNode t(13);
  t.node("Softmax", {"x"}).attr_int("axis", 1);
  EXPECT_EQ(t.import()->attrs_as<SoftmaxAttrs>().axis, 1);
}

TEST(OnnxOps, BatchNormalization) {
  OneNode t(15);
  t.node("BatchNormalization", {"x", "s", "b", "m", "v"})
      .attr_float("epsilon", 1e-3f)
      .attr_float("momentum", 0.8f);
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  EXPECT_EQ(layer->attrs_as<BatchNormAttrs>().epsilon, 1e-3f);
  EXPECT_EQ(layer->num_inputs(), 5);
  EXPECT_EQ(layer->num_outputs(), 1);

  OneNode training(15);
  training.node("BatchNormalization", {"x", "s", "b", "m", "v"}).attr_int("training_mode", 1);
  EXPECT_EQ(training.import_status().code(), StatusCode::kUnsupported);
}

TEST(OnnxOps, BatchNormalizationTrainingOutputsAreErrorsOnlyWhenUsed) {
  {
    // Named but unused: fine.
    OneNode t(9);
    t.node("BatchNormalization", {"x", "s", "b", "m", "v"}, {"y"});
    t.model.graph().mutable_node(0)->add_output("running_mean");
    ASSERT_NE(t.import(), nullptr);
    EXPECT_EQ(t.net.find_tensor("running_mean"), nullptr);
  }
  {
    OneNode t(9);
    t.node("BatchNormalization", {"x", "s", "b", "m", "v"}, {"y"});
    t.model.graph().mutable_node(0)->add_output("running_mean");
    t.model.node("Relu", {"running_mean"}, {"z"}, "consumer");
    t.model.output("z");
    Status status = t.import_status();
    EXPECT_EQ(status.code(), StatusCode::kUnsupported);
    EXPECT_TRUE(contains(status.message(), "Relu \"consumer\""));
    EXPECT_TRUE(contains(status.message(), "\"running_mean\""));
    EXPECT_TRUE(contains(status.message(), "BatchNormalization \"n\""));
    EXPECT_TRUE(contains(status.message(), "training"));
  }
}

TEST(OnnxOps, PoolAttributes) {
  OneNode t(12);
  t.node("MaxPool", {"x"})
      .attr_ints("kernel_shape", {2, 2})
      .attr_ints("strides", {2, 2})
      .attr_ints("dilations", {1, 1})
      .attr_int("ceil_mode", 1)
      .attr_int("storage_order", 0);
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  const auto& a = layer->attrs_as<PoolAttrs>();
  EXPECT_EQ(a.kernel_shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(a.strides, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(a.dilations, (std::vector<int64_t>{1, 1}));
  EXPECT_TRUE(a.ceil_mode);

  OneNode avg(11);
  avg.node("AveragePool", {"x"}).attr_ints("kernel_shape", {3, 3}).attr_int("count_include_pad", 1);
  const auto& b = avg.import()->attrs_as<PoolAttrs>();
  EXPECT_TRUE(b.count_include_pad);
  EXPECT_FALSE(b.ceil_mode);
  EXPECT_TRUE(b.pads.empty());

  OneNode no_kernel(11);
  no_kernel.node("AveragePool", {"x"});
  EXPECT_TRUE(contains(no_kernel.import_status().message(), "\"kernel_shape\""));
}

TEST(OnnxOps, MaxPoolIndicesAreUnsupportedWhenUsed) {
  OneNode unused(12);
  unused.node("MaxPool", {"x"}, {"y"}).attr_ints("kernel_shape", {2, 2});
  unused.model.graph().mutable_node(0)->add_output("indices");
  ASSERT_NE(unused.import(), nullptr);
  EXPECT_EQ(unused.net.find_layer("n")->num_outputs(), 1);

  OneNode used(12);
  used.node("MaxPool", {"x"}, {"y", "indices"}).attr_ints("kernel_shape", {2, 2});
  Status status = used.import_status();
  EXPECT_EQ(status.code(), StatusCode::kUnsupported);
  EXPECT_TRUE(contains(status.message(), "graph output \"indices\""));
  EXPECT_TRUE(contains(status.message(), "Indices"));
}

TEST(OnnxOps, ReduceSumAxesInputFromOpset13) {
  OneNode t(13);
  t.model.initializer_int64("axes", {1}, {1});
  t.node("ReduceSum", {"x", "axes"}).attr_int("keepdims", 0).attr_int("noop_with_empty_axes", 1);
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  EXPECT_EQ(layer->input(1)->name(), "axes");
  const auto& a = layer->attrs_as<ReduceAttrs>();
  EXPECT_FALSE(a.keepdims);
  EXPECT_TRUE(a.noop_with_empty_axes);
}

TEST(OnnxOps, DataMovementAttributes) {
  {
    OneNode t;
    t.node("Concat", {"a", "b"}).attr_int("axis", -1);
    EXPECT_EQ(t.import()->attrs_as<ConcatAttrs>().axis, -1);
  }
  {
    OneNode t;
    t.node("Gather", {"a", "i"}).attr_int("axis", 2);
    EXPECT_EQ(t.import()->attrs_as<GatherAttrs>().axis, 2);
  }
  {
    OneNode t;
    t.node("Flatten", {"a"});
    EXPECT_EQ(t.import()->attrs_as<FlattenAttrs>().axis, 1);
  }
  {
    OneNode t;
    t.node("Transpose", {"a"}).attr_ints("perm", {0, 2, 3, 1});
    EXPECT_EQ(t.import()->attrs_as<TransposeAttrs>().perm, (std::vector<int64_t>{0, 2, 3, 1}));
  }
  {
    OneNode t(14);
    t.node("Reshape", {"a", "s"}).attr_int("allowzero", 1);
    EXPECT_TRUE(t.import()->attrs_as<ReshapeAttrs>().allowzero);
  }
  {
    OneNode t(15);
    t.node("Shape", {"a"}).attr_int("start", 1).attr_int("end", -1);
    const auto& a = t.import()->attrs_as<ShapeAttrs>();
    EXPECT_EQ(a.start, 1);
    EXPECT_EQ(a.end, -1);
  }
  {
    OneNode t(13);
    t.node("Shape", {"a"});
    const auto& a = t.import()->attrs_as<ShapeAttrs>();
    EXPECT_EQ(a.start, 0);
    EXPECT_EQ(a.end, std::numeric_limits<int64_t>::max());
  }
}

TEST(OnnxOps, SplitHasOneOutputPerNodeOutput) {
  OneNode t(13);
  t.model.initializer_int64("sizes", {3}, {1, 1, 2});
  t.node("Split", {"x", "sizes"}, {"s0", "s1", "s2"}).attr_int("axis", 3);
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  EXPECT_EQ(layer->attrs_as<SplitAttrs>().axis, 3);
  ASSERT_EQ(layer->num_outputs(), 3);
  EXPECT_EQ(layer->output(2)->name(), "s2");
  EXPECT_EQ(t.net.num_outputs(), 3);
}

TEST(OnnxOps, PadModes) {
  const std::pair<const char*, PadMode> kModes[] = {
      {"constant", PadMode::kConstant}, {"reflect", PadMode::kReflect}, {"edge", PadMode::kEdge}};
  for (const auto& [text, mode] : kModes) {
    OneNode t(13);
    t.model.initializer_int64("pads", {8}, {0, 0, 1, 1, 0, 0, 1, 1});
    t.node("Pad", {"x", "pads"}).attr_string("mode", text);
    const Layer* layer = t.import();
    ASSERT_NE(layer, nullptr) << text;
    EXPECT_EQ(layer->attrs_as<PadAttrs>().mode, mode) << text;
    EXPECT_EQ(layer->num_inputs(), 2);
  }
  OneNode wrap(13);
  wrap.node("Pad", {"x", "p"}).attr_string("mode", "wrap");
  EXPECT_EQ(wrap.import_status().code(), StatusCode::kUnsupported);
}

TEST(OnnxOps, ResizeAttributes) {
  OneNode t(13);
  t.model.initializer("scales", {4}, {1.0f, 1.0f, 2.0f, 2.0f});
  t.node("Resize", {"x", "", "scales"})
      .attr_string("mode", "cubic")
      .attr_string("coordinate_transformation_mode", "align_corners")
      .attr_float("cubic_coeff_a", -0.5f)
      .attr_int("exclude_outside", 1)
      .attr_float("extrapolation_value", 2.0f)
      .attr_string("nearest_mode", "ceil");
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  const auto& a = layer->attrs_as<ResizeAttrs>();
  EXPECT_EQ(a.mode, ResizeMode::kCubic);
  EXPECT_EQ(a.coordinate_transformation_mode, ResizeCoordinateMode::kAlignCorners);
  EXPECT_EQ(a.cubic_coeff_a, -0.5f);
  EXPECT_TRUE(a.exclude_outside);
  EXPECT_EQ(a.extrapolation_value, 2.0f);
  EXPECT_EQ(a.nearest_mode, ResizeNearestMode::kCeil);
  ASSERT_EQ(layer->num_inputs(), 3);
  EXPECT_EQ(layer->input(1), nullptr);
  EXPECT_EQ(layer->input(2)->name(), "scales");

  OneNode defaults(13);
  defaults.node("Resize", {"x", "", "", "sizes"});
  const auto& d = defaults.import()->attrs_as<ResizeAttrs>();
  EXPECT_EQ(d.mode, ResizeMode::kNearest);
  EXPECT_EQ(d.coordinate_transformation_mode, ResizeCoordinateMode::kHalfPixel);
  EXPECT_EQ(d.nearest_mode, ResizeNearestMode::kRoundPreferFloor);
  EXPECT_EQ(d.cubic_coeff_a, -0.75f);
  EXPECT_EQ(defaults.net.find_layer("n")->input(3)->name(), "sizes");
}

TEST(OnnxOps, Resize11EmptyRoiAndScalesBecomeAbsent) {
  OneNode t(11);
  t.model.initializer("roi", {0}, {});
  t.model.initializer("scales", {0}, {});
  t.model.initializer_int64("sizes", {4}, {1, 2, 6, 8});
  t.node("Resize", {"x", "roi", "scales", "sizes"});
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  ASSERT_EQ(layer->num_inputs(), 4);
  EXPECT_EQ(layer->input(1), nullptr);
  EXPECT_EQ(layer->input(2), nullptr);
  EXPECT_EQ(constant_ints(layer->input(3)), (std::vector<int64_t>{1, 2, 6, 8}));

  OneNode tf(11);
  tf.node("Resize", {"x", "roi", "scales"})
      .attr_string("coordinate_transformation_mode", "tf_half_pixel_for_nearest");
  Status status = tf.import_status();
  EXPECT_EQ(status.code(), StatusCode::kUnsupported);
  EXPECT_TRUE(contains(status.message(), "tf_half_pixel_for_nearest"));
}

TEST(OnnxOps, CastTargets) {
  OneNode t;
  t.node("Cast", {"x"}).attr_int("to", onnx::TensorProto::INT64);
  EXPECT_EQ(t.import()->attrs_as<CastAttrs>().to, DataType::kInt64);

  OneNode to_double;
  to_double.node("Cast", {"x"}).attr_int("to", onnx::TensorProto::DOUBLE);
  Status status = to_double.import_status();
  EXPECT_EQ(status.code(), StatusCode::kUnsupported);
  EXPECT_TRUE(contains(status.message(), "DOUBLE"));
}

TEST(OnnxOps, ConstantBecomesAConstantTensor) {
  OneNode t(13);
  t.model.node("Constant", {}, {"k"}, "const_node")
      .attr_tensor("value", make_float_tensor("", {2}, {3.0f, 4.0f}));
  t.node("Add", {"x", "k"});
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  const Tensor* k = layer->input(1);
  ASSERT_TRUE(k->is_constant());
  EXPECT_EQ(k->name(), "k");
  EXPECT_EQ(constant_floats(k), (std::vector<double>{3.0, 4.0}));
  EXPECT_EQ(t.net.num_layers(), 1);  // no layer for the Constant
}

TEST(OnnxOps, ConstantValueVariants) {
  struct Case {
    const char* attr;
    std::function<void(OnnxNode&)> set;
    DataType type;
    Dims dims;
    std::vector<double> values;
  };
  const Case kCases[] = {
      {"value_float",
       [](OnnxNode& n) { n.attr_float("value_float", 1.5f); },
       DataType::kFloat,
       Dims{},
       {1.5}},
      {"value_floats",
       [](OnnxNode& n) {
         n.attr_floats("value_floats", {1.0f, -2.0f});
       },
       DataType::kFloat,
       Dims{2},
       {1.0, -2.0}},
      {"value_int",
       [](OnnxNode& n) { n.attr_int("value_int", 7); },
       DataType::kInt64,
       Dims{},
       {7.0}},
      {"value_ints",
       [](OnnxNode& n) {
         n.attr_ints("value_ints", {4, 5, 6});
       },
       DataType::kInt64,
       Dims{3},
       {4.0, 5.0, 6.0}},
  };
  for (const Case& c : kCases) {
    OnnxModel model(13);
    OnnxNode node = model.node("Constant", {}, {"k"});
    c.set(node);
    model.output("k");
    Network net;
    Status status = parse_model(model, net);
    ASSERT_TRUE(status.is_ok()) << c.attr << ": " << status.to_string();
    const Tensor* k = net.find_tensor("k");
    EXPECT_EQ(k->dtype(), c.type) << c.attr;
    EXPECT_EQ(k->dims(), c.dims) << c.attr;
    EXPECT_EQ(constant_floats(k), c.values) << c.attr;
    EXPECT_TRUE(k->is_network_output());
  }
  OnnxModel two(13);
  two.node("Constant", {}, {"k"}, "c2").attr_int("value_int", 1).attr_float("value_float", 1.0f);
  two.output("k");
  Network net;
  EXPECT_TRUE(contains(parse_model(two, net).message(), "2 value attributes"));
  OnnxModel text(13);
  text.node("Constant", {}, {"k"}, "c3").attr_string("value_string", "hi");
  text.output("k");
  Network net2;
  EXPECT_EQ(parse_model(text, net2).code(), StatusCode::kUnsupported);
}

TEST(OnnxOps, ConstantOfShapeValue) {
  OneNode t(13);
  onnx::TensorProto value;
  value.set_data_type(onnx::TensorProto::INT64);
  value.add_dims(1);
  value.add_int64_data(5);
  t.node("ConstantOfShape", {"shape"}).attr_tensor("value", value);
  const auto& a = t.import()->attrs_as<ConstantOfShapeAttrs>();
  ASSERT_FALSE(a.value.empty());
  EXPECT_EQ(a.value.dtype(), DataType::kInt64);
  EXPECT_EQ(a.value.to_int64(), (std::vector<int64_t>{5}));

  OneNode none(13);
  none.node("ConstantOfShape", {"shape"});
  EXPECT_TRUE(none.import()->attrs_as<ConstantOfShapeAttrs>().value.empty());
}

TEST(OnnxOps, RangeTakesThreeInputs) {
  OneNode t(11);
  t.node("Range", {"start", "limit", "delta"});
  const Layer* layer = t.import();
  ASSERT_NE(layer, nullptr);
  EXPECT_EQ(layer->type(), OpType::kRange);
  EXPECT_EQ(layer->num_inputs(), 3);
}

}  // namespace
}  // namespace int8rt::testing
