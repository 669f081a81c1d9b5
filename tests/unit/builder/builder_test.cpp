#include "int8rt/builder.h"

#include <gtest/gtest.h>

#include <random>

namespace int8rt {
namespace {

// x [?, 4] -> Relu -> y, with the batch axis named "batch".
std::unique_ptr<Network> relu_network(const Builder& builder) {
  auto net = builder.create_network();
  Tensor* x = net->add_input("x", DataType::kFloat, Dims{Dims::kDynamic, 4}, {"batch", ""}).value();
  Layer* relu = net->add_layer(OpType::kRelu, "relu", {x}, NoAttrs{}, {"y"}).value();
  EXPECT_TRUE(net->mark_output(relu->output(0)).is_ok());
  return net;
}

TEST(Builder, UnresolvedDynamicAxisIsAClearError) {
  Builder builder;
  auto net = relu_network(builder);
  auto engine = builder.build(*net, *builder.create_config());
  ASSERT_FALSE(engine.is_ok());
  const std::string& message = engine.status().message();
  EXPECT_EQ(engine.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(message.find("\"x\""), std::string::npos) << message;
  EXPECT_NE(message.find("\"batch\""), std::string::npos) << message;
  EXPECT_NE(message.find("set_input_shape"), std::string::npos) << message;
}

TEST(Builder, RejectsShapesThatDoNotFitTheInput) {
  Builder builder;
  auto net = relu_network(builder);
  for (const Dims& bad : {Dims{2, 5}, Dims{2, 4, 1}}) {
    auto config = builder.create_config();
    config->set_input_shape("x", bad);
    auto engine = builder.build(*net, *config);
    ASSERT_FALSE(engine.is_ok()) << bad.to_string();
    EXPECT_NE(engine.status().message().find(bad.to_string()), std::string::npos)
        << engine.status().message();
  }
  auto config = builder.create_config();
  config->set_input_shape("nope", Dims{1, 4});
  auto engine = builder.build(*net, *config);
  ASSERT_FALSE(engine.is_ok());
  EXPECT_NE(engine.status().message().find("\"nope\""), std::string::npos);
}

TEST(Builder, BuildsRunsAndLeavesTheNetworkUntouched) {
  Builder builder;
  auto net = relu_network(builder);
  for (std::string_view backend : {"reference", "cpu"}) {
    auto config = builder.create_config();
    config->set_backend(backend);
    config->set_input_shape("x", Dims{3, 4});
    auto engine = builder.build(*net, *config);
    ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
    EXPECT_EQ(net->input(0)->dims(), (Dims{Dims::kDynamic, 4}));  // the caller's network
    ASSERT_EQ((*engine)->num_outputs(), 1);
    EXPECT_EQ((*engine)->output(0).dims, (Dims{3, 4}));

    std::mt19937 rng(7);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> x(12), y(12, 123.0f);
    for (float& v : x)
      v = dist(rng);
    auto context = (*engine)->create_execution_context();
    const void* inputs[] = {x.data()};
    void* outputs[] = {y.data()};
    ASSERT_TRUE(context->execute(inputs, outputs).is_ok());
    for (size_t i = 0; i < x.size(); ++i)
      EXPECT_EQ(y[i], x[i] > 0 ? x[i] : 0.0f) << i;
  }
}

TEST(Builder, ExecuteChecksItsArguments) {
  Builder builder;
  auto net = relu_network(builder);
  auto config = builder.create_config();
  config->set_input_shape("x", Dims{1, 4});
  auto engine = builder.build(*net, *config).value();
  auto context = engine->create_execution_context();
  std::vector<float> x(4), y(4);
  const void* inputs[] = {x.data()};
  void* outputs[] = {y.data()};
  EXPECT_FALSE(context->execute({}, outputs).is_ok());
  const void* null_inputs[] = {nullptr};
  EXPECT_FALSE(context->execute(null_inputs, outputs).is_ok());
  EXPECT_TRUE(context->execute(inputs, outputs).is_ok());
}

// A shape computed from a file's values that no machine could hold is an error naming the layer,
// found before anything is allocated for it (not a crash or an overflowed allocation).
TEST(Builder, AbsurdComputedShapesAreRefused) {
  Builder builder;
  auto net = builder.create_network();
  std::vector<int64_t> shape = {int64_t{1} << 62};
  Tensor* dims =
      net->add_constant("dims", Weights::from_vector(DataType::kInt64, Dims{1}, shape)).value();
  Layer* fill =
      net->add_layer(OpType::kConstantOfShape, "fill", {dims}, ConstantOfShapeAttrs{}, {"y"})
          .value();
  ASSERT_TRUE(net->mark_output(fill->output(0)).is_ok());
  auto engine = builder.build(*net, *builder.create_config());
  ASSERT_FALSE(engine.is_ok());
  EXPECT_NE(engine.status().message().find("\"fill\""), std::string::npos)
      << engine.status().message();
  EXPECT_NE(engine.status().message().find("2^40"), std::string::npos);

  auto input = net->add_input("huge", DataType::kFloat, Dims{int64_t{1} << 30, int64_t{1} << 30});
  ASSERT_FALSE(input.is_ok());
  EXPECT_NE(input.status().message().find("\"huge\""), std::string::npos);
}

TEST(Builder, NetworkWithoutOutputsIsAnError) {
  Builder builder;
  auto net = builder.create_network();
  ASSERT_TRUE(net->add_input("x", DataType::kFloat, Dims{1}).is_ok());
  auto engine = builder.build(*net, *builder.create_config());
  ASSERT_FALSE(engine.is_ok());
  EXPECT_NE(engine.status().message().find("no outputs"), std::string::npos);
}

}  // namespace
}  // namespace int8rt
