#include <gtest/gtest.h>

#include <set>

#include "pass_testing.h"
#include "passes/passes.h"

namespace int8rt {
namespace {

using pass_testing::add_ints;
using pass_testing::add_random;
using pass_testing::CapturingLogger;

constexpr auto kInfo = Logger::Severity::kInfo;
constexpr auto kWarning = Logger::Severity::kWarning;

// The INT8 kernels the tests pretend to have: the decision must follow this, not the real backend.
passes::PrecisionOptions fake_kernels(std::set<OpType> ops, bool obey = false) {
  passes::PrecisionOptions options;
  options.supports_int8 = [ops = std::move(ops)](const Layer& l) { return ops.count(l.type()); };
  options.obey_constraints = obey;
  return options;
}

Layer* add(Network& net, OpType type, const std::string& name, std::vector<Tensor*> inputs,
           const std::string& output, Attrs attrs = NoAttrs{}) {
  auto layer = net.add_layer(type, name, std::move(inputs), std::move(attrs), {output});
  EXPECT_TRUE(layer.is_ok()) << layer.status().to_string();
  return layer.value();
}

void set_range(Network& net, const std::string& name, float amax) {
  ASSERT_TRUE(net.find_tensor(name)->set_dynamic_range(-amax, amax).is_ok()) << name;
}

// x [1,2,4,4] -> Conv "conv" -> c -> MaxPool "pool" -> p -> Reshape "flat" -> f [1,18]
//   -> Gemm "fc" -> logits (output) -> Softmax "prob" -> prob (output)
std::unique_ptr<Network> classifier() {
  auto net = std::make_unique<Network>();
  Tensor* x = net->add_input("x", DataType::kFloat, Dims{1, 2, 4, 4}).value();
  Tensor* w = add_random(*net, "conv.weight", Dims{2, 2, 1, 1}, 5);
  add(*net, OpType::kConv, "conv", {x, w}, "c", ConvAttrs{});
  PoolAttrs pool;
  pool.kernel_shape = {2, 2};
  pool.strides = {1, 1};
  add(*net, OpType::kMaxPool, "pool", {net->find_tensor("c")}, "p", pool);
  Tensor* shape = add_ints(*net, "flat.shape", Dims{2}, {1, -1});
  add(*net, OpType::kReshape, "flat", {net->find_tensor("p"), shape}, "f", ReshapeAttrs{});
  Tensor* fc_w = add_random(*net, "fc.weight", Dims{18, 3}, 6);
  add(*net, OpType::kGemm, "fc", {net->find_tensor("f"), fc_w}, "logits", GemmAttrs{});
  add(*net, OpType::kSoftmax, "prob", {net->find_tensor("logits")}, "prob", SoftmaxAttrs{});
  EXPECT_TRUE(net->mark_output(net->find_tensor("logits")).is_ok());
  EXPECT_TRUE(net->mark_output(net->find_tensor("prob")).is_ok());
  return net;
}

TEST(AssignPrecision, ClassifierRunsInt8UpToTheSoftmax) {
  auto net = classifier();
  CapturingLogger logger;
  ASSERT_TRUE(passes::fold_constants(*net, logger).is_ok());
  set_range(*net, "x", 1.0f);
  set_range(*net, "c", 3.0f);
  set_range(*net, "p", 2.5f);  // calibrated below the pool's input: the pool keeps c's instead
  set_range(*net, "logits", 5.0f);
  set_range(*net, "prob", 1.0f);
  // "f" has no range of its own: the Reshape gives it p's.
  auto result = passes::assign_precision(
      *net, fake_kernels({OpType::kConv, OpType::kMaxPool, OpType::kReshape, OpType::kGemm}),
      logger);
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  EXPECT_EQ(result->num_int8, 4);
  EXPECT_EQ(result->num_float, 1);
  for (const char* name : {"conv", "pool", "flat", "fc"}) {
    EXPECT_TRUE(result->is_int8(*net->find_layer(name))) << name << "\n" << logger.dump();
  }
  EXPECT_FALSE(result->is_int8(*net->find_layer("prob")));

  // Scale propagation: no requantization through the pool or the reshape.
  for (const char* name : {"p", "f"}) {
    const Tensor* t = net->find_tensor(name);
    ASSERT_TRUE(t->dynamic_range_is_set()) << name;
    EXPECT_EQ(t->dynamic_range_min(), -3.0f) << name;
    EXPECT_EQ(t->dynamic_range_max(), 3.0f) << name;
  }
  // int8 between INT8 layers; the Gemm dequantizes the logits itself (read by a float32 layer and
  // a network output); the network input stays float32 until insert_reformats.
  for (const char* name : {"c", "p", "f"})
    EXPECT_EQ(net->find_tensor(name)->dtype(), DataType::kInt8) << name;
  for (const char* name : {"x", "logits", "prob"})
    EXPECT_EQ(net->find_tensor(name)->dtype(), DataType::kFloat) << name;

  EXPECT_EQ(logger.find(kInfo, "Conv \"conv\": int8").size(), 1u) << logger.dump();
  EXPECT_EQ(logger.find(kInfo, "MaxPool \"pool\": int8").size(), 1u) << logger.dump();
  EXPECT_EQ(logger.find(kInfo, "Softmax \"prob\": float32 (no INT8 kernel)").size(), 1u)
      << logger.dump();
}

// x -> Relu a -> ta -> Sigmoid b (requests float32) -> tb -> Relu c -> tc (no range)
//   -> Add d(tc, ta) -> td (range 0) -> Relu e -> te (output)
TEST(AssignPrecision, EachFloatFallbackSaysWhy) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2, 3}).value();
  add(net, OpType::kRelu, "a", {x}, "ta");
  Layer* b = add(net, OpType::kSigmoid, "b", {net.find_tensor("ta")}, "tb");
  b->set_precision(DataType::kFloat);
  add(net, OpType::kRelu, "c", {net.find_tensor("tb")}, "tc");
  add(net, OpType::kAdd, "d", {net.find_tensor("tc"), net.find_tensor("ta")}, "td");
  add(net, OpType::kRelu, "e", {net.find_tensor("td")}, "te");
  ASSERT_TRUE(net.mark_output(net.find_tensor("te")).is_ok());
  CapturingLogger logger;
  ASSERT_TRUE(passes::fold_constants(net, logger).is_ok());
  set_range(net, "x", 1.0f);
  set_range(net, "ta", 2.0f);
  set_range(net, "tb", 1.0f);
  set_range(net, "td", 0.0f);
  set_range(net, "te", 1.0f);

  auto result = passes::assign_precision(
      net, fake_kernels({OpType::kRelu, OpType::kSigmoid, OpType::kAdd}), logger);
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  EXPECT_EQ(result->num_int8, 1) << logger.dump();
  EXPECT_EQ(result->num_float, 4) << logger.dump();
  const std::pair<const char*, const char*> expected[] = {
      {"a", "Relu \"a\": int8"},
      {"b", "Sigmoid \"b\": float32 (requested float32)"},
      {"c", "Relu \"c\": float32 (tensor \"tc\" has no range)"},
      {"d", "Add \"d\": float32 (tensor \"tc\" has no range)"},
      {"e", "Relu \"e\": float32 (tensor \"td\" has range 0)"},
  };
  for (const auto& [layer, line] : expected)
    EXPECT_EQ(logger.find(kInfo, line).size(), 1u) << layer << "\n" << logger.dump();
  // One warning for the all-zero tensor, naming it, however many layers it keeps in float32.
  EXPECT_EQ(logger.find(kWarning, "\"td\"").size(), 1u) << logger.dump();
  // a's output is read only by float32 layers: a Relu cannot dequantize, so it stays int8 and
  // insert_reformats adds a Dequantize.
  EXPECT_EQ(net.find_tensor("ta")->dtype(), DataType::kInt8);
  EXPECT_EQ(net.find_tensor("tb")->dtype(), DataType::kFloat);
}

// x -> Relu r -> y -> Softmax s (requests INT8; the fake backend has no INT8 Softmax) -> z
std::unique_ptr<Network> int8_request_on_softmax() {
  auto net = std::make_unique<Network>();
  Tensor* x = net->add_input("x", DataType::kFloat, Dims{2, 3}).value();
  add(*net, OpType::kRelu, "r", {x}, "y");
  add(*net, OpType::kSoftmax, "s", {net->find_tensor("y")}, "z", SoftmaxAttrs{})
      ->set_precision(DataType::kInt8);
  EXPECT_TRUE(net->mark_output(net->find_tensor("z")).is_ok());
  for (const char* name : {"x", "y", "z"})
    EXPECT_TRUE(net->find_tensor(name)->set_dynamic_range(-1.0f, 1.0f).is_ok());
  return net;
}

TEST(AssignPrecision, UnmetInt8RequestWarnsOrFailsWhenConstraintsAreObeyed) {
  {
    auto net = int8_request_on_softmax();
    CapturingLogger logger;
    auto result = passes::assign_precision(*net, fake_kernels({OpType::kRelu}), logger);
    ASSERT_TRUE(result.is_ok()) << result.status().to_string();
    EXPECT_FALSE(result->is_int8(*net->find_layer("s")));
    auto warnings = logger.find(kWarning, "Softmax \"s\"");
    ASSERT_EQ(warnings.size(), 1u) << logger.dump();
    EXPECT_NE(warnings[0].find("no INT8 kernel"), std::string::npos) << warnings[0];
  }
  {
    auto net = int8_request_on_softmax();
    CapturingLogger logger;
    auto result = passes::assign_precision(*net, fake_kernels({OpType::kRelu}, true), logger);
    ASSERT_FALSE(result.is_ok());
    const std::string& message = result.status().message();
    EXPECT_NE(message.find("Softmax \"s\""), std::string::npos) << message;
    EXPECT_NE(message.find("no INT8 kernel"), std::string::npos) << message;
  }
  {  // A request that can be met is no error.
    auto net = int8_request_on_softmax();
    CapturingLogger logger;
    auto result = passes::assign_precision(
        *net, fake_kernels({OpType::kRelu, OpType::kSoftmax}, true), logger);
    ASSERT_TRUE(result.is_ok()) << result.status().to_string();
    EXPECT_TRUE(result->is_int8(*net->find_layer("s")));
  }
}

TEST(AssignPrecision, PrecisionRequestOtherThanInt8OrFloatIsAnError) {
  auto net = int8_request_on_softmax();
  net->find_layer("r")->set_precision(DataType::kInt32);
  CapturingLogger logger;
  auto result = passes::assign_precision(*net, fake_kernels({OpType::kRelu}), logger);
  ASSERT_FALSE(result.is_ok());
  EXPECT_NE(result.status().message().find("Relu \"r\""), std::string::npos)
      << result.status().message();
}

// Data movement on float32 data stays float32: INT8 would only add a Quantize and a Dequantize.
// x -> Transpose t -> xt -> Relu r -> y -> Transpose u -> yt (output)
TEST(AssignPrecision, DataMovementFollowsItsInput) {
  for (bool request : {false, true}) {
    Network net;
    Tensor* x = net.add_input("x", DataType::kFloat, Dims{2, 3}).value();
    Layer* t = add(net, OpType::kTranspose, "t", {x}, "xt", TransposeAttrs{});
    add(net, OpType::kRelu, "r", {net.find_tensor("xt")}, "y");
    add(net, OpType::kTranspose, "u", {net.find_tensor("y")}, "yt", TransposeAttrs{});
    ASSERT_TRUE(net.mark_output(net.find_tensor("yt")).is_ok());
    if (request) t->set_precision(DataType::kInt8);
    CapturingLogger logger;
    ASSERT_TRUE(passes::fold_constants(net, logger).is_ok());
    set_range(net, "x", 4.0f);
    set_range(net, "xt", 1.0f);
    set_range(net, "y", 2.0f);
    auto result =
        passes::assign_precision(net, fake_kernels({OpType::kTranspose, OpType::kRelu}), logger);
    ASSERT_TRUE(result.is_ok()) << result.status().to_string();
    const std::string config = request ? "Transpose t requests INT8" : "no request";
    EXPECT_EQ(result->is_int8(*net.find_layer("t")), request) << config << "\n" << logger.dump();
    EXPECT_TRUE(result->is_int8(*net.find_layer("r"))) << config;
    EXPECT_TRUE(result->is_int8(*net.find_layer("u"))) << config;
    // The second Transpose reads int8 and takes y's range, even though yt had none.
    EXPECT_EQ(net.find_tensor("yt")->dynamic_range_amax(), 2.0f) << config;
    // The requested Transpose takes x's range over xt's calibrated one.
    EXPECT_EQ(net.find_tensor("xt")->dynamic_range_amax(), request ? 4.0f : 1.0f) << config;
    if (!request) {
      EXPECT_EQ(logger.find(kInfo, "Transpose \"t\": float32 (input is float32)").size(), 1u)
          << logger.dump();
    }
  }
}

// Relu a (range 2) and Relu b (range 4) -> Concat -> c (calibrated 3.5) -> Relu d -> y
TEST(AssignPrecision, ConcatTakesTheWidestInputRange) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2, 3}).value();
  Tensor* x2 = net.add_input("x2", DataType::kFloat, Dims{2, 5}).value();
  add(net, OpType::kRelu, "a", {x}, "ta");
  add(net, OpType::kRelu, "b", {x2}, "tb");
  ConcatAttrs axis1;
  axis1.axis = 1;
  add(net, OpType::kConcat, "cat", {net.find_tensor("ta"), net.find_tensor("tb")}, "c", axis1);
  add(net, OpType::kRelu, "d", {net.find_tensor("c")}, "y");
  ASSERT_TRUE(net.mark_output(net.find_tensor("y")).is_ok());
  CapturingLogger logger;
  ASSERT_TRUE(passes::fold_constants(net, logger).is_ok());
  set_range(net, "x", 1.0f);
  set_range(net, "x2", 1.0f);
  set_range(net, "ta", 2.0f);
  ASSERT_TRUE(net.find_tensor("tb")->set_dynamic_range(-1.0f, 4.0f).is_ok());
  set_range(net, "c", 3.5f);
  set_range(net, "y", 3.0f);
  auto result =
      passes::assign_precision(net, fake_kernels({OpType::kRelu, OpType::kConcat}), logger);
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  EXPECT_EQ(result->num_int8, 4) << logger.dump();
  const Tensor* c = net.find_tensor("c");
  EXPECT_EQ(c->dynamic_range_min(), -4.0f);
  EXPECT_EQ(c->dynamic_range_max(), 4.0f);
  EXPECT_EQ(c->dtype(), DataType::kInt8);
  // The inputs keep their own ranges: the Concat kernel requantizes ta (2 -> 4).
  EXPECT_EQ(net.find_tensor("ta")->dynamic_range_amax(), 2.0f);
}

// Conv c1 -> t1 read by an INT8 Relu and a float32 Softmax: t1 is int8 (a Dequantize serves the
// Softmax). Conv c2 -> t2, a network output without a range read by nothing: the Conv writes it
// as float32 and needs no range for it.
TEST(AssignPrecision, ConvWritesFloatWhenNoInt8LayerReadsItsOutput) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{1, 2, 3, 3}).value();
  Tensor* w = add_random(net, "w", Dims{2, 2, 1, 1}, 9);
  add(net, OpType::kConv, "c1", {x, w}, "t1", ConvAttrs{});
  add(net, OpType::kRelu, "r", {net.find_tensor("t1")}, "u");
  add(net, OpType::kSoftmax, "s", {net.find_tensor("t1")}, "v", SoftmaxAttrs{});
  add(net, OpType::kConv, "c2", {net.find_tensor("u"), w}, "t2", ConvAttrs{});
  for (const char* name : {"v", "t2"})
    ASSERT_TRUE(net.mark_output(net.find_tensor(name)).is_ok());
  CapturingLogger logger;
  ASSERT_TRUE(passes::fold_constants(net, logger).is_ok());
  set_range(net, "x", 1.0f);
  set_range(net, "t1", 2.0f);
  set_range(net, "u", 2.0f);
  auto result = passes::assign_precision(net, fake_kernels({OpType::kConv, OpType::kRelu}), logger);
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  EXPECT_TRUE(result->is_int8(*net.find_layer("c1")));
  EXPECT_TRUE(result->is_int8(*net.find_layer("c2"))) << logger.dump();
  EXPECT_EQ(net.find_tensor("t1")->dtype(), DataType::kInt8);
  EXPECT_EQ(net.find_tensor("u")->dtype(), DataType::kInt8);
  EXPECT_EQ(net.find_tensor("t2")->dtype(), DataType::kFloat);
  EXPECT_FALSE(net.find_tensor("t2")->dynamic_range_is_set());
}

// A float32 request on the Relu carries over to the fused Conv+Relu.
TEST(AssignPrecision, RequestOnAFusedAwayLayerAppliesToTheFusedLayer) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{1, 2, 3, 3}).value();
  Tensor* w = add_random(net, "w", Dims{2, 2, 1, 1}, 10);
  add(net, OpType::kConv, "conv1", {x, w}, "c", ConvAttrs{});
  add(net, OpType::kRelu, "relu1", {net.find_tensor("c")}, "y")->set_precision(DataType::kFloat);
  ASSERT_TRUE(net.mark_output(net.find_tensor("y")).is_ok());
  set_range(net, "x", 1.0f);
  set_range(net, "y", 1.0f);
  CapturingLogger logger;
  ASSERT_TRUE(passes::optimize(net, logger).is_ok());
  ASSERT_EQ(net.num_layers(), 1);
  auto result = passes::assign_precision(net, fake_kernels({OpType::kConv}), logger);
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  EXPECT_EQ(result->num_float, 1);
  EXPECT_EQ(logger.find(kInfo, "Conv \"conv1+relu1\": float32 (requested float32)").size(), 1u)
      << logger.dump();
}

// Add(x, constant): the constant has no range, so the Add cannot read it as int8. A Conv's float
// constants are weights, which its kernel quantizes itself.
TEST(AssignPrecision, FloatConstantOperandKeepsElementwiseLayersFloat) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{1, 2, 3, 3}).value();
  Tensor* w = add_random(net, "w", Dims{2, 2, 1, 1}, 11);
  Tensor* offset = add_random(net, "offset", Dims{1, 2, 3, 3}, 12);
  add(net, OpType::kConv, "conv", {x, w}, "c", ConvAttrs{});
  add(net, OpType::kAdd, "add", {net.find_tensor("c"), offset}, "y");
  ASSERT_TRUE(net.mark_output(net.find_tensor("y")).is_ok());
  CapturingLogger logger;
  ASSERT_TRUE(passes::fold_constants(net, logger).is_ok());
  for (const char* name : {"x", "c", "y"})
    set_range(net, name, 2.0f);
  auto result = passes::assign_precision(net, fake_kernels({OpType::kConv, OpType::kAdd}), logger);
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  EXPECT_TRUE(result->is_int8(*net.find_layer("conv")));
  EXPECT_FALSE(result->is_int8(*net.find_layer("add")));
  EXPECT_EQ(
      logger.find(kInfo, "Add \"add\": float32 (input \"offset\" is a float32 constant)").size(),
      1u)
      << logger.dump();
}

TEST(AssignPrecision, WithoutAPredicateEverythingIsFloat) {
  auto net = int8_request_on_softmax();
  net->find_layer("s")->reset_precision();
  CapturingLogger logger;
  auto result = passes::assign_precision(*net, passes::PrecisionOptions{}, logger);
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  EXPECT_EQ(result->num_int8, 0);
  EXPECT_EQ(result->num_float, 2);
  EXPECT_EQ(net->find_tensor("y")->dtype(), DataType::kFloat);
}

}  // namespace
}  // namespace int8rt
