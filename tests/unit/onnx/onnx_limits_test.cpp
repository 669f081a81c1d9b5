// Models at the limits of what int8rt can hold: huge constants, thousands of inputs to one node,
// empty tensors. Each builds and runs or is refused as a user error naming the node or tensor;
// never an internal error, a crash or an allocation that takes the machine down.
#include <gtest/gtest.h>

#include <limits>

#include "int8rt/builder.h"
#include "int8rt/engine.h"
#include "onnx_test_util.h"

namespace int8rt::testing {
namespace {

constexpr int32_t kFloat = onnx::TensorProto::FLOAT;

// Imports and builds `model` on `backend`; the build's status (import errors included).
Result<std::unique_ptr<Engine>> build_model(const OnnxModel& model,
                                            std::string_view backend = "cpu") {
  Network net;
  CapturingLogger logger;
  INT8RT_RETURN_IF_ERROR(parse_model(model, net, &logger));
  Builder builder(logger);
  BuilderConfig config;
  config.set_backend(backend);
  return builder.build(net, config);
}

bool is_user_error(const Status& status) {
  return status.code() != StatusCode::kInternal;
}

TEST(OnnxLimits, HugeConstantOfShapeIsRefusedNamingTheNode) {
  OnnxModel model(13);
  model.input("x", kFloat, {1});
  // 2^38 floats (1 TiB): within the 2^40 elements shape inference allows, past any machine here.
  model.initializer_int64("shape", {2}, {int64_t{1} << 19, int64_t{1} << 19});
  model.node("ConstantOfShape", {"shape"}, {"big"}, "fill")
      .attr_tensor("value", make_float_tensor("v", {1}, {1.0f}));
  model.node("ReduceSum", {"big"}, {"r"}, "sum").attr_int("keepdims", 0);
  model.node("Add", {"x", "r"}, {"y"}, "add");
  model.output("y");
  auto engine = build_model(model);
  ASSERT_FALSE(engine.is_ok());
  EXPECT_TRUE(is_user_error(engine.status())) << engine.status().to_string();
  EXPECT_EQ(engine.status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(contains(engine.status().message(), "\"fill\"")) << engine.status().to_string();
  EXPECT_TRUE(contains(engine.status().message(), "274877906944 elements"))
      << engine.status().to_string();
}

TEST(OnnxLimits, ConcatOfTenThousandInputsRuns) {
  OnnxModel model(13);
  model.input("x", kFloat, {1, 2});
  model.node("Concat", std::vector<std::string>(10000, "x"), {"y"}, "cat").attr_int("axis", 0);
  model.output("y");
  for (std::string_view backend : {"cpu", "reference"}) {
    auto engine = build_model(model, backend);
    ASSERT_TRUE(engine.is_ok()) << backend << ": " << engine.status().to_string();
    auto context = (*engine)->create_execution_context();
    const std::vector<float> x = {1.5f, -2.0f};
    std::vector<float> y(20000);
    const void* inputs[] = {x.data()};
    void* outputs[] = {y.data()};
    Status run = context->execute(inputs, outputs);
    ASSERT_TRUE(run.is_ok()) << backend << ": " << run.to_string();
    for (size_t i = 0; i < y.size(); ++i)
      ASSERT_EQ(y[i], x[i % 2]) << backend << " at " << i;
  }
}

// A Slice past the end gives an output with no elements: it builds and runs, and needs no buffer.
TEST(OnnxLimits, EmptyOutputsRunWithoutABuffer) {
  OnnxModel model(13);
  model.input("x", kFloat, {1, 4});
  model.initializer_int64("starts", {1}, {std::numeric_limits<int64_t>::max()});
  model.initializer_int64("ends", {1}, {std::numeric_limits<int64_t>::max()});
  model.initializer_int64("axes", {1}, {1});
  model.node("Slice", {"x", "starts", "ends", "axes"}, {"y"}, "slice");
  model.output("y");
  auto engine = build_model(model);
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  EXPECT_EQ((*engine)->output(0).dims, (Dims{1, 0}));
  auto context = (*engine)->create_execution_context();
  const std::vector<float> x(4, 1.0f);
  const void* inputs[] = {x.data()};
  void* outputs[] = {nullptr};
  const Status run = context->execute(inputs, outputs);
  EXPECT_TRUE(run.is_ok()) << run.to_string();
  // A null buffer for a tensor that has elements is still an error naming it.
  const void* no_inputs[] = {nullptr};
  const Status null_input = context->execute(no_inputs, outputs);
  ASSERT_FALSE(null_input.is_ok());
  EXPECT_TRUE(contains(null_input.message(), "input \"x\" is null")) << null_input.message();
}

}  // namespace
}  // namespace int8rt::testing
