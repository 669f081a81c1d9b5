// Plan files: build -> serialize -> deserialize gives an engine computing the same bits.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "unit/runtime/engine_testing.h"

namespace int8rt {
namespace {

using engine_testing::Buffers;

void expect_same_layers(const Engine& a, const Engine& b, const std::string& config) {
  const auto la = a.layers(), lb = b.layers();
  ASSERT_EQ(la.size(), lb.size()) << config;
  for (size_t i = 0; i < la.size(); ++i) {
    EXPECT_EQ(la[i].name, lb[i].name) << config << ", step " << i;
    EXPECT_EQ(la[i].op, lb[i].op) << config << ", step " << i;
    EXPECT_EQ(la[i].kernel, lb[i].kernel) << config << ", step " << i;
    EXPECT_EQ(la[i].precision, lb[i].precision) << config << ", step " << i;
  }
}

// Round trip of `engine`: same inputs/outputs, layers, bits on random inputs, and the loaded
// engine serializes to the very same bytes.
void check_round_trip(const Engine& engine, const std::string& config) {
  auto bytes = engine.serialize();
  ASSERT_TRUE(bytes.is_ok()) << config << ": " << bytes.status().to_string();
  auto loaded = Engine::deserialize(*bytes);
  ASSERT_TRUE(loaded.is_ok()) << config << ": " << loaded.status().to_string();
  const Engine& copy = **loaded;
  EXPECT_EQ(copy.backend(), engine.backend()) << config;
  ASSERT_EQ(copy.num_inputs(), engine.num_inputs()) << config;
  ASSERT_EQ(copy.num_outputs(), engine.num_outputs()) << config;
  for (int i = 0; i < engine.num_inputs(); ++i) {
    EXPECT_EQ(copy.input(i).name, engine.input(i).name) << config;
    EXPECT_EQ(copy.input(i).dims, engine.input(i).dims) << config;
    EXPECT_EQ(copy.input(i).dtype, engine.input(i).dtype) << config;
  }
  for (int i = 0; i < engine.num_outputs(); ++i) {
    EXPECT_EQ(copy.output(i).name, engine.output(i).name) << config;
    EXPECT_EQ(copy.output(i).dims, engine.output(i).dims) << config;
  }
  expect_same_layers(engine, copy, config);
  const int64_t batch = engine.input(0).dims[0];
  for (uint32_t seed : {1u, 2u}) {
    const Buffers inputs = engine_testing::random_inputs(engine, batch, seed);
    engine_testing::expect_bitwise_equal(engine_testing::run(engine, inputs, batch),
                                         engine_testing::run(copy, inputs, batch),
                                         config + ", seed " + std::to_string(seed));
  }
  auto again = copy.serialize();
  ASSERT_TRUE(again.is_ok()) << config;
  EXPECT_TRUE(*again == *bytes) << config << ": a loaded engine serializes to other bytes ("
                                << again->size() << " vs " << bytes->size() << ")";
}

TEST(PlanRoundTrip, BundledModelsFp32BitExact) {
  for (const char* model : {"lenet5_mnist", "resnet_fmnist", "mobilenetv2_fmnist"}) {
    for (std::string_view backend : {"cpu", "reference"}) {
      const std::string config =
          std::string(model) + " fp32 backend " + std::string(backend) + " batch 3";
      auto engine = engine_testing::build_model(model, 3, backend);
      ASSERT_TRUE(engine.is_ok()) << config << ": " << engine.status().to_string();
      check_round_trip(**engine, config);
    }
  }
}

TEST(PlanRoundTrip, BundledModelsInt8BitExact) {
  for (const char* model : {"lenet5_mnist", "resnet_fmnist"}) {
    for (std::string_view backend : {"cpu", "reference"}) {
      const std::string config =
          std::string(model) + " int8 backend " + std::string(backend) + " batch 2";
      auto engine = engine_testing::build_model(model, 2, backend, /*int8=*/true);
      if (!engine.is_ok() && engine.status().code() == StatusCode::kUnsupported) {
        GTEST_SKIP() << config
                     << ": this build has no INT8 path yet: " << engine.status().to_string();
      }
      ASSERT_TRUE(engine.is_ok()) << config << ": " << engine.status().to_string();
      int int8_layers = 0;
      for (const LayerInfo& layer : (*engine)->layers())
        int8_layers += layer.precision == DataType::kInt8 ? 1 : 0;
      EXPECT_GT(int8_layers, 0) << config << ": every tensor has a range, yet no layer is INT8";
      check_round_trip(**engine, config);
    }
  }
}

TEST(PlanRoundTrip, SaveAndLoadAFile) {
  auto engine = engine_testing::build_model("lenet5_mnist", 2, "cpu");
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  const std::string path =
      (std::filesystem::temp_directory_path() / "int8rt_plan_roundtrip_test.plan").string();
  ASSERT_TRUE((*engine)->save(path).is_ok());
  auto loaded = Engine::load(path);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  const Buffers inputs = engine_testing::random_inputs(**engine, 2, 5);
  engine_testing::expect_bitwise_equal(engine_testing::run(**engine, inputs, 2),
                                       engine_testing::run(**loaded, inputs, 2), path);
  std::remove(path.c_str());

  auto missing = Engine::load(path);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find(path), std::string::npos)
      << missing.status().to_string();
}

TEST(PlanRoundTrip, LoadedEngineRunsSmallerBatches) {
  auto engine = engine_testing::build_model("resnet_fmnist", 4, "cpu");
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  auto loaded = Engine::deserialize((*engine)->serialize().value());
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  for (int64_t batch : {1, 3}) {
    const Buffers inputs = engine_testing::random_inputs(**engine, batch, 9);
    engine_testing::expect_bitwise_equal(engine_testing::run(**engine, inputs, batch),
                                         engine_testing::run(**loaded, inputs, batch),
                                         "resnet_fmnist batch " + std::to_string(batch));
  }
}

}  // namespace
}  // namespace int8rt
