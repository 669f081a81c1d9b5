// The ONNX importer's graph plumbing: inputs, initializers, outputs, node order, names, and the
// errors of malformed graphs.
#include <gtest/gtest.h>

#include "onnx_test_util.h"

namespace int8rt::testing {
namespace {

constexpr int32_t kFloat = onnx::TensorProto::FLOAT;

// x[N,3] -> Relu -> Add(w) -> y
OnnxModel relu_add_model() {
  OnnxModel model(13);
  model.input("x", kFloat, {"N", 3});
  model.initializer("w", {3}, {1.0f, 2.0f, 3.0f});
  model.node("Relu", {"x"}, {"r"}, "relu1");
  model.node("Add", {"r", "w"}, {"y"}, "add1");
  model.output("y");
  return model;
}

TEST(OnnxGraph, ImportsInputsConstantsLayersAndOutputs) {
  Network net;
  ASSERT_TRUE(parse_model(relu_add_model(), net).is_ok());
  EXPECT_EQ(net.name(), "test_graph");
  ASSERT_EQ(net.num_inputs(), 1);
  const Tensor* x = net.input(0);
  EXPECT_EQ(x->name(), "x");
  EXPECT_EQ(x->dtype(), DataType::kFloat);
  EXPECT_EQ(x->dims(), (Dims{Dims::kDynamic, 3}));
  EXPECT_EQ(x->dim_names(), (std::vector<std::string>{"N", ""}));

  const Tensor* w = net.find_tensor("w");
  ASSERT_NE(w, nullptr);
  EXPECT_TRUE(w->is_constant());
  EXPECT_EQ(w->dims(), Dims{3});
  EXPECT_EQ(constant_floats(w), (std::vector<double>{1.0, 2.0, 3.0}));

  ASSERT_EQ(net.num_layers(), 2);
  EXPECT_EQ(net.layer(0)->type(), OpType::kRelu);
  EXPECT_EQ(net.layer(0)->name(), "relu1");
  EXPECT_EQ(net.layer(1)->type(), OpType::kAdd);
  EXPECT_EQ(net.layer(1)->input(0)->name(), "r");
  EXPECT_EQ(net.layer(1)->input(1), w);
  ASSERT_EQ(net.num_outputs(), 1);
  EXPECT_EQ(net.output(0)->name(), "y");
  EXPECT_EQ(net.output(0)->producer(), net.layer(1));
}

TEST(OnnxGraph, StaticAndUnnamedDynamicDimsHaveNoDimNames) {
  OnnxModel model(13);
  model.input("x", kFloat, {2, 3});
  onnx::TensorShapeProto* shape =
      model.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  shape->add_dim();  // neither dim_value nor dim_param: unknown
  model.node("Relu", {"x"}, {"y"});
  model.output("y");
  Network net;
  ASSERT_TRUE(parse_model(model, net).is_ok());
  EXPECT_EQ(net.input(0)->dims(), (Dims{2, 3, Dims::kDynamic}));
  EXPECT_TRUE(net.input(0)->dim_names().empty());
}

TEST(OnnxGraph, InputDataTypes) {
  const std::pair<int32_t, DataType> kTypes[] = {
      {onnx::TensorProto::FLOAT, DataType::kFloat}, {onnx::TensorProto::INT8, DataType::kInt8},
      {onnx::TensorProto::UINT8, DataType::kUInt8}, {onnx::TensorProto::INT32, DataType::kInt32},
      {onnx::TensorProto::INT64, DataType::kInt64}, {onnx::TensorProto::BOOL, DataType::kBool},
  };
  for (const auto& [onnx_type, type] : kTypes) {
    OnnxModel model(13);
    model.input("x", onnx_type, {4});
    model.node("Identity", {"x"}, {"y"});
    model.output("y", onnx_type);
    Network net;
    Status status = parse_model(model, net);
    ASSERT_TRUE(status.is_ok()) << onnx_type << ": " << status.to_string();
    EXPECT_EQ(net.input(0)->dtype(), type) << "ONNX type " << onnx_type;
  }
}

// An FP16 model (FP16 input, Cast to FP16, FP16 weights) imports as FP32, and the log says so.
TEST(OnnxGraph, Float16ModelsReadAsFloat32) {
  OnnxModel model(13);
  model.input("image", onnx::TensorProto::FLOAT16, {2, 3});
  onnx::TensorProto bias;
  bias.set_name("bias");
  bias.set_data_type(onnx::TensorProto::FLOAT16);
  bias.add_dims(3);
  for (uint16_t b : {0x3c00, 0xc000, 0x3800})  // 1, -2, 0.5
    bias.add_int32_data(b);
  *model.graph().add_initializer() = bias;
  model.node("Cast", {"image"}, {"half"}).attr_int("to", onnx::TensorProto::FLOAT16);
  model.node("Add", {"half", "bias"}, {"y"});
  model.output("y", onnx::TensorProto::FLOAT16);
  Network net;
  CapturingLogger logger;
  Status status = parse_model(model, net, &logger);
  ASSERT_TRUE(status.is_ok()) << status.to_string();
  EXPECT_EQ(net.input(0)->dtype(), DataType::kFloat);
  EXPECT_EQ(net.find_tensor("bias")->dtype(), DataType::kFloat);
  EXPECT_EQ(net.find_tensor("bias")->constant_value().data_as<float>()[1], -2.0f);
  bool warned = false;
  for (const auto& [severity, text] : logger.messages()) {
    warned |=
        severity == Logger::Severity::kWarning &&
        text.find("FP16 tensors (1 initializers, 1 inputs, 1 casts to FP16)") != std::string::npos;
  }
  EXPECT_TRUE(warned);
}

TEST(OnnxGraph, UnsupportedInputTypeNamesTheInput) {
  for (int32_t type : {onnx::TensorProto::DOUBLE, onnx::TensorProto::BFLOAT16,
                       onnx::TensorProto::STRING, onnx::TensorProto::INT16}) {
    OnnxModel model(13);
    model.input("image", type, {4});
    model.node("Identity", {"image"}, {"y"});
    model.output("y");
    Network net;
    Status status = parse_model(model, net);
    EXPECT_EQ(status.code(), StatusCode::kUnsupported) << type;
    EXPECT_TRUE(contains(status.message(), "\"image\"")) << status.message();
    EXPECT_TRUE(contains(status.message(), onnx::TensorProto_DataType_Name(type)))
        << status.message();
    EXPECT_EQ(net.num_tensors(), 0);
  }
}

TEST(OnnxGraph, InputWithoutShapeIsUnsupported) {
  OnnxModel model(13);
  model.input("x", kFloat, {});
  model.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  model.node("Relu", {"x"}, {"y"});
  model.output("y");
  Network net;
  Status status = parse_model(model, net);
  EXPECT_EQ(status.code(), StatusCode::kUnsupported);
  EXPECT_TRUE(contains(status.message(), "\"x\" has no shape"));
}

TEST(OnnxGraph, GraphInputWithInitializerIsAConstant) {
  OnnxModel model = relu_add_model();
  model.input("w", kFloat, {3});  // IR < 4 style: initializers also listed as inputs
  Network net;
  ASSERT_TRUE(parse_model(model, net).is_ok());
  ASSERT_EQ(net.num_inputs(), 1);
  EXPECT_EQ(net.input(0)->name(), "x");
  EXPECT_TRUE(net.find_tensor("w")->is_constant());
  EXPECT_FALSE(net.find_tensor("w")->is_network_input());
}

TEST(OnnxGraph, NodesOutOfOrderAreSorted) {
  OnnxModel model(13);
  model.input("x", kFloat, {1, 4});
  // Written consumer-first: c(b(a(x))), plus a node that reads x and b.
  model.node("Add", {"b", "x"}, {"d"}, "d");
  model.node("Sigmoid", {"b"}, {"c"}, "c");
  model.node("Tanh", {"a"}, {"b"}, "b");
  model.node("Relu", {"x"}, {"a"}, "a");
  model.output("c");
  model.output("d");
  Network net;
  ASSERT_TRUE(parse_model(model, net).is_ok());
  ASSERT_EQ(net.num_layers(), 4);
  std::map<std::string, int> position;
  for (int i = 0; i < net.num_layers(); ++i)
    position[net.layer(i)->name()] = i;
  EXPECT_LT(position["a"], position["b"]);
  EXPECT_LT(position["b"], position["c"]);
  EXPECT_LT(position["b"], position["d"]);
  EXPECT_EQ(net.num_outputs(), 2);
}

TEST(OnnxGraph, SortedFileKeepsItsOrder) {
  OnnxModel model(13);
  model.input("x", kFloat, {1, 4});
  model.node("Relu", {"x"}, {"a"}, "n0");
  model.node("Tanh", {"x"}, {"b"}, "n1");
  model.node("Add", {"a", "b"}, {"c"}, "n2");
  model.node("Sigmoid", {"x"}, {"d"}, "n3");
  model.node("Mul", {"c", "d"}, {"e"}, "n4");
  model.output("e");
  Network net;
  ASSERT_TRUE(parse_model(model, net).is_ok());
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(net.layer(i)->name(), "n" + std::to_string(i));
}

TEST(OnnxGraph, CycleIsAnErrorNamingANodeOnIt) {
  OnnxModel model(13);
  model.input("x", kFloat, {1, 4});
  model.node("Relu", {"x"}, {"a"}, "entry");
  model.node("Add", {"a", "c"}, {"b"}, "loop_add");
  model.node("Tanh", {"b"}, {"c"}, "loop_tanh");
  model.output("c");
  Network net;
  Status status = parse_model(model, net);
  EXPECT_EQ(status.code(), StatusCode::kParseError);
  EXPECT_TRUE(contains(status.message(), "cycle through node \"loop_add\" (Add)"));
  EXPECT_TRUE(contains(status.message(), "\"loop_add\" <- \"loop_tanh\" <- \"loop_add\""));
  EXPECT_FALSE(contains(status.message(), "entry"));
  EXPECT_EQ(net.num_tensors(), 0);
}

TEST(OnnxGraph, SelfLoopIsACycle) {
  OnnxModel model(13);
  model.input("x", kFloat, {1});
  model.node("Add", {"x", "y"}, {"y"}, "self");
  model.output("y");
  Network net;
  Status status = parse_model(model, net);
  EXPECT_EQ(status.code(), StatusCode::kParseError);
  EXPECT_TRUE(contains(status.message(), "cycle through node \"self\""));
}

TEST(OnnxGraph, MissingInputNamesNodeAndTensor) {
  OnnxModel model = relu_add_model();
  model.graph().mutable_initializer()->Clear();  // "w" is gone
  Network net;
  Status status = parse_model(model, net);
  EXPECT_EQ(status.code(), StatusCode::kParseError);
  EXPECT_TRUE(contains(status.message(), "node \"add1\" (Add)"));
  EXPECT_TRUE(contains(status.message(), "input \"w\""));
  EXPECT_TRUE(contains(status.message(), "test.onnx: "));
}

TEST(OnnxGraph, MissingGraphOutputIsAnError) {
  OnnxModel model = relu_add_model();
  model.output("nowhere");
  Network net;
  Status status = parse_model(model, net);
  EXPECT_EQ(status.code(), StatusCode::kParseError);
  EXPECT_TRUE(contains(status.message(), "graph output \"nowhere\""));
  EXPECT_EQ(net.num_tensors(), 0);
}

TEST(OnnxGraph, DuplicateTensorNamesAreErrors) {
  {
    OnnxModel model = relu_add_model();
    model.node("Tanh", {"x"}, {"r"}, "tanh_again");  // "r" is relu1's output too
    Network net;
    Status status = parse_model(model, net);
    EXPECT_EQ(status.code(), StatusCode::kParseError);
    EXPECT_TRUE(contains(status.message(), "tensor \"r\" is defined twice"));
    EXPECT_TRUE(contains(status.message(), "\"relu1\""));
    EXPECT_TRUE(contains(status.message(), "\"tanh_again\""));
  }
  {
    OnnxModel model = relu_add_model();
    model.initializer("w", {3}, {0.0f, 0.0f, 0.0f});
    Network net;
    Status status = parse_model(model, net);
    EXPECT_EQ(status.code(), StatusCode::kParseError);
    EXPECT_TRUE(contains(status.message(), "tensor \"w\" is defined twice"));
  }
  {
    OnnxModel model = relu_add_model();
    model.node("Tanh", {"r"}, {"x"}, "overwrites_input");
    Network net;
    Status status = parse_model(model, net);
    EXPECT_EQ(status.code(), StatusCode::kParseError);
    EXPECT_TRUE(contains(status.message(), "graph input \"x\""));
  }
}

TEST(OnnxGraph, UnknownOpNamesOpNodeAndOpset) {
  OnnxModel model(13);
  model.input("x", kFloat, {1, 4});
  model.node("Relu", {"x"}, {"a"}, "r");
  model.node("Foo", {"a"}, {"b"}, "n1");
  model.node("Bar", {"b"}, {"c"}, "n2");
  model.node("Foo", {"c"}, {"y"}, "n3");
  model.output("y");
  Network net;
  Status status = parse_model(model, net);
  EXPECT_EQ(status.code(), StatusCode::kUnsupported);
  EXPECT_TRUE(contains(status.message(), "unsupported op \"Foo\" (node \"n1\", opset 13)"));
  EXPECT_TRUE(contains(status.message(), "other unsupported ops: Bar"));
  EXPECT_EQ(net.num_tensors(), 0);
}

TEST(OnnxGraph, OtherDomainsAreRejected) {
  OnnxModel model(13);
  model.input("x", kFloat, {1, 4});
  model.node("Relu", {"x"}, {"y"}, "custom_relu").domain("com.example");
  model.output("y");
  Network net;
  Status status = parse_model(model, net);
  EXPECT_EQ(status.code(), StatusCode::kUnsupported);
  EXPECT_TRUE(contains(status.message(), "domain \"com.example\""));
  EXPECT_TRUE(contains(status.message(), "\"custom_relu\""));

  // "ai.onnx" is the default domain by another name.
  OnnxModel spelled(13);
  spelled.input("x", kFloat, {1, 4});
  spelled.node("Relu", {"x"}, {"y"}).domain("ai.onnx");
  spelled.output("y");
  Network net2;
  EXPECT_TRUE(parse_model(spelled, net2).is_ok());
}

TEST(OnnxGraph, OpNewerThanTheModelOpsetIsAnError) {
  OnnxModel model(13);
  model.input("x", kFloat, {1, 4});
  model.node("HardSwish", {"x"}, {"y"}, "hs");  // defined from opset 14
  model.output("y");
  Network net;
  Status status = parse_model(model, net);
  EXPECT_FALSE(status.is_ok());
  EXPECT_TRUE(contains(status.message(), "opset 14"));
  EXPECT_TRUE(contains(status.message(), "\"hs\""));
}

// The IR version (the file format around the graph): newer than int8rt reads is refused naming it;
// older ones and none (0) are read.
TEST(OnnxGraph, IrVersionRange) {
  for (int64_t version : {0, 3, 8, 10, 11, 12, 999}) {
    OnnxModel model(13);
    model.proto().set_ir_version(version);
    model.input("x", kFloat, {1});
    model.node("Relu", {"x"}, {"y"}, "r");
    model.output("y");
    Network net;
    const Status status = parse_model(model, net);
    if (version <= 11) {
      EXPECT_TRUE(status.is_ok()) << version << ": " << status.message();
    } else {
      EXPECT_EQ(status.code(), StatusCode::kUnsupported) << version;
      EXPECT_TRUE(contains(status.message(), "ONNX IR version " + std::to_string(version)))
          << status.message();
    }
  }
}

TEST(OnnxGraph, OpsetRange) {
  auto import_one = [](int64_t opset, const char* op) {
    OnnxModel model(opset);
    model.input("x", kFloat, {1});
    model.input("x2", kFloat, {1});
    model.node(op,
               op == std::string("Add") ? std::vector<std::string>{"x", "x2"}
                                        : std::vector<std::string>{"x"},
               {"y"}, "n");
    model.output("y");
    Network net;
    return parse_model(model, net);
  };
  for (int64_t opset : {7, 11, 17}) {
    EXPECT_TRUE(import_one(opset, "Relu").is_ok()) << opset;
    EXPECT_TRUE(import_one(opset, "Add").is_ok()) << opset;
  }
  Status too_new = import_one(18, "Relu");
  EXPECT_EQ(too_new.code(), StatusCode::kUnsupported);
  EXPECT_TRUE(contains(too_new.message(), "opset 18 is not supported"));

  // Opsets 1-6 are upgraded too (onnx_legacy_opset_test.cpp), but for the experimental
  // Upsample-1.
  EXPECT_TRUE(import_one(6, "Add").is_ok());
  EXPECT_TRUE(import_one(1, "Relu").is_ok());
  Status upsample = import_one(6, "Upsample");
  EXPECT_EQ(upsample.code(), StatusCode::kUnsupported);
  EXPECT_TRUE(contains(upsample.message(), "\"Upsample\" (node \"n\"): its opset-6 version"));
  EXPECT_EQ(import_one(0, "Relu").code(), StatusCode::kUnsupported);

  // No opset of the default domain: fine for a graph without nodes of it.
  OnnxModel no_default(13);
  no_default.proto().mutable_opset_import(0)->set_domain("ai.onnx.ml");
  no_default.input("x", kFloat, {1});
  no_default.output("x");
  Network net;
  EXPECT_TRUE(parse_model(no_default, net).is_ok());
  no_default.node("Relu", {"x"}, {"y"}, "r");
  no_default.output("y");
  Network net2;
  Status status = parse_model(no_default, net2);
  EXPECT_EQ(status.code(), StatusCode::kParseError);
  EXPECT_TRUE(contains(status.message(), "\"r\" (Relu)"));
  EXPECT_TRUE(contains(status.message(), "no opset of it"));
}

TEST(OnnxGraph, UnnamedNodesGetUniqueGeneratedNames) {
  OnnxModel model(13);
  model.input("x", kFloat, {1, 4});
  model.node("Relu", {"x"}, {"a"});
  model.node("Relu", {"a"}, {"b"}, "Relu_0");  // clashes with the generated name of node 0
  model.node("Relu", {"b"}, {"c"});
  model.output("c");
  Network net;
  ASSERT_TRUE(parse_model(model, net).is_ok());
  std::set<std::string> names;
  for (int i = 0; i < net.num_layers(); ++i)
    names.insert(net.layer(i)->name());
  EXPECT_EQ(names.size(), 3u);
  EXPECT_EQ(net.find_layer("Relu_0")->output(0)->name(), "b");  // the model's own name wins
  EXPECT_EQ(net.find_layer("Relu_2")->output(0)->name(), "c");
}

TEST(OnnxGraph, UnknownAttributeIsLoggedAndIgnored) {
  OnnxModel model(13);
  model.input("x", kFloat, {1, 4});
  model.node("Relu", {"x"}, {"y"}, "r").attr_int("bogus", 3);
  model.output("y");
  Network net;
  CapturingLogger logger;
  ASSERT_TRUE(parse_model(model, net, &logger).is_ok());
  ASSERT_EQ(logger.warnings().size(), 1u);
  EXPECT_TRUE(contains(logger.warnings()[0], "\"bogus\""));
  EXPECT_TRUE(contains(logger.warnings()[0], "Relu \"r\""));
}

TEST(OnnxGraph, AttributeOfTheWrongTypeIsAnError) {
  OnnxModel model(13);
  model.input("x", kFloat, {1, 4});
  model.node("LeakyRelu", {"x"}, {"y"}, "lrelu").attr_int("alpha", 1);
  model.output("y");
  Network net;
  Status status = parse_model(model, net);
  EXPECT_EQ(status.code(), StatusCode::kParseError);
  EXPECT_TRUE(contains(status.message(),
                       "LeakyRelu \"lrelu\": attribute \"alpha\" is INT, "
                       "expected FLOAT"));
}

TEST(OnnxGraph, MissingRequiredAttributeIsAnError) {
  OnnxModel model(13);
  model.input("x", kFloat, {1, 4});
  model.node("Concat", {"x", "x"}, {"y"}, "cat");
  model.output("y");
  Network net;
  Status status = parse_model(model, net);
  EXPECT_EQ(status.code(), StatusCode::kParseError);
  EXPECT_TRUE(contains(status.message(), "Concat \"cat\": missing required attribute \"axis\""));
}

TEST(OnnxGraph, FailureLeavesTheNetworkUnchanged) {
  Network net;
  Tensor* existing = net.add_input("existing", DataType::kFloat, Dims{2}).value();
  ASSERT_TRUE(net.add_layer(OpType::kRelu, "existing_relu", {existing}, NoAttrs{}, {"er"}).is_ok());
  // Fails late: after inputs, constants and a layer were imported.
  OnnxModel model = relu_add_model();
  model.node("Concat", {"y", "y"}, {"z"}, "bad_concat");
  model.output("z");
  Status status = parse_model(model, net);
  ASSERT_FALSE(status.is_ok());
  EXPECT_EQ(net.num_tensors(), 2);
  EXPECT_EQ(net.num_layers(), 1);
  EXPECT_EQ(net.num_inputs(), 1);
  EXPECT_EQ(net.num_outputs(), 0);
}

TEST(OnnxGraph, ImportsIntoANonEmptyNetworkOrRefusesClashingNames) {
  Network net;
  ASSERT_TRUE(net.add_input("other", DataType::kFloat, Dims{2}).is_ok());
  ASSERT_TRUE(parse_model(relu_add_model(), net).is_ok());
  EXPECT_EQ(net.num_inputs(), 2);
  EXPECT_EQ(net.num_layers(), 2);
  EXPECT_EQ(net.find_layer("add1")->input(0), net.find_tensor("r"));

  // A second import of the same model clashes on every name: refused, nothing added.
  int tensors = net.num_tensors();
  Status status = parse_model(relu_add_model(), net);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(contains(status.message(), "already exists"));
  EXPECT_EQ(net.num_tensors(), tensors);
}

TEST(OnnxGraph, UnusedOptionalOutputsAndInputsAreAbsent) {
  OnnxModel model(13);
  model.input("x", kFloat, {1, 3, 4, 4});
  model.initializer("w", {2, 3, 1, 1}, std::vector<float>(6, 1.0f));
  model.node("Conv", {"x", "w", ""}, {"y"}, "conv");  // "" = no bias
  model.output("y");
  Network net;
  ASSERT_TRUE(parse_model(model, net).is_ok());
  EXPECT_EQ(net.find_layer("conv")->num_inputs(), 2);
}

}  // namespace
}  // namespace int8rt::testing
