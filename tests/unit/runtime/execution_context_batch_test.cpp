// ExecutionContext at smaller batches than the engine was built for.
#include <gtest/gtest.h>

#include "unit/runtime/engine_testing.h"

namespace int8rt {
namespace {

using engine_testing::Buffers;

// A batch-b run of an engine built for 5 computes what an engine built for b does, bit for bit
// (the same graph, lowered for b).
TEST(ContextBatch, SmallerBatchMatchesAnEngineBuiltForIt) {
  for (std::string_view backend : {"cpu", "reference"}) {
    auto big = engine_testing::build_model("resnet_fmnist", 5, backend);
    ASSERT_TRUE(big.is_ok()) << big.status().to_string();
    auto context = (*big)->create_execution_context();
    for (int64_t batch : {1, 2, 4, 5, 3}) {
      const std::string config = "resnet_fmnist backend " + std::string(backend) +
                                 ", built for 5, run at " + std::to_string(batch) + ", seed 21";
      auto exact = engine_testing::build_model("resnet_fmnist", batch, backend);
      ASSERT_TRUE(exact.is_ok()) << config << ": " << exact.status().to_string();
      const Buffers inputs = engine_testing::random_inputs(**big, batch, 21);
      const Buffers expected = engine_testing::run(**exact, inputs, batch);
      engine_testing::expect_bitwise_equal(
          expected, engine_testing::run(*context, **big, inputs, batch), config);
      EXPECT_EQ(context->input_shape(0), (Dims{batch, 1, 28, 28})) << config;
      auto shape = context->output_shape(0);
      ASSERT_TRUE(shape.is_ok()) << config;
      EXPECT_EQ(*shape, (Dims{batch, 10})) << config;
    }
  }
}

TEST(ContextBatch, Int8EngineAtSmallerBatchesMatchesEnginesBuiltForThem) {
  for (std::string_view backend : {"cpu", "reference"}) {
    auto big = engine_testing::build_model("resnet_fmnist", 4, backend, /*int8=*/true);
    ASSERT_TRUE(big.is_ok()) << big.status().to_string();
    auto context = (*big)->create_execution_context();
    for (int64_t batch : {1, 3}) {
      const std::string config = "resnet_fmnist int8 backend " + std::string(backend) +
                                 ", built for 4, run at " + std::to_string(batch) + ", seed 23";
      auto exact = engine_testing::build_model("resnet_fmnist", batch, backend, /*int8=*/true);
      ASSERT_TRUE(exact.is_ok()) << config << ": " << exact.status().to_string();
      const Buffers inputs = engine_testing::random_inputs(**big, batch, 23);
      engine_testing::expect_bitwise_equal(engine_testing::run(**exact, inputs, batch),
                                           engine_testing::run(*context, **big, inputs, batch),
                                           config);
    }
  }
}

// The reference kernels compute each batch row on its own: the rows of a full run are those of a
// run on the first rows alone.
TEST(ContextBatch, ReferenceRowsDoNotDependOnTheBatch) {
  auto engine = engine_testing::build_model("lenet5_mnist", 4, "reference");
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  const Buffers full = engine_testing::random_inputs(**engine, 4, 33);
  const Buffers full_out = engine_testing::run(**engine, full, 4);
  auto context = (*engine)->create_execution_context();
  for (int64_t batch : {1, 2, 3}) {
    Buffers part = {std::vector<float>(full[0].begin(), full[0].begin() + batch * 784)};
    Buffers expected = {std::vector<float>(full_out[0].begin(), full_out[0].begin() + batch * 10)};
    engine_testing::expect_bitwise_equal(
        expected, engine_testing::run(*context, **engine, part, batch),
        "lenet5 reference, first " + std::to_string(batch) + " rows of a batch-4 run, seed 33");
  }
}

TEST(ContextBatch, SetInputShapeThenExecute) {
  auto engine = engine_testing::build_model("lenet5_mnist", 4, "cpu");
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  auto context = (*engine)->create_execution_context();
  ASSERT_TRUE(context->set_input_shape("input", Dims{2, 1, 28, 28}).is_ok());
  const Buffers inputs = engine_testing::random_inputs(**engine, 2, 4);
  std::vector<float> out(20, -1.0f), guard(20 + 8, -7.0f);
  const void* in[] = {inputs[0].data()};
  void* outs[] = {guard.data()};
  ASSERT_TRUE(context->execute(in, outs).is_ok());
  for (size_t i = 20; i < guard.size(); ++i)
    EXPECT_EQ(guard[i], -7.0f) << "wrote past the batch-2 output at " << i;
  guard.resize(20);
  engine_testing::expect_bitwise_equal({guard}, engine_testing::run(**engine, inputs, 2),
                                       "set_input_shape vs execute(batch)");
}

TEST(ContextBatch, ErrorsNameWhatIsWrong) {
  auto engine = engine_testing::build_model("lenet5_mnist", 4, "cpu");
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  auto context = (*engine)->create_execution_context();
  std::vector<float> x(4 * 784, 0.5f), y(40);
  const void* in[] = {x.data()};
  void* out[] = {y.data()};
  for (int64_t batch : {0, -1, 5, 1000}) {
    Status status = context->execute(in, out, batch);
    ASSERT_FALSE(status.is_ok()) << batch;
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    const std::string& message = status.message();
    EXPECT_NE(message.find("batch " + std::to_string(batch)), std::string::npos) << message;
    EXPECT_NE(message.find("[1, 4]"), std::string::npos) << message;
    EXPECT_NE(message.find("\"input\""), std::string::npos) << message;
  }
  const void* two[] = {x.data(), x.data()};
  Status wrong_count = context->execute(two, out, 2);
  ASSERT_FALSE(wrong_count.is_ok());
  EXPECT_NE(wrong_count.message().find("got 2 inputs, the engine has 1"), std::string::npos)
      << wrong_count.message();

  Status unknown = context->set_input_shape("image", Dims{1, 1, 28, 28});
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_NE(unknown.message().find("\"image\""), std::string::npos) << unknown.message();
  Status rank = context->set_input_shape("input", Dims{1, 28, 28});
  ASSERT_FALSE(rank.is_ok());
  EXPECT_NE(rank.message().find("rank 3"), std::string::npos) << rank.message();
  Status other_axis = context->set_input_shape("input", Dims{2, 1, 28, 27});
  ASSERT_FALSE(other_axis.is_ok());
  EXPECT_NE(other_axis.message().find("axis 3"), std::string::npos) << other_axis.message();
  EXPECT_NE(other_axis.message().find("2x1x28x27"), std::string::npos) << other_axis.message();
  // The failed calls left the context as it was: it still runs the full batch.
  EXPECT_TRUE(context->execute(in, out, 4).is_ok());
  EXPECT_EQ(context->input_shape(0), (Dims{4, 1, 28, 28}));
}

// x [4, 6] -> Reshape(x, constant [4, 6]): the target shape fixes the batch, so batch 2 is an
// error naming the Reshape, not a wrong result.
TEST(ContextBatch, GraphThatFixedTheBatchIsAClearError) {
  Builder builder;
  auto net = builder.create_network();
  Tensor* x = net->add_input("x", DataType::kFloat, Dims{4, 6}).value();
  Tensor* shape = net->add_constant("shape", Weights::from_vector(DataType::kInt64, Dims{2},
                                                                  std::vector<int64_t>{4, 6}))
                      .value();
  Layer* reshape =
      net->add_layer(OpType::kReshape, "fixed", {x, shape}, ReshapeAttrs{}, {"y"}).value();
  Layer* relu =
      net->add_layer(OpType::kRelu, "relu", {reshape->output(0)}, NoAttrs{}, {"z"}).value();
  ASSERT_TRUE(net->mark_output(relu->output(0)).is_ok());
  auto engine = builder.build(*net, *builder.create_config());
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  auto context = (*engine)->create_execution_context();
  std::vector<float> in(24, 1.0f), out(24);
  const void* ins[] = {in.data()};
  void* outs[] = {out.data()};
  Status status = context->execute(ins, outs, 2);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("\"fixed\""), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("2x6"), std::string::npos) << status.message();
  EXPECT_TRUE(context->execute(ins, outs, 4).is_ok());
}

// x [B, 2, 3] with the shapes exporters compute from x.shape (Shape -> Gather -> Concat), folded
// at build time: Reshape to [2B, 3] and to [B, 6], and Expand of mean(x, axis 1) to [B, 2, 3].
std::unique_ptr<Engine> build_shape_graph(int64_t batch) {
  Builder builder;
  auto net = builder.create_network();
  auto ints = [&](const std::string& name, std::vector<int64_t> values) {
    const auto n = static_cast<int64_t>(values.size());
    return net->add_constant(name, Weights::from_vector(DataType::kInt64, Dims{n}, values)).value();
  };
  auto layer = [&](OpType type, const std::string& name, std::vector<Tensor*> inputs,
                   Attrs attrs = NoAttrs{}) {
    return net->add_layer(type, name, std::move(inputs), std::move(attrs), {name})
        .value()
        ->output(0);
  };
  Tensor* x = net->add_input("x", DataType::kFloat, Dims{batch, 2, 3}).value();
  Tensor* shape = layer(OpType::kShape, "shape", {x}, ShapeAttrs{});
  Tensor* b = layer(OpType::kGather, "b", {shape, ints("zero", {0})}, GatherAttrs{0});
  Tensor* rows = layer(OpType::kMul, "rows", {b, ints("two", {2})});
  Tensor* r1 = layer(OpType::kReshape, "to_2b_3",
                     {x, layer(OpType::kConcat, "s1", {rows, ints("three", {3})}, ConcatAttrs{0})},
                     ReshapeAttrs{});
  Tensor* r2 = layer(OpType::kReshape, "to_b_6",
                     {x, layer(OpType::kConcat, "s2", {b, ints("six", {6})}, ConcatAttrs{0})},
                     ReshapeAttrs{});
  Tensor* mean = layer(OpType::kReduceMean, "mean", {x, ints("axis1", {1})}, ReduceAttrs{});
  Tensor* e =
      layer(OpType::kExpand, "expand",
            {mean, layer(OpType::kConcat, "s3", {b, ints("two_three", {2, 3})}, ConcatAttrs{0})});
  for (Tensor* out : {r1, r2, e})
    EXPECT_TRUE(net->mark_output(out).is_ok());
  auto engine = builder.build(*net, *builder.create_config());
  EXPECT_TRUE(engine.is_ok()) << engine.status().to_string();
  return engine.is_ok() ? std::move(engine).value() : nullptr;
}

// Runs `context` on x at its batch; the outputs sized by the context's output shapes (axis 0 of
// the first output is not the batch).
Buffers run_at(ExecutionContext& context, const std::vector<float>& x, int64_t batch) {
  EXPECT_TRUE(context.set_input_shape("x", Dims{batch, 2, 3}).is_ok());
  Buffers outputs;
  std::vector<void*> out;
  for (int i = 0; i < 3; ++i)
    outputs.emplace_back(static_cast<size_t>(context.output_shape(i)->volume()), -12345.0f);
  for (auto& buffer : outputs)
    out.push_back(buffer.data());
  const void* in[] = {x.data()};
  Status status = context.execute(in, out);
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  return outputs;
}

// Folding computed those shapes at batch 4; they follow the batch all the same: every batch 1..4
// matches an engine built for it.
TEST(ContextBatch, ShapesComputedFromTheInputFollowTheBatch) {
  auto big = build_shape_graph(4);
  ASSERT_NE(big, nullptr);
  auto context = big->create_execution_context();
  for (int64_t batch : {1, 3, 2, 4}) {
    const std::string config =
        "Shape-computed Reshape/Expand, built for 4, run at " + std::to_string(batch) + ", seed 5";
    auto exact = build_shape_graph(batch);
    ASSERT_NE(exact, nullptr);
    const std::vector<float> x = engine_testing::random_inputs(*big, batch, 5)[0];
    const Buffers actual = run_at(*context, x, batch);
    EXPECT_EQ(*context->output_shape(0), (Dims{2 * batch, 3})) << config;
    EXPECT_EQ(*context->output_shape(1), (Dims{batch, 6})) << config;
    EXPECT_EQ(*context->output_shape(2), (Dims{batch, 2, 3})) << config;
    engine_testing::expect_bitwise_equal(run_at(*exact->create_execution_context(), x, batch),
                                         actual, config);
    // Reshapes keep x's values; the expansion repeats each row's mean over axis 1.
    EXPECT_EQ(actual[0], x) << config;
    EXPECT_EQ(actual[1], x) << config;
    for (int64_t i = 0; i < batch; ++i) {
      for (int c = 0; c < 3; ++c) {
        const float* xi = x.data() + i * 6;
        EXPECT_FLOAT_EQ(actual[2][static_cast<size_t>(i * 6 + 3 + c)], (xi[c] + xi[3 + c]) / 2)
            << config;
      }
    }
  }
}

}  // namespace
}  // namespace int8rt
