// Builder::platform_has_fast_int8 and the build-log line about the INT8 path.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "builder/platform.h"
#include "int8rt/builder.h"
#include "testing/capturing_logger.h"

namespace int8rt {
namespace {

using testing::CapturingLogger;

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
    EXPECT_EQ(builder.platform_int8_speed(), Int8Speed::kSlower) << detail::int8_platform().isa;
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
      << "oneDNN ISA " << detail::int8_platform().isa << ", vnni " << vnni << ", avx2 " << avx2;
  EXPECT_EQ(to_string(Int8Speed::kFast), "fast");
  EXPECT_EQ(to_string(Int8Speed::kSlower), "slower");
  EXPECT_EQ(to_string(Int8Speed::kNone), "none");
}

TEST(Platform, OneInfoLineNamesThePath) {
  CapturingLogger logger;
  detail::log_int8_platform(logger, Backend::kCpu);
  const auto lines = logger.messages();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].first, Logger::Severity::kInfo);
  const std::string& line = lines[0].second;
  EXPECT_NE(line.find(detail::int8_platform().isa), std::string::npos) << line;
  EXPECT_NE(line.find(std::string(to_string(detail::int8_platform().speed)) == "fast" ? "fast"
                      : detail::int8_platform().speed == Int8Speed::kSlower           ? "slower"
                                                                            : "no fast INT8"),
            std::string::npos)
      << line;
  CapturingLogger reference;
  detail::log_int8_platform(reference, Backend::kReference);
  const auto reference_lines = reference.messages();
  ASSERT_EQ(reference_lines.size(), 1u);
  EXPECT_NE(reference_lines[0].second.find("reference"), std::string::npos);
}

}  // namespace
}  // namespace int8rt
