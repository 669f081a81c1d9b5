// ExecutionContext::set_tensor_observer: every tensor a layer computes, dense row-major float32,
// checked against engines that have those tensors as network outputs (which the builder gives
// back plain and, for INT8 tensors, dequantized by a Dequantize layer).
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "unit/runtime/engine_testing.h"

namespace int8rt {
namespace {

using engine_testing::Buffers;

struct Seen {
  ObservedTensor info;  // values left empty
  std::vector<float> values;
  int times = 0;
};

class Recorder final : public TensorObserver {
 public:
  void on_tensor(const ObservedTensor& tensor) override {
    Seen& seen = tensors[tensor.name];
    seen.info = tensor;
    seen.info.values = {};
    seen.values.assign(tensor.values.begin(), tensor.values.end());
    ++seen.times;
    order.push_back(tensor.name);
  }
  std::map<std::string, Seen> tensors;
  std::vector<std::string> order;
};

// models/<model>.onnx; with `all_outputs` every tensor a layer computes is a network output.
std::unique_ptr<Network> model(const std::string& name, bool all_outputs, bool int8) {
  auto net = engine_testing::load_model(name);
  if (int8) engine_testing::set_all_ranges(*net, 6.0f);
  if (all_outputs) {
    for (int i = 0; i < net->num_tensors(); ++i) {
      Tensor* t = net->tensor(i);
      if (t->producer() != nullptr && !t->is_network_output()) {
        EXPECT_TRUE(net->mark_output(t).is_ok()) << t->name();
      }
    }
  }
  return net;
}

std::unique_ptr<Engine> build(const Network& net, std::string_view backend, bool int8,
                              int64_t batch) {
  static StderrLogger logger(Logger::Severity::kError);
  Builder builder(logger);
  auto config = builder.create_config();
  config->set_backend(backend);
  config->set_input_shape("input", Dims{batch, 1, 28, 28});
  if (int8) config->set_flag(BuilderFlag::kInt8);
  auto engine = builder.build(net, *config);
  EXPECT_TRUE(engine.is_ok()) << engine.status().to_string();
  return engine.is_ok() ? std::move(engine).value() : nullptr;
}

struct ObservedRun {
  Buffers outputs;
  Recorder recorder;
};

void observe(const Engine& engine, const Buffers& inputs, int64_t batch, ObservedRun& run) {
  auto context = engine.create_execution_context();
  context->set_tensor_observer(&run.recorder);
  EXPECT_EQ(context->tensor_observer(), &run.recorder);
  run.outputs = engine_testing::run(*context, engine, inputs, batch);
}

void expect_equal_values(const std::vector<float>& expected, const std::vector<float>& actual,
                         const std::string& config) {
  ASSERT_EQ(expected.size(), actual.size()) << config;
  const int64_t at = engine_testing::first_difference(expected, actual);
  EXPECT_EQ(at, -1) << config << ": first differs at element " << at << ": "
                    << expected[static_cast<size_t>(std::max<int64_t>(at, 0))] << " vs "
                    << actual[static_cast<size_t>(std::max<int64_t>(at, 0))];
}

// With every tensor a network output, each is observed exactly once, with the value the engine
// returns for it: FP32 and INT8 (dequantized), CPU (oneDNN layouts) and reference, at the built
// batch and a smaller one.
TEST(TensorObserver, ObservedValuesAreTheEngineOutputs) {
  for (const std::string name : {"resnet_fmnist", "lenet5_mnist"}) {
    for (bool int8 : {false, true}) {
      for (std::string_view backend : {"cpu", "reference"}) {
        auto net = model(name, /*all_outputs=*/true, int8);
        auto engine = build(*net, backend, int8, 3);
        ASSERT_NE(engine, nullptr);
        for (int64_t batch : {3, 2}) {
          const std::string config = name + (int8 ? " int8" : " fp32") + " backend " +
                                     std::string(backend) + " batch " + std::to_string(batch) +
                                     ", seed 5";
          const Buffers inputs = engine_testing::random_inputs(*engine, batch, 5);
          ObservedRun run;
          observe(*engine, inputs, batch, run);
          ASSERT_EQ(static_cast<int>(run.recorder.tensors.size()), engine->num_outputs()) << config;
          for (int i = 0; i < engine->num_outputs(); ++i) {
            const std::string& output = engine->output(i).name;
            auto it = run.recorder.tensors.find(output);
            ASSERT_NE(it, run.recorder.tensors.end())
                << config << ": \"" << output << "\" not observed";
            const Seen& seen = it->second;
            EXPECT_EQ(seen.times, 1) << config << ", " << output;
            Dims dims = engine->output(i).dims;
            dims[0] = batch;
            EXPECT_EQ(seen.info.dims, dims) << config << ", " << output;
            expect_equal_values(run.outputs[static_cast<size_t>(i)], seen.values,
                                config + ", tensor \"" + output + "\"");
          }
        }
      }
    }
  }
}

// Without extra outputs (layers fused), the INT8 engine's tensors are int8 values on the grid of
// their scale, computed bit for bit alike by the CPU and the reference backends; each one is
// observed once per run, in execution order (producers before consumers).
TEST(TensorObserver, Int8TensorsAreDequantizedAndEqualAcrossBackends) {
  for (const std::string name : {"resnet_fmnist", "mobilenetv2_fmnist"}) {
    const std::string config = name + " int8 (ranges ±6) batch 4, seed 9";
    auto net = model(name, /*all_outputs=*/false, /*int8=*/true);
    auto cpu = build(*net, "cpu", true, 4);
    auto reference = build(*net, "reference", true, 4);
    ASSERT_TRUE(cpu && reference) << config;
    const Buffers inputs = engine_testing::random_inputs(*cpu, 4, 9);
    ObservedRun on_cpu, on_reference;
    observe(*cpu, inputs, 4, on_cpu);
    observe(*reference, inputs, 4, on_reference);
    EXPECT_EQ(on_cpu.recorder.order, on_reference.recorder.order) << config;
    int int8_tensors = 0;
    for (const auto& [tensor, seen] : on_reference.recorder.tensors) {
      const std::string where = config + ", tensor \"" + tensor + "\" (" + seen.info.layer + ")";
      EXPECT_EQ(seen.times, 1) << where;
      EXPECT_EQ(tensor.find(":int8"), std::string::npos) << where;
      EXPECT_EQ(static_cast<int64_t>(seen.values.size()), seen.info.dims.volume()) << where;
      auto other = on_cpu.recorder.tensors.find(tensor);
      ASSERT_NE(other, on_cpu.recorder.tensors.end()) << where << ": not observed on the CPU";
      EXPECT_EQ(other->second.info.layer, seen.info.layer) << where;
      EXPECT_EQ(other->second.info.precision, seen.info.precision) << where;
      expect_equal_values(seen.values, other->second.values, where + ", cpu vs reference");
      if (seen.info.dtype != DataType::kInt8) continue;
      ++int8_tensors;
      EXPECT_EQ(seen.info.precision, DataType::kInt8) << where;
      EXPECT_FLOAT_EQ(seen.info.scale, 6.0f / 127.0f) << where;
      for (size_t i = 0; i < seen.values.size(); ++i) {
        const double q = seen.values[i] / seen.info.scale;
        ASSERT_NEAR(q, std::nearbyint(q), 1e-3) << where << ", element " << i;
        ASSERT_LE(std::abs(q), 127.0 + 1e-3) << where << ", element " << i;
      }
    }
    EXPECT_GT(int8_tensors, 3) << config;
    // The logits: observed as the engine returned them.
    auto logits = on_cpu.recorder.tensors.find(cpu->output(0).name);
    ASSERT_NE(logits, on_cpu.recorder.tensors.end()) << config;
    expect_equal_values(on_cpu.outputs[0], logits->second.values, config + ", logits");
  }
}

// The FP32 engine with fused layers observes the tensors that survive fusion; they hold what an
// engine returning every tensor computes, up to the float rounding of the fused arithmetic.
TEST(TensorObserver, FusedFp32EngineObservesTheSurvivingTensors) {
  for (std::string_view backend : {"cpu", "reference"}) {
    const std::string config =
        "resnet_fmnist fp32 backend " + std::string(backend) + " batch 2, seed 13";
    auto fused = build(*model("resnet_fmnist", false, false), backend, false, 2);
    auto all = build(*model("resnet_fmnist", true, false), backend, false, 2);
    ASSERT_TRUE(fused && all) << config;
    const Buffers inputs = engine_testing::random_inputs(*all, 2, 13);
    ObservedRun fused_run, all_run;
    observe(*fused, inputs, 2, fused_run);
    observe(*all, inputs, 2, all_run);
    EXPECT_LT(fused_run.recorder.tensors.size(), all_run.recorder.tensors.size()) << config;
    for (const auto& [tensor, seen] : fused_run.recorder.tensors) {
      auto other = all_run.recorder.tensors.find(tensor);
      ASSERT_NE(other, all_run.recorder.tensors.end()) << config << ", \"" << tensor << "\"";
      ASSERT_EQ(seen.values.size(), other->second.values.size()) << config << ", " << tensor;
      for (size_t i = 0; i < seen.values.size(); ++i) {
        const float expected = other->second.values[i];
        ASSERT_NEAR(seen.values[i], expected, 1e-4f + 1e-4f * std::abs(expected))
            << config << ", tensor \"" << tensor << "\" element " << i;
      }
    }
  }
}

TEST(TensorObserver, NullTurnsObservingOff) {
  auto engine = build(*model("lenet5_mnist", false, false), "cpu", false, 1);
  ASSERT_NE(engine, nullptr);
  const Buffers inputs = engine_testing::random_inputs(*engine, 1, 3);
  Recorder recorder;
  auto context = engine->create_execution_context();
  context->set_tensor_observer(&recorder);
  const Buffers observed = engine_testing::run(*context, *engine, inputs, 1);
  const size_t seen = recorder.order.size();
  EXPECT_GT(seen, 3u);
  context->set_tensor_observer(nullptr);
  EXPECT_EQ(context->tensor_observer(), nullptr);
  const Buffers plain = engine_testing::run(*context, *engine, inputs, 1);
  EXPECT_EQ(recorder.order.size(), seen);
  engine_testing::expect_bitwise_equal(observed, plain, "lenet5_mnist with and without observer");
}

}  // namespace
}  // namespace int8rt
