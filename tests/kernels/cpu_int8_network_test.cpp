// INT8 engines built through the Builder (BuilderFlag::kInt8, ranges set by hand) on the CPU
// backend vs the reference backend: a residual block with pooling and a classifier, at batch 1 and
// 4. The INT8 kernels and the reformats are exact on both, so the float32 outputs (dequantized
// logits) must be equal; s8 activations travel between oneDNN layers in oneDNN's layouts.
#include <gtest/gtest.h>

#include "cpu_test_util.h"

namespace int8rt {
namespace {

using testing::add_random_constant;
using testing::describe_layers;
using testing::kernel_of;
using testing::random_inputs;

Result<testing::NetworkRun> run_int8(const Network& net, std::string_view backend,
                                     const std::vector<std::vector<float>>& inputs) {
  static StderrLogger logger(Logger::Severity::kError);
  Builder builder(logger);
  auto config = builder.create_config();
  config->set_backend(backend);
  config->set_flag(BuilderFlag::kInt8);
  INT8RT_ASSIGN_OR_RETURN(auto engine, builder.build(net, *config));
  testing::NetworkRun run;
  run.layers = engine->layers();
  std::vector<const void*> in;
  for (const auto& v : inputs)
    in.push_back(v.data());
  run.outputs.emplace_back(static_cast<size_t>(engine->output(0).dims.volume()), NAN);
  std::vector<void*> out{run.outputs[0].data()};
  auto context = engine->create_execution_context();
  INT8RT_RETURN_IF_ERROR(context->execute(in, out));
  return run;
}

ConvAttrs conv3x3(int64_t stride) {
  ConvAttrs a;
  a.kernel_shape = {3, 3};
  a.strides = {stride, stride};
  a.pads = {1, 1, 1, 1};
  return a;
}

// x -> conv1 (3->16, relu) -> conv2 (16->16) + x1 -> relu -> maxpool -> conv3 (dw, relu)
//   -> global average pool -> flatten -> gemm (10 logits)
void build_block(Network& net, int64_t batch, uint32_t seed) {
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{batch, 3, 16, 16}).value();
  auto conv = [&](const std::string& name, Tensor* in, int64_t c, int64_t m, ConvAttrs attrs) {
    attrs.group = attrs.group == 0 ? 1 : attrs.group;
    Tensor* w = add_random_constant(net, name + ".w", Dims{m, c / attrs.group, 3, 3}, seed++);
    Tensor* b = add_random_constant(net, name + ".b", Dims{m}, seed++);
    return net.add_layer(OpType::kConv, name, {in, w, b}, attrs, {name}).value()->output(0);
  };
  auto relu = [&](const std::string& name, Tensor* in) {
    return net.add_layer(OpType::kRelu, name, {in}, NoAttrs{}, {name}).value()->output(0);
  };
  Tensor* x1 = relu("relu1", conv("conv1", x, 3, 16, conv3x3(1)));
  Tensor* x2 = conv("conv2", x1, 16, 16, conv3x3(1));
  Tensor* sum = net.add_layer(OpType::kAdd, "add", {x2, x1}, NoAttrs{}, {"add"}).value()->output(0);
  Tensor* x3 = relu("relu2", sum);
  PoolAttrs pool;
  pool.kernel_shape = {2, 2};
  pool.strides = {2, 2};
  pool.pads = {0, 0, 0, 0};
  Tensor* x4 = net.add_layer(OpType::kMaxPool, "pool", {x3}, pool, {"pool"}).value()->output(0);
  ConvAttrs dw = conv3x3(1);
  dw.group = 16;
  Tensor* x5 = relu("relu3", conv("conv3", x4, 16, 16, dw));
  Tensor* x6 =
      net.add_layer(OpType::kGlobalAveragePool, "gap", {x5}, NoAttrs{}, {"gap"}).value()->output(0);
  FlattenAttrs flatten;
  flatten.axis = 1;
  Tensor* x7 =
      net.add_layer(OpType::kFlatten, "flatten", {x6}, flatten, {"flatten"}).value()->output(0);
  Tensor* w = add_random_constant(net, "fc.w", Dims{10, 16}, seed++);
  Tensor* b = add_random_constant(net, "fc.b", Dims{10}, seed++);
  GemmAttrs gemm;
  gemm.trans_b = true;
  Tensor* y = net.add_layer(OpType::kGemm, "fc", {x7, w, b}, gemm, {"logits"}).value()->output(0);
  ASSERT_TRUE(net.mark_output(y).is_ok());
  // Ranges by hand (as from a calibration): every activation gets one.
  const std::vector<std::pair<Tensor*, float>> ranges = {
      {x, 1.0f},  {x1, 3.0f},  {x2, 6.0f}, {sum, 8.0f}, {x3, 8.0f},
      {x4, 8.0f}, {x5, 10.0f}, {x6, 4.0f}, {x7, 4.0f},  {y, 12.0f}};
  for (auto [t, amax] : ranges)
    ASSERT_TRUE(t->set_dynamic_range(-amax, amax).is_ok());
}

void check_block(int64_t batch, uint32_t seed) {
  SCOPED_TRACE("INT8 residual block, batch " + std::to_string(batch) +
               " seed=" + std::to_string(seed));
  Network net;
  build_block(net, batch, seed);
  const auto inputs = random_inputs(net, seed + 1000);
  auto cpu = run_int8(net, "cpu", inputs);
  ASSERT_TRUE(cpu.is_ok()) << cpu.status().to_string();
  auto ref = run_int8(net, "reference", inputs);
  ASSERT_TRUE(ref.is_ok()) << ref.status().to_string();
  for (const char* name : {"conv1", "conv2", "conv3", "pool", "gap", "fc"}) {
    const std::string kernel = kernel_of(*cpu, name);
    EXPECT_EQ(kernel.rfind("onednn.", 0), 0u)
        << "layer " << name << " did not run on oneDNN:" << describe_layers(*cpu);
  }
  int int8_layers = 0;
  for (const auto& layer : cpu->layers)
    int8_layers += layer.precision == DataType::kInt8;
  EXPECT_GE(int8_layers, 6) << describe_layers(*cpu);
  EXPECT_TRUE(testing::all_close(cpu->outputs[0], ref->outputs[0], 0.0f))
      << describe_layers(*cpu) << "\nreference:" << describe_layers(*ref);
}

TEST(CpuInt8Network, ResidualBlockMatchesReferenceExactly) {
  check_block(1, 1);
  check_block(4, 2);
}

}  // namespace
}  // namespace int8rt
