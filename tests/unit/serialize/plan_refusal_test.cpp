// Plan files: the header layout, and every way a damaged or foreign file is refused (never a
// crash): wrong magic, truncation, flipped bytes, newer format, other backend, malformed payload.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>
#include <regex>

#include "int8rt/builder.h"
#include "testing/plan_bytes.h"
#include "testing/testing.h"

namespace int8rt {
namespace {

// x [2,3,6,6] -> Conv 3x3 pad 1 (+bias) -> Relu -> MaxPool 2x2 -> Flatten -> Gemm -> Softmax.
// With `x_amax` > 0, x carries that dynamic range into the plan.
std::unique_ptr<Engine> small_engine(std::string_view backend = "cpu", float x_amax = 0.0f) {
  Builder builder;
  auto net = builder.create_network();
  net->set_name("small");
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-0.5f, 0.5f);
  auto random = [&](Dims dims) {
    std::vector<float> values(static_cast<size_t>(dims.volume()));
    for (float& v : values)
      v = dist(rng);
    return Weights::from_vector(DataType::kFloat, dims, values);
  };
  Tensor* x =
      net->add_input("x", DataType::kFloat, Dims{2, 3, 6, 6}, {"batch", "", "", ""}).value();
  if (x_amax > 0.0f) {
    EXPECT_TRUE(x->set_dynamic_range(-x_amax, x_amax).is_ok());
  }
  Tensor* w = net->add_constant("w", random(Dims{4, 3, 3, 3})).value();
  Tensor* b = net->add_constant("b", random(Dims{4})).value();
  ConvAttrs conv;
  conv.pads = {1, 1, 1, 1};
  Tensor* y = net->add_layer(OpType::kConv, "conv", {x, w, b}, conv, {"y"}).value()->output(0);
  Tensor* r = net->add_layer(OpType::kRelu, "relu", {y}, NoAttrs{}, {"r"}).value()->output(0);
  PoolAttrs pool;
  pool.kernel_shape = {2, 2};
  pool.strides = {2, 2};
  Tensor* p = net->add_layer(OpType::kMaxPool, "pool", {r}, pool, {"p"}).value()->output(0);
  Tensor* f =
      net->add_layer(OpType::kFlatten, "flat", {p}, FlattenAttrs{}, {"f"}).value()->output(0);
  Tensor* g_w = net->add_constant("gw", random(Dims{36, 5})).value();
  Tensor* g = net->add_layer(OpType::kGemm, "fc", {f, g_w}, GemmAttrs{}, {"g"}).value()->output(0);
  Tensor* s =
      net->add_layer(OpType::kSoftmax, "prob", {g}, SoftmaxAttrs{}, {"prob"}).value()->output(0);
  EXPECT_TRUE(net->mark_output(s).is_ok());
  auto config = builder.create_config();
  config->set_backend(backend);
  auto engine = builder.build(*net, *config);
  EXPECT_TRUE(engine.is_ok()) << engine.status().to_string();
  return std::move(engine).value();
}

uint32_t read_u32(const std::string& bytes, size_t at) {
  uint32_t v = 0;
  std::memcpy(&v, bytes.data() + at, 4);
  return v;
}
uint64_t read_u64(const std::string& bytes, size_t at) {
  uint64_t v = 0;
  std::memcpy(&v, bytes.data() + at, 8);
  return v;
}

using Header = testing::PlanHeader;

Header parse_header(const std::string& bytes) {
  return testing::parse_plan_header(bytes).value();
}

uint64_t fnv1a(const std::string& bytes, const Header& h) {
  return testing::plan_checksum(bytes, h.checksum_at, h.payload_at);
}

void reseal(std::string& bytes) {
  ASSERT_TRUE(testing::reseal_plan(bytes));
}

std::string plan_of(const Engine& engine) {
  auto bytes = engine.serialize();
  EXPECT_TRUE(bytes.is_ok()) << bytes.status().to_string();
  return bytes.is_ok() ? *bytes : std::string();
}

bool contains(const Status& status, const std::string& text) {
  return status.message().find(text) != std::string::npos;
}

TEST(PlanFormat, HeaderIsAsDocumented) {
  const std::string bytes = plan_of(*small_engine());
  ASSERT_GT(bytes.size(), 40u);
  EXPECT_EQ(bytes.substr(0, 8), "I8RTPLAN");
  EXPECT_EQ(read_u32(bytes, 8), 2u) << "format version";
  const Header h = parse_header(bytes);
  // The version recorded is the project's: project(int8rt VERSION x.y.z) in CMakeLists.txt.
  std::ifstream cmake(testing::source_path("CMakeLists.txt"));
  std::string text((std::istreambuf_iterator<char>(cmake)), std::istreambuf_iterator<char>());
  std::smatch match;
  ASSERT_TRUE(std::regex_search(text, match, std::regex(R"(project\(int8rt VERSION ([0-9.]+))")));
  EXPECT_EQ(h.library_version, match[1].str());
  EXPECT_EQ(h.backend, "cpu");
  EXPECT_EQ(h.target, "") << "the CPU backends build for no particular target";
  EXPECT_EQ(read_u32(bytes, h.flags_at), 0u) << "flags";
  EXPECT_EQ(read_u64(bytes, h.payload_size_at), bytes.size() - h.payload_at);
  EXPECT_EQ(read_u64(bytes, h.checksum_at), fnv1a(bytes, h));
  // The payload starts with the network name.
  EXPECT_EQ(read_u32(bytes, h.payload_at), 5u);
  EXPECT_EQ(bytes.substr(h.payload_at + 4, 5), "small");
}

TEST(PlanFormat, DeserializeRefusesOtherFiles) {
  std::ifstream onnx(testing::source_path("models/lenet5_mnist.onnx"), std::ios::binary);
  const std::string model((std::istreambuf_iterator<char>(onnx)), std::istreambuf_iterator<char>());
  for (const std::string& bytes : {model, std::string("I8RTPLAX and more bytes than a header"),
                                   std::string("hello"), std::string(100, '\0')}) {
    auto engine = Engine::deserialize(bytes);
    ASSERT_FALSE(engine.is_ok()) << bytes.substr(0, 16);
    EXPECT_TRUE(contains(engine.status(), "not an int8rt plan file"))
        << engine.status().to_string();
  }
}

TEST(PlanFormat, EveryTruncationIsRefused) {
  const std::string bytes = plan_of(*small_engine());
  for (size_t size = 0; size < bytes.size(); ++size) {
    auto engine = Engine::deserialize(std::string_view(bytes).substr(0, size));
    ASSERT_FALSE(engine.is_ok()) << "truncated to " << size << " of " << bytes.size();
    EXPECT_EQ(engine.status().code(), StatusCode::kParseError) << size;
    EXPECT_TRUE(contains(engine.status(), "truncated"))
        << size << ": " << engine.status().to_string();
  }
  std::string longer = bytes + "x";
  auto engine = Engine::deserialize(longer);
  ASSERT_FALSE(engine.is_ok());
  EXPECT_TRUE(contains(engine.status(), "corrupted")) << engine.status().to_string();
}

TEST(PlanFormat, EveryFlippedByteIsRefused) {
  const std::string bytes = plan_of(*small_engine());
  const Header h = parse_header(bytes);
  for (size_t at = 0; at < bytes.size(); ++at) {
    for (unsigned char mask : {0x01, 0x80}) {
      std::string damaged = bytes;
      damaged[at] = static_cast<char>(damaged[at] ^ mask);
      auto engine = Engine::deserialize(damaged);
      ASSERT_FALSE(engine.is_ok()) << "byte " << at << " ^ " << int{mask};
      if (at < 8) {
        EXPECT_TRUE(contains(engine.status(), "not an int8rt plan file")) << at;
      } else if (at >= h.checksum_at) {
        EXPECT_TRUE(contains(engine.status(), "corrupted plan file: checksum mismatch"))
            << at << ": " << engine.status().to_string();
      }
    }
  }
}

TEST(PlanFormat, NewerFormatIsRefusedWithBothVersions) {
  std::string bytes = plan_of(*small_engine());
  const uint32_t newer = read_u32(bytes, 8) + 1;
  std::memcpy(bytes.data() + 8, &newer, 4);
  reseal(bytes);
  auto engine = Engine::deserialize(bytes);
  ASSERT_FALSE(engine.is_ok());
  EXPECT_EQ(engine.status().code(), StatusCode::kUnsupported);
  EXPECT_TRUE(contains(engine.status(), "made by a newer int8rt: format 3"))
      << engine.status().to_string();
  EXPECT_TRUE(contains(engine.status(), "reads up to 2")) << engine.status().to_string();
}

// The header of `bytes` with its backend, target and flags replaced (and the checksum redone).
std::string with_header(const std::string& bytes, const std::string& backend,
                        const std::string& target, uint32_t flags) {
  const Header h = parse_header(bytes);
  std::string out = bytes.substr(0, 12 + 4 + h.library_version.size());
  auto add_string = [&](const std::string& text) {
    const auto size = static_cast<uint32_t>(text.size());
    out.append(reinterpret_cast<const char*>(&size), 4);
    out += text;
  };
  add_string(backend);
  add_string(target);
  out.append(reinterpret_cast<const char*>(&flags), 4);
  out += bytes.substr(h.payload_size_at);
  reseal(out);
  return out;
}

TEST(PlanFormat, FormatOnePlansStillLoad) {
  const std::string bytes = plan_of(*small_engine());
  const Header h = parse_header(bytes);
  // Format 1: no target, no flags.
  std::string v1 = bytes.substr(0, h.flags_at - 4 - h.target.size()) + bytes.substr(h.flags_at + 4);
  const uint32_t one = 1;
  std::memcpy(v1.data() + 8, &one, 4);
  Header h1;
  h1.checksum_at = h.checksum_at - 8 - h.target.size();
  h1.payload_at = h.payload_at - 8 - h.target.size();
  const uint64_t sum = fnv1a(v1, h1);
  std::memcpy(v1.data() + h1.checksum_at, &sum, 8);
  auto engine = Engine::deserialize(v1);
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  EXPECT_EQ(plan_of(**engine), bytes) << "a format-1 plan saved again is the format-2 plan";
}

TEST(PlanFormat, UnknownFlagsAreRefused) {
  const std::string bytes = with_header(plan_of(*small_engine()), "cpu", "", 0x10);
  auto engine = Engine::deserialize(bytes);
  ASSERT_FALSE(engine.is_ok());
  EXPECT_EQ(engine.status().code(), StatusCode::kUnsupported);
  EXPECT_TRUE(contains(engine.status(), "flags 16")) << engine.status().to_string();
}

TEST(PlanFormat, PlanForABackendThatCantRunHereIsRefused) {
  const std::string bytes = plan_of(*small_engine());
  auto tpu = Engine::deserialize(with_header(bytes, "tpu", "", 0));
  ASSERT_FALSE(tpu.is_ok());
  EXPECT_TRUE(contains(tpu.status(), "the plan is for backend \"tpu\", which int8rt"))
      << tpu.status().to_string();
  // A GPU plan: refused without the CUDA backend or without a GPU; with one, a target it can't
  // run (a compute capability no GPU has) is refused naming both.
  auto cuda = Engine::deserialize(with_header(bytes, "cuda", "sm_999", 0));
  ASSERT_FALSE(cuda.is_ok());
  auto info = get_backend_info("cuda");
  if (!info.is_ok()) {
    EXPECT_TRUE(contains(cuda.status(), "which int8rt")) << cuda.status().to_string();
  } else if (!info->available) {
    EXPECT_TRUE(contains(cuda.status(), "can't run here: " + info->reason))
        << cuda.status().to_string();
  } else {
    EXPECT_TRUE(contains(cuda.status(), "sm_999")) << cuda.status().to_string();
  }
}

TEST(PlanFormat, OtherBackendIsRefusedWhenOneIsAskedFor) {
  const std::string cpu = plan_of(*small_engine("cpu"));
  auto engine = Engine::deserialize(cpu, default_logger(), "reference");
  ASSERT_FALSE(engine.is_ok());
  EXPECT_TRUE(contains(engine.status(), "\"cpu\"")) << engine.status().to_string();
  EXPECT_TRUE(contains(engine.status(), "\"reference\"")) << engine.status().to_string();
  EXPECT_TRUE(Engine::deserialize(cpu, default_logger(), "cpu").is_ok());
  auto reference = Engine::deserialize(plan_of(*small_engine("reference")));
  ASSERT_TRUE(reference.is_ok()) << reference.status().to_string();
  EXPECT_EQ((*reference)->backend(), "reference");
}

TEST(PlanFormat, ForgedCountsAndSizesAreRefusedBeforeAllocating) {
  const std::string bytes = plan_of(*small_engine());
  const Header h = parse_header(bytes);
  const size_t tensor_count_at = h.payload_at + 4 + 5;  // after the name "small"
  // x, w, b, gw, r (conv+relu), p, f, g, prob
  ASSERT_EQ(read_u32(bytes, tensor_count_at), 9u);
  for (uint32_t forged : {0xffffffffu, 0x10000000u, 10u}) {
    std::string damaged = bytes;
    std::memcpy(damaged.data() + tensor_count_at, &forged, 4);
    reseal(damaged);
    auto engine = Engine::deserialize(damaged);
    ASSERT_FALSE(engine.is_ok()) << forged;
    EXPECT_TRUE(contains(engine.status(), "malformed plan")) << engine.status().to_string();
  }
  // A string length past the end (the first tensor name's).
  std::string damaged = bytes;
  const uint32_t huge = 0x7fffffff;
  std::memcpy(damaged.data() + tensor_count_at + 4, &huge, 4);
  reseal(damaged);
  auto engine = Engine::deserialize(damaged);
  ASSERT_FALSE(engine.is_ok());
  EXPECT_TRUE(contains(engine.status(), "malformed plan: tensor 0 name at byte"))
      << engine.status().to_string();
}

// Crafted plans with a valid checksum that contradict themselves: each refused with a message
// naming what is wrong, never an exception or a crash.
TEST(PlanFormat, EmptyTensorNameIsRefused) {
  const std::string bytes = plan_of(*small_engine("reference"));
  const Header h = parse_header(bytes);
  const size_t name_at = h.payload_at + 4 + 5 + 4;  // the first tensor's name length: "x"
  ASSERT_EQ(read_u32(bytes, name_at), 1u);
  ASSERT_EQ(bytes[name_at + 4], 'x');
  std::string damaged = bytes;
  const uint32_t empty = 0;
  std::memcpy(damaged.data() + name_at, &empty, 4);
  damaged.erase(name_at + 4, 1);
  reseal(damaged);  // the payload size too
  auto engine = Engine::deserialize(damaged);
  ASSERT_FALSE(engine.is_ok());
  EXPECT_NE(engine.status().code(), StatusCode::kInternal) << engine.status().to_string();
  EXPECT_TRUE(contains(engine.status(), "malformed plan")) << engine.status().to_string();
}

// A plan with a valid checksum whose range is too small for a normal INT8 scale (a crafted file)
// is refused naming the tensor, not loaded to give NaN.
TEST(PlanFormat, RangesThatWouldQuantizeToNanAreRefused) {
  const float amax = 0.625f;
  const std::string bytes = plan_of(*small_engine("reference", amax));
  char pattern[8];
  const float range[2] = {-amax, amax};
  std::memcpy(pattern, range, sizeof range);
  const size_t at = bytes.find(std::string_view(pattern, sizeof pattern));
  ASSERT_NE(at, std::string::npos) << "the plan should hold x's range as two float32s";
  for (const float forged : {1e-40f, 0.0f}) {
    std::string damaged = bytes;
    const float forged_range[2] = {-forged, forged};
    std::memcpy(damaged.data() + at, forged_range, sizeof forged_range);
    reseal(damaged);
    auto engine = Engine::deserialize(damaged);
    if (forged == 0.0f) {
      EXPECT_TRUE(engine.is_ok()) << "range 0 (always zero) is valid: "
                                  << engine.status().message();
      continue;
    }
    ASSERT_FALSE(engine.is_ok());
    EXPECT_TRUE(contains(engine.status(), "tensor \"x\"")) << engine.status().to_string();
    EXPECT_TRUE(contains(engine.status(), "smallest range")) << engine.status().to_string();
  }
}

// Random damage with a valid checksum: every load either fails with a message or gives an engine
// (e.g. a changed weight value is still a plan); nothing crashes, loops or allocates wildly.
TEST(PlanFormat, RandomlyDamagedPayloadsNeverCrash) {
  const std::string bytes = plan_of(*small_engine("reference"));
  const Header h = parse_header(bytes);
  std::mt19937 rng(11);
  std::uniform_int_distribution<size_t> where(h.payload_at, bytes.size() - 1);
  std::uniform_int_distribution<int> value(0, 255), how_many(1, 3);
  int refused = 0;
  const int trials = 2000;
  for (int trial = 0; trial < trials; ++trial) {
    std::string damaged = bytes;
    for (int k = how_many(rng); k > 0; --k)
      damaged[where(rng)] = static_cast<char>(value(rng));
    reseal(damaged);
    auto engine = Engine::deserialize(damaged);
    if (!engine.is_ok()) {
      ++refused;
      EXPECT_FALSE(engine.status().message().empty()) << "trial " << trial;
    }
  }
  EXPECT_GT(refused, trials / 4) << "seed 11";
}

}  // namespace
}  // namespace int8rt
