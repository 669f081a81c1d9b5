// The whole pipeline through the public Builder (reference backend): a residual block and a
// classifier head come out as a handful of fused layers computing the same numbers.
#include <gtest/gtest.h>

#include "int8rt/builder.h"
#include "int8rt/engine.h"
#include "pass_testing.h"
#include "passes/passes.h"

namespace int8rt {
namespace {

using pass_testing::add_ints;
using pass_testing::add_random;
using pass_testing::CapturingLogger;
using pass_testing::tolerance;

Tensor* bn(Network& net, const std::string& name, Tensor* x, int64_t channels, uint32_t seed) {
  std::vector<Tensor*> inputs = {
      x, add_random(net, name + ".scale", Dims{channels}, seed, 0.5f, 1.5f),
      add_random(net, name + ".bias", Dims{channels}, seed + 1),
      add_random(net, name + ".mean", Dims{channels}, seed + 2),
      add_random(net, name + ".var", Dims{channels}, seed + 3, 0.1f, 2.0f)};
  return net.add_layer(OpType::kBatchNormalization, name, inputs, BatchNormAttrs{}, {name + "_out"})
      .value()
      ->output(0);
}

Tensor* conv(Network& net, const std::string& name, Tensor* x, int64_t channels, uint32_t seed) {
  ConvAttrs attrs;
  attrs.pads = {1, 1, 1, 1};
  Tensor* w = add_random(net, name + ".weight", Dims{channels, channels, 3, 3}, seed);
  return net.add_layer(OpType::kConv, name, {x, w}, attrs, {name + "_out"}).value()->output(0);
}

Tensor* unary(Network& net, OpType type, const std::string& name, Tensor* x) {
  return net.add_layer(type, name, {x}, NoAttrs{}, {name + "_out"}).value()->output(0);
}

// x [1, 4, 6, 6]
//   conv1 -> bn1 -> relu1 -> conv2 -> bn2 -> add(+relu1) -> relu2 -> dropout (Identity)
//   -> GlobalAveragePool -> Reshape(·, [Shape(·)[0], -1]) -> MatMul + Add -> logits [1, 3]
std::unique_ptr<Network> residual_classifier() {
  auto net = std::make_unique<Network>();
  Tensor* x = net->add_input("x", DataType::kFloat, Dims{1, 4, 6, 6}).value();
  Tensor* r1 =
      unary(*net, OpType::kRelu, "relu1", bn(*net, "bn1", conv(*net, "conv1", x, 4, 1), 4, 2));
  Tensor* b2 = bn(*net, "bn2", conv(*net, "conv2", r1, 4, 7), 4, 8);
  Tensor* sum =
      net->add_layer(OpType::kAdd, "add", {b2, r1}, NoAttrs{}, {"add_out"}).value()->output(0);
  Tensor* r2 = unary(*net, OpType::kRelu, "relu2", sum);
  Tensor* d = unary(*net, OpType::kIdentity, "dropout", r2);
  Tensor* pooled = unary(*net, OpType::kGlobalAveragePool, "gap", d);
  Tensor* shape = net->add_layer(OpType::kShape, "shape", {pooled}, ShapeAttrs{}, {"shape_out"})
                      .value()
                      ->output(0);
  Tensor* batch =
      net->add_layer(OpType::kGather, "gather", {shape, add_ints(*net, "zero", Dims{1}, {0})},
                     GatherAttrs{0}, {"batch"})
          .value()
          ->output(0);
  Tensor* target =
      net->add_layer(OpType::kConcat, "concat", {batch, add_ints(*net, "minus_one", Dims{1}, {-1})},
                     ConcatAttrs{0}, {"target"})
          .value()
          ->output(0);
  Tensor* flat =
      net->add_layer(OpType::kReshape, "flatten", {pooled, target}, ReshapeAttrs{}, {"flat"})
          .value()
          ->output(0);
  Tensor* product =
      net->add_layer(OpType::kMatMul, "fc", {flat, add_random(*net, "fc.weight", Dims{4, 3}, 20)},
                     NoAttrs{}, {"fc_out"})
          .value()
          ->output(0);
  Tensor* logits =
      net->add_layer(OpType::kAdd, "fc_bias", {product, add_random(*net, "fc.bias", Dims{3}, 21)},
                     NoAttrs{}, {"logits"})
          .value()
          ->output(0);
  EXPECT_TRUE(net->mark_output(logits).is_ok());
  EXPECT_TRUE(net->mark_output(r2).is_ok());
  return net;
}

// Builds the residual classifier for `backend` and checks the fused layer names and the numbers
// against a plain layer-by-layer evaluation of the original network.
void check_residual_classifier(std::string_view backend) {
  const std::string config_text =
      std::string("residual classifier, backend ") + std::string(backend);
  std::unique_ptr<Network> net = residual_classifier();
  CapturingLogger logger;
  Builder builder(logger);
  auto config = builder.create_config();
  config->set_backend(backend);
  auto engine = builder.build(*net, *config);
  ASSERT_TRUE(engine.is_ok()) << config_text << ": " << engine.status().to_string() << "\n"
                              << logger.dump();

  std::vector<std::string> names;  // the network's layers; layout reorders a backend adds aside
  for (const LayerInfo& info : engine.value()->layers()) {
    if (info.op != "Reorder") names.push_back(info.name);
  }
  const std::vector<std::string> expected = {"conv1+bn1+relu1", "conv2+bn2+add+relu2", "gap",
                                             "flatten", "fc+fc_bias"};
  EXPECT_EQ(names, expected) << config_text << "\n" << logger.dump();
  // One verbose line per fusion: bn1, relu1, bn2, add, relu2, fc_bias.
  EXPECT_EQ(logger.find(Logger::Severity::kVerbose, "fuse_").size(), 6u) << logger.dump();
  // The builder worked on a copy.
  EXPECT_EQ(net->num_layers(), 15);

  const uint32_t seed = 31;
  pass_testing::TensorValues inputs = pass_testing::random_inputs(*net, seed);
  auto expected_values = pass_testing::run_reference(*net, inputs);
  ASSERT_TRUE(expected_values.is_ok()) << expected_values.status().to_string();
  auto context = engine.value()->create_execution_context();
  std::vector<float> logits(3), features(1 * 4 * 6 * 6);
  const void* in[] = {inputs.at("x").data()};
  void* out[] = {nullptr, nullptr};
  out[engine.value()->output_index("logits")] = logits.data();
  out[engine.value()->output_index("relu2_out")] = features.data();
  Status status = context->execute(in, out);
  ASSERT_TRUE(status.is_ok()) << config_text << ": " << status.to_string();
  pass_testing::TensorValues actual;
  actual["logits"] = Weights::from_vector(DataType::kFloat, Dims{1, 3}, logits);
  actual["relu2_out"] = Weights::from_vector(DataType::kFloat, Dims{1, 4, 6, 6}, features);
  // Two chained 36-term convolutions with folded normalization; logits average 36 of those.
  pass_testing::expect_same_outputs(expected_values.value(), actual,
                                    tolerance(2 * 36, 2 * 36 * 4.0f),
                                    config_text + ", seed " + std::to_string(seed));
}

TEST(Pipeline, ResidualBlockBuildsIntoFusedLayersOnReference) {
  check_residual_classifier("reference");
}

// The default backend runs the fused layers with its own kernels (fused activation and residual
// in the convolution's epilogue).
TEST(Pipeline, ResidualBlockBuildsIntoFusedLayersOnCpu) {
  check_residual_classifier("cpu");
}

}  // namespace
}  // namespace int8rt
