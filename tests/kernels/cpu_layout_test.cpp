// Layout propagation with the CPU backend: which oneDNN layouts count as plain, where the builder
// inserts reorders, and concurrent execution of one engine from several contexts.
#include <gtest/gtest.h>

#include <thread>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/onednn_common.h"
#include "cpu_test_util.h"

namespace int8rt {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using testing::add_random_constant;
using testing::expect_cpu_matches_reference;
using testing::fp32_tolerance;
using testing::run_network;

memory::desc md(memory::dims dims, tag format) {
  return memory::desc(dims, memory::data_type::f32, format);
}

TEST(CpuLayout, PlainEquivalentDescriptors) {
  // Same bytes as row-major NCHW.
  EXPECT_TRUE(cpu::is_plain_equivalent(md({2, 3, 4, 5}, tag::nchw)));
  EXPECT_TRUE(cpu::is_plain_equivalent(md({2, 1, 4, 5}, tag::nhwc)));      // C = 1
  EXPECT_TRUE(cpu::is_plain_equivalent(md({2, 32, 1, 1}, tag::nhwc)));     // H = W = 1
  EXPECT_TRUE(cpu::is_plain_equivalent(md({2, 32, 1, 1}, tag::nChw16c)));  // C % 16 = 0
  EXPECT_TRUE(cpu::is_plain_equivalent(md({1, 16, 1, 1}, tag::nChw8c)));
  // Different bytes.
  EXPECT_FALSE(cpu::is_plain_equivalent(md({2, 3, 4, 5}, tag::nhwc)));
  EXPECT_FALSE(cpu::is_plain_equivalent(md({1, 32, 7, 7}, tag::nChw16c)));  // two blocks
  EXPECT_FALSE(cpu::is_plain_equivalent(md({1, 24, 1, 1}, tag::nChw16c)));  // padded to 32
  EXPECT_FALSE(cpu::is_plain_equivalent(md({1, 16, 7, 7}, tag::nChw16c)));  // one block: NHWC
  EXPECT_FALSE(cpu::is_plain_equivalent(md({4, 8}, tag::ba)));
  EXPECT_TRUE(cpu::is_plain_equivalent(md({1, 8}, tag::ba)));
}

TEST(CpuLayout, LayoutsCompareByBytes) {
  const Layout nhwc = cpu::to_layout(md({1, 8, 4, 4}, tag::nhwc));
  const Layout blocked = cpu::to_layout(md({1, 8, 4, 4}, tag::nChw8c));
  EXPECT_FALSE(nhwc.is_plain());
  EXPECT_EQ(nhwc.to_string(), "acdb");
  EXPECT_EQ(blocked.to_string(), "aBcd8b");
  EXPECT_EQ(nhwc, cpu::to_layout(md({1, 8, 4, 4}, tag::nhwc)));
  EXPECT_FALSE(nhwc == blocked);
  EXPECT_FALSE(nhwc == Layout());
  EXPECT_EQ(cpu::to_layout(md({1, 1, 4, 4}, tag::nhwc)), Layout());
}

// A reorder kernel round trip: plain -> nChw16c (channels padded 20 -> 32) -> plain.
TEST(CpuLayout, ReorderRoundTrip) {
  const Dims dims{2, 20, 3, 3};
  const Layout blocked = cpu::to_layout(md({2, 20, 3, 3}, tag::nChw16c));
  auto to = cpu::create_reorder(DataType::kFloat, dims, Layout(), blocked);
  auto back = cpu::create_reorder(DataType::kFloat, dims, blocked, Layout());
  ASSERT_TRUE(to.is_ok() && back.is_ok());
  EXPECT_EQ((*to)->output_layout(0), blocked);
  EXPECT_EQ((*back)->input_layout(0), blocked);
  const auto x = testing::random_floats(dims.volume(), 7);
  std::vector<float> packed(blocked.desc()->byte_size() / sizeof(float), NAN);
  std::vector<float> y(x.size(), NAN);
  const void* in1[] = {x.data()};
  void* out1[] = {packed.data()};
  ASSERT_TRUE((*to)->execute(KernelIo{in1, out1, nullptr}).is_ok());
  // Element (n, c, h, w) of nChw16c sits at ((n · 2 + c / 16) · 9 + h · 3 + w) · 16 + c % 16.
  EXPECT_EQ(packed[((1 * 2 + 1) * 9 + 2 * 3 + 1) * 16 + 3], x[((1 * 20 + 19) * 3 + 2) * 3 + 1]);
  EXPECT_EQ(packed[((0 * 2 + 1) * 9 + 0) * 16 + 5], 0.0f);  // channel 21: padding, zeroed
  const void* in2[] = {packed.data()};
  void* out2[] = {y.data()};
  ASSERT_TRUE((*back)->execute(KernelIo{in2, out2, nullptr}).is_ok());
  EXPECT_EQ(x, y);
}

// conv -> relu -> conv -> maxpool -> conv(+residual) keeps oneDNN's layout throughout: the only
// reorders are from the plain network input and back to the plain network output.
Network* conv_chain(Network& net) {
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2, 16, 12, 12}).value();
  ConvAttrs same;
  same.pads = {1, 1, 1, 1};
  auto conv = [&](const std::string& name, Tensor* in, std::vector<Tensor*> extra, uint32_t seed) {
    std::vector<Tensor*> inputs{in, add_random_constant(net, name + ".w", Dims{16, 16, 3, 3}, seed),
                                add_random_constant(net, name + ".b", Dims{16}, seed + 1)};
    inputs.insert(inputs.end(), extra.begin(), extra.end());
    return net.add_layer(OpType::kConv, name, inputs, same, {name}).value()->output(0);
  };
  Tensor* a = conv("conv1", x, {}, 1);
  a = net.add_layer(OpType::kRelu, "relu", {a}, NoAttrs{}, {"relu"}).value()->output(0);
  Tensor* b = conv("conv2", a, {}, 3);
  PoolAttrs pool;
  pool.kernel_shape = {2, 2};
  pool.strides = {2, 2};
  Tensor* p = net.add_layer(OpType::kMaxPool, "pool", {b}, pool, {"pool"}).value()->output(0);
  Tensor* y = conv("conv3", p, {p}, 5);
  EXPECT_TRUE(net.mark_output(y).is_ok());
  return &net;
}

TEST(CpuLayout, ReordersOnlyAtNetworkBoundaries) {
  Network net;
  conv_chain(net);
  auto run = run_network(net, "cpu", testing::random_inputs(net, 11));
  ASSERT_TRUE(run.is_ok()) << run.status().to_string();
  int reorders = 0;
  for (const auto& layer : run->layers)
    reorders += layer.op == "Reorder";
  EXPECT_EQ(reorders, 2) << testing::describe_layers(*run);
  expect_cpu_matches_reference(net, fp32_tolerance(3 * 16 * 9 + 8), 11, "conv chain",
                               {"conv1", "conv2", "pool", "conv3"});
}

// Several contexts of one engine executing at once, each on its own inputs, give the results a
// lone context gives.
TEST(CpuLayout, ConcurrentContextsShareOneEngine) {
  Network net;
  conv_chain(net);
  Builder builder;
  auto config = builder.create_config();
  config->set_backend("cpu");
  auto engine = builder.build(net, *config);
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  constexpr int kThreads = 3;
  constexpr int kRuns = 20;
  const int64_t in_count = (*engine)->input(0).dims.volume();
  const int64_t out_count = (*engine)->output(0).dims.volume();
  std::vector<std::vector<float>> inputs, expected;
  for (int t = 0; t < kThreads; ++t) {
    inputs.push_back(testing::random_floats(in_count, 100 + static_cast<uint32_t>(t)));
    expected.emplace_back(static_cast<size_t>(out_count));
    auto context = (*engine)->create_execution_context();
    const void* in[] = {inputs.back().data()};
    void* out[] = {expected.back().data()};
    ASSERT_TRUE(context->execute(in, out).is_ok());
  }
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto context = (*engine)->create_execution_context();
      std::vector<float> y(static_cast<size_t>(out_count));
      const void* in[] = {inputs[static_cast<size_t>(t)].data()};
      void* out[] = {y.data()};
      for (int r = 0; r < kRuns; ++r) {
        if (!context->execute(in, out).is_ok() || y != expected[static_cast<size_t>(t)]) {
          ++mismatches[static_cast<size_t>(t)];
        }
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(mismatches[static_cast<size_t>(t)], 0) << "thread " << t << " of " << kThreads;
  }
}

}  // namespace
}  // namespace int8rt
