// Builder::platform_has_fast_int8, the backend registry and what it says about each backend.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "int8rt/builder.h"

namespace int8rt {
namespace {

// The CPU's own flags (Linux /proc/cpuinfo), read independently of oneDNN.
bool cpu_has_flag(const std::string& flag) {
  std::ifstream info("/proc/cpuinfo");
  std::string line;
  while (std::getline(info, line)) {
    if (line.rfind("flags", 0) == 0)
      return (line + " ").find(" " + flag + " ") != std::string::npos;
  }
  return false;
}

TEST(Platform, FastInt8FollowsTheCpu) {
  std::ifstream info("/proc/cpuinfo");
  if (!info) GTEST_SKIP() << "no /proc/cpuinfo to compare with";
  Builder builder;
  const char* cap = std::getenv("ONEDNN_MAX_CPU_ISA");
  if (cap != nullptr && std::string(cap) == "AVX2" && cpu_has_flag("avx2")) {
    // oneDNN capped at AVX2 (no VNNI): the slower INT8 path.
    EXPECT_EQ(builder.platform_int8_speed(), Int8Speed::kSlower) << get_backend_info("cpu")->device;
    EXPECT_FALSE(builder.platform_has_fast_int8());
    return;
  }
  if (cap != nullptr) GTEST_SKIP() << "ONEDNN_MAX_CPU_ISA=" << cap << " caps the ISA";
  const bool vnni =
      cpu_has_flag("avx512_vnni") || cpu_has_flag("avx_vnni") || cpu_has_flag("amx_int8");
  const bool avx2 = cpu_has_flag("avx2");
  EXPECT_EQ(builder.platform_has_fast_int8(), vnni);
  const Int8Speed expected = vnni ? Int8Speed::kFast : avx2 ? Int8Speed::kSlower : Int8Speed::kNone;
  EXPECT_EQ(builder.platform_int8_speed(), expected)
      << "oneDNN ISA " << get_backend_info("cpu")->device << ", vnni " << vnni << ", avx2 " << avx2;
  EXPECT_EQ(to_string(Int8Speed::kFast), "fast");
  EXPECT_EQ(to_string(Int8Speed::kSlower), "slower");
  EXPECT_EQ(to_string(Int8Speed::kNone), "none");
}

TEST(Platform, InfoNamesTheInt8Path) {
  auto cpu = get_backend_info("cpu");
  ASSERT_TRUE(cpu.is_ok()) << cpu.status().to_string();
  EXPECT_TRUE(cpu->available);
  EXPECT_EQ(cpu->location, TensorLocation::kHost);
  EXPECT_FALSE(cpu->fast_fp16);
  EXPECT_EQ(cpu->device.rfind("oneDNN ", 0), 0u) << cpu->device;
  const std::string isa = cpu->device.substr(std::string("oneDNN ").size());
  EXPECT_NE(cpu->int8_path.find(isa), std::string::npos) << cpu->int8_path;
  const char* word = cpu->int8 == Int8Speed::kFast     ? "fast"
                     : cpu->int8 == Int8Speed::kSlower ? "slower"
                                                       : "no fast INT8";
  EXPECT_NE(cpu->int8_path.find(word), std::string::npos) << cpu->int8_path;
  auto reference = get_backend_info("reference");
  ASSERT_TRUE(reference.is_ok());
  EXPECT_NE(reference->int8_path.find("reference"), std::string::npos);
  EXPECT_EQ(reference->int8, Int8Speed::kNone);
  EXPECT_FALSE(get_backend_info("tpu").is_ok());
  Builder builder;
  EXPECT_EQ(builder.platform_int8_speed("tpu"), Int8Speed::kNone);
  EXPECT_FALSE(builder.platform_has_fast_fp16("cpu"));
}

TEST(Platform, RegistryListsTheHostBackends) {
  const std::vector<std::string> names = backend_names();
  ASSERT_GE(names.size(), 2u);
  EXPECT_EQ(names[0], "cpu") << "the default backend comes first";
  EXPECT_EQ(names[1], "reference");
}

}  // namespace
}  // namespace int8rt
