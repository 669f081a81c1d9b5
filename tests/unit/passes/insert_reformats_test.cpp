#include <gtest/gtest.h>

#include <set>

#include "pass_testing.h"
#include "passes/passes.h"

namespace int8rt {
namespace {

using pass_testing::add_random;
using pass_testing::CapturingLogger;
using pass_testing::count_layers;
using pass_testing::layer_position;

Layer* add(Network& net, OpType type, const std::string& name, std::vector<Tensor*> inputs,
           const std::string& output, Attrs attrs = NoAttrs{}) {
  auto layer = net.add_layer(type, name, std::move(inputs), std::move(attrs), {output});
  EXPECT_TRUE(layer.is_ok()) << layer.status().to_string();
  return layer.value();
}

passes::PrecisionOptions fake_kernels(std::set<OpType> ops) {
  passes::PrecisionOptions options;
  options.supports_int8 = [ops = std::move(ops)](const Layer& l) { return ops.count(l.type()); };
  return options;
}

// Infers shapes, sets every non-constant tensor's range to [-amax, amax], assigns precisions with
// the fake kernels and inserts the reformats.
passes::PrecisionAssignment assign_and_reformat(Network& net, std::set<OpType> int8_ops,
                                                CapturingLogger& logger,
                                                passes::ReformatCounts* counts = nullptr) {
  EXPECT_TRUE(passes::fold_constants(net, logger).is_ok());
  for (int i = 0; i < net.num_tensors(); ++i) {
    Tensor* t = net.tensor(i);
    if (!t->is_constant() && !t->dynamic_range_is_set()) {
      EXPECT_TRUE(t->set_dynamic_range(-2.0f, 2.0f).is_ok());
    }
  }
  auto assignment = passes::assign_precision(net, fake_kernels(std::move(int8_ops)), logger);
  EXPECT_TRUE(assignment.is_ok()) << assignment.status().to_string();
  auto reformats = passes::insert_reformats(net, assignment.value(), logger);
  EXPECT_TRUE(reformats.is_ok()) << reformats.status().to_string() << "\n" << logger.dump();
  if (counts && reformats.is_ok()) *counts = reformats.value();
  return std::move(assignment).value();
}

// Every layer reads only tensors that are network inputs, constants or computed earlier.
void expect_topological(const Network& net) {
  std::set<const Tensor*> ready;
  for (int i = 0; i < net.num_inputs(); ++i)
    ready.insert(net.input(i));
  for (int i = 0; i < net.num_layers(); ++i) {
    const Layer& layer = *net.layer(i);
    for (int j = 0; j < layer.num_inputs(); ++j) {
      const Tensor* t = layer.input(j);
      if (t == nullptr || t->is_constant()) continue;
      EXPECT_TRUE(ready.count(t)) << "layer \"" << layer.name() << "\" reads \"" << t->name()
                                  << "\" before it is computed";
    }
    for (int j = 0; j < layer.num_outputs(); ++j)
      ready.insert(layer.output(j));
  }
}

// x is read by two INT8 Relus and a float32 Softmax: one Quantize serves both Relus, placed before
// the first, and the Softmax keeps reading x.
//   x -> Softmax s -> sx (output); x -> Relu a -> ya (output); x -> Relu b -> yb (output)
TEST(InsertReformats, OneSharedQuantizePerTensor) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2, 3}).value();
  ASSERT_TRUE(x->set_dynamic_range(-1.5f, 1.0f).is_ok());
  add(net, OpType::kSoftmax, "s", {x}, "sx", SoftmaxAttrs{});
  add(net, OpType::kRelu, "a", {x}, "ya");
  add(net, OpType::kRelu, "b", {x}, "yb");
  for (const char* name : {"sx", "ya", "yb"})
    ASSERT_TRUE(net.mark_output(net.find_tensor(name)).is_ok());
  CapturingLogger logger;
  passes::ReformatCounts counts;
  assign_and_reformat(net, {OpType::kRelu}, logger, &counts);
  EXPECT_EQ(counts.quantize, 1);
  EXPECT_EQ(counts.dequantize, 2);  // ya and yb are network outputs
  ASSERT_EQ(count_layers(net, OpType::kQuantize), 1);

  const Layer* q = net.find_layer("x:quantize");
  ASSERT_NE(q, nullptr) << logger.dump();
  EXPECT_EQ(q->input(0), x);
  const Tensor* xq = net.find_tensor("x:int8");
  ASSERT_NE(xq, nullptr);
  EXPECT_EQ(q->output(0), xq);
  EXPECT_EQ(xq->dtype(), DataType::kInt8);
  EXPECT_EQ(xq->dims(), (Dims{2, 3}));
  EXPECT_EQ(xq->dynamic_range_min(), -1.5f);
  EXPECT_EQ(xq->dynamic_range_max(), 1.0f);
  EXPECT_EQ(net.find_layer("a")->input(0), xq);
  EXPECT_EQ(net.find_layer("b")->input(0), xq);
  EXPECT_EQ(net.find_layer("s")->input(0), x);
  EXPECT_EQ(x->dtype(), DataType::kFloat);
  // Before the first INT8 reader, after the float32 one that came first.
  EXPECT_EQ(layer_position(net, q) + 1, layer_position(net, net.find_layer("a")));
  expect_topological(net);
}

// An INT8 layer computing a network output: the output keeps its name and dtype float32, computed
// by a Dequantize; the INT8 layer computes "<name>:int8", which its INT8 readers read.
//   x -> Relu a -> y (output) -> Relu b -> z (output)
//                  y -> Softmax s -> p (output)
TEST(InsertReformats, NetworkOutputsStayFloat32UnderTheirNames) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2, 3}).value();
  add(net, OpType::kRelu, "a", {x}, "y");
  add(net, OpType::kRelu, "b", {net.find_tensor("y")}, "z");
  add(net, OpType::kSoftmax, "s", {net.find_tensor("y")}, "p", SoftmaxAttrs{});
  for (const char* name : {"y", "z", "p"})
    ASSERT_TRUE(net.mark_output(net.find_tensor(name)).is_ok());
  ASSERT_TRUE(net.find_tensor("y")->set_dynamic_range(0.0f, 3.0f).is_ok());
  CapturingLogger logger;
  passes::ReformatCounts counts;
  assign_and_reformat(net, {OpType::kRelu}, logger, &counts);
  EXPECT_EQ(counts.quantize, 1);    // x
  EXPECT_EQ(counts.dequantize, 2);  // y (read by Softmax, an output) and z (an output)

  ASSERT_EQ(net.num_outputs(), 3);
  const char* names[] = {"y", "z", "p"};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(net.output(i)->name(), names[i]);
    EXPECT_EQ(net.output(i)->dtype(), DataType::kFloat) << names[i];
  }
  const Tensor* y = net.find_tensor("y");
  const Tensor* yq = net.find_tensor("y:int8");
  ASSERT_NE(yq, nullptr) << logger.dump();
  EXPECT_EQ(yq->producer(), net.find_layer("a"));
  EXPECT_EQ(yq->dtype(), DataType::kInt8);
  EXPECT_EQ(yq->dynamic_range_max(), 3.0f);
  ASSERT_NE(y->producer(), nullptr);
  EXPECT_EQ(y->producer()->type(), OpType::kDequantize);
  EXPECT_EQ(y->producer()->name(), "y:dequantize");
  EXPECT_EQ(y->producer()->input(0), yq);
  EXPECT_EQ(net.find_layer("b")->input(0), yq);  // INT8 reader: no round trip through float32
  EXPECT_EQ(net.find_layer("s")->input(0), y);
  const Tensor* z = net.find_tensor("z");
  ASSERT_NE(z->producer(), nullptr);
  EXPECT_EQ(z->producer()->type(), OpType::kDequantize);
  EXPECT_EQ(net.find_tensor("z:int8")->producer(), net.find_layer("b"));
  expect_topological(net);
}

// Conv -> c -> Relu -> r -> Conv -> y (output): one Quantize for x, no Dequantize (the last Conv
// writes float32 itself), nothing between the INT8 layers.
TEST(InsertReformats, Int8ChainNeedsReformatsOnlyAtItsEnds) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{1, 2, 3, 3}).value();
  Tensor* w = add_random(net, "w", Dims{2, 2, 1, 1}, 3);
  add(net, OpType::kConv, "c1", {x, w}, "c", ConvAttrs{});
  add(net, OpType::kRelu, "relu", {net.find_tensor("c")}, "r");
  add(net, OpType::kConv, "c2", {net.find_tensor("r"), w}, "y", ConvAttrs{});
  ASSERT_TRUE(net.mark_output(net.find_tensor("y")).is_ok());
  CapturingLogger logger;
  passes::ReformatCounts counts;
  assign_and_reformat(net, {OpType::kConv, OpType::kRelu}, logger, &counts);
  EXPECT_EQ(counts.quantize, 1);
  EXPECT_EQ(counts.dequantize, 0);
  ASSERT_EQ(net.num_layers(), 4);
  EXPECT_EQ(net.layer(0)->type(), OpType::kQuantize);
  EXPECT_EQ(net.find_tensor("c")->dtype(), DataType::kInt8);
  EXPECT_EQ(net.find_tensor("r")->dtype(), DataType::kInt8);
  EXPECT_EQ(net.find_tensor("y")->dtype(), DataType::kFloat);
  EXPECT_EQ(net.find_tensor("y")->producer(), net.find_layer("c2"));
  EXPECT_EQ(net.find_layer("c1")->input(1), w);  // weights stay float32 constants
  EXPECT_EQ(w->dtype(), DataType::kFloat);
  expect_topological(net);
}

// A float32 layer between INT8 layers: a Dequantize before it and a Quantize after it.
//   x -> Relu a -> ta -> Softmax s -> ts -> Relu b -> y (output)
TEST(InsertReformats, Float32IslandIsDequantizedAndRequantized) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2, 3}).value();
  add(net, OpType::kRelu, "a", {x}, "ta");
  add(net, OpType::kSoftmax, "s", {net.find_tensor("ta")}, "ts", SoftmaxAttrs{});
  add(net, OpType::kRelu, "b", {net.find_tensor("ts")}, "y");
  ASSERT_TRUE(net.mark_output(net.find_tensor("y")).is_ok());
  CapturingLogger logger;
  passes::ReformatCounts counts;
  assign_and_reformat(net, {OpType::kRelu}, logger, &counts);
  EXPECT_EQ(counts.quantize, 2);    // x, ts
  EXPECT_EQ(counts.dequantize, 2);  // ta, y
  std::vector<OpType> order;
  for (int i = 0; i < net.num_layers(); ++i)
    order.push_back(net.layer(i)->type());
  const std::vector<OpType> expected = {OpType::kQuantize,  OpType::kRelu,     OpType::kDequantize,
                                        OpType::kSoftmax,   OpType::kQuantize, OpType::kRelu,
                                        OpType::kDequantize};
  EXPECT_EQ(order, expected) << logger.dump();
  EXPECT_EQ(net.find_layer("s")->input(0), net.find_tensor("ta"));
  EXPECT_EQ(net.find_tensor("ta")->dtype(), DataType::kFloat);
  EXPECT_EQ(net.find_layer("b")->input(0), net.find_tensor("ts:int8"));
  expect_topological(net);
}

// A tensor already named "x:int8" in the network: the Quantize's output takes a fresh name.
TEST(InsertReformats, ReformatNamesNeverClash) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{4}).value();
  add(net, OpType::kSoftmax, "s", {x}, "x:int8", SoftmaxAttrs{});
  add(net, OpType::kRelu, "a", {x}, "y");
  for (const char* name : {"x:int8", "y"})
    ASSERT_TRUE(net.mark_output(net.find_tensor(name)).is_ok());
  CapturingLogger logger;
  assign_and_reformat(net, {OpType::kRelu}, logger);
  const Tensor* quantized = net.find_layer("a")->input(0);
  EXPECT_EQ(quantized->name(), "x:int8.1");
  EXPECT_EQ(quantized->dtype(), DataType::kInt8);
  EXPECT_EQ(net.find_tensor("x:int8")->producer(), net.find_layer("s"));
  EXPECT_EQ(net.output(0)->name(), "x:int8");
  EXPECT_EQ(net.output(0)->dtype(), DataType::kFloat);
}

TEST(InsertReformats, AllFloatGraphIsUnchanged) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{4}).value();
  add(net, OpType::kRelu, "a", {x}, "y");
  ASSERT_TRUE(net.mark_output(net.find_tensor("y")).is_ok());
  CapturingLogger logger;
  passes::ReformatCounts counts{7, 7};
  assign_and_reformat(net, {}, logger, &counts);
  EXPECT_EQ(counts.quantize, 0);
  EXPECT_EQ(counts.dequantize, 0);
  EXPECT_EQ(net.num_layers(), 1);
}

}  // namespace
}  // namespace int8rt
