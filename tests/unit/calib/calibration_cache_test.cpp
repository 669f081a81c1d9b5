#include "calib/calibration_cache.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace int8rt {
using calib::kCacheVersion;

uint32_t scale_bits(float amax) {
  return calib::float_bits(amax / 127.0f);
}
float amax_from_scale_bits(uint32_t bits) {
  return calib::float_from_bits(bits) * 127.0f;
}
namespace {

// TensorRT sampleINT8's published cache (LeNet on MNIST, TensorRT 7.0).
constexpr std::string_view kNvidiaCache =
    "TRT-7000-EntropyCalibration2\n"
    "data: 3c008912\n"
    "conv1: 3c88edfc\n"
    "pool1: 3c88edfc\n"
    "conv2: 3ddc858b\n"
    "ip1: 3db6bd6e\n"
    "ip2: 3e691968\n"
    "prob: 3c010a14\n";

TEST(CalibrationCache, ReadsNvidiasPublishedTable) {
  auto cache = parse_calibration_cache(kNvidiaCache, "mnist.cache");
  ASSERT_TRUE(cache.is_ok()) << cache.status().to_string();
  EXPECT_EQ(cache->version, 7000);
  EXPECT_EQ(cache->algorithm, "EntropyCalibration2");
  ASSERT_EQ(cache->entries.size(), 7u);
  EXPECT_EQ(cache->entries[0].name, "data");
  // amax = scale · 127, with the scale's bits as printed.
  EXPECT_NEAR(cache->entries[0].amax(), 0.99634, 1e-5);
  EXPECT_NEAR(cache->entries[1].amax(), 2.1228, 1e-4);
  EXPECT_NEAR(cache->entries[3].amax(), 13.675, 1e-3);
  EXPECT_NEAR(cache->entries[6].amax(), 1.00024, 1e-5);
  EXPECT_EQ(cache->entries[1].amax(), cache->entries[2].amax());  // pool1 inherits conv1's range
}

TEST(CalibrationCache, RoundTripsByteForByte) {
  auto cache = parse_calibration_cache(kNvidiaCache, "mnist.cache");
  ASSERT_TRUE(cache.is_ok());
  EXPECT_EQ(format_calibration_cache(*cache), kNvidiaCache);
}

TEST(CalibrationCache, NamesSplitAtTheLastColon) {
  CalibrationTable cache{kCacheVersion,
                         "MinMaxCalibration",
                         {CacheEntry::from_amax("scope/conv:0", 1.5f),
                          CacheEntry::from_amax("a b (c) [d]*: e", 0.25f)}};
  std::string text = format_calibration_cache(cache);
  EXPECT_EQ(text.substr(0, text.find('\n')), "TRT-8601-MinMaxCalibration");
  auto back = parse_calibration_cache(text, "x");
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  ASSERT_EQ(back->entries.size(), 2u);
  EXPECT_EQ(back->entries[0].name, "scope/conv:0");
  EXPECT_EQ(back->entries[1].name, "a b (c) [d]*: e");
  EXPECT_EQ(back->entries[0].scale, 1.5f / 127.0f);
  EXPECT_EQ(back->entries[1].scale, 0.25f / 127.0f);
}

// Scales whose amax = scale · 127 does not divide back exactly still round-trip: the entry keeps
// the stored bits (0x3c010240 is one of them).
TEST(CalibrationCache, EveryScaleRoundTripsExactly) {
  // 0x00800000 is the smallest normal float, 0x7c000000 (2^121) one of the largest scales whose
  // amax (scale * 127) is finite.
  for (uint32_t bits : {0x3c010240u, 0x3c008912u, 0x3e691968u, 0x00800000u, 0x7c000000u}) {
    char line[64];
    std::snprintf(line, sizeof line, "TRT-8601-MinMaxCalibration\nt: %08x\n", bits);
    auto cache = parse_calibration_cache(line, "c");
    ASSERT_TRUE(cache.is_ok()) << line;
    EXPECT_EQ(format_calibration_cache(*cache), line);
  }
}

// A scale that would quantize to NaN or infinity is refused with the file, line, tensor and why:
// denormal (0x00000001, the short "3c010a" that reads as 0x003c010a), infinite, NaN, negative, or
// one whose amax overflows. 0 (a tensor that is always zero) is valid.
TEST(CalibrationCache, RejectsScalesThatAreNotNormalFloats) {
  struct Case {
    std::string_view value, reason;
  };
  for (const Case& c :
       {Case{"00000001", "denormal"}, Case{"3c010a", "denormal"}, Case{"007fffff", "denormal"},
        Case{"7f800000", "infinite"}, Case{"7fc00000", "not a number"},
        Case{"bf800000", "negative"}, Case{"7f7fffff", "infinite range"}}) {
    const std::string text =
        "TRT-8601-EntropyCalibration2\ninput: 3c010a14\nconv1: " + std::string(c.value) + "\n";
    auto cache = parse_calibration_cache(text, "model.cache");
    ASSERT_FALSE(cache.is_ok()) << c.value;
    const std::string& message = cache.status().message();
    EXPECT_NE(message.find("model.cache:3:"), std::string::npos) << message;
    EXPECT_NE(message.find("\"conv1\""), std::string::npos) << message;
    EXPECT_NE(message.find(c.reason), std::string::npos) << message;
  }
  EXPECT_TRUE(parse_calibration_cache("TRT-8601-MinMaxCalibration\nt: 00000000\n", "c").is_ok());
}

TEST(CalibrationCache, ScaleBitsAreAmaxOver127) {
  EXPECT_EQ(scale_bits(static_cast<float>(2048.5 / 2048)), 0x3c010a14u);
  EXPECT_EQ(amax_from_scale_bits(scale_bits(3.0f)), 3.0f);
}

TEST(CalibrationCache, RejectsGarbageWithTheLine) {
  for (std::string_view bad : {"", "\n\n", "hello\ndata: 3c008912\n", "TRT-x-Entropy\n",
                               "TRT-8601-\n", "\x89PNG\r\n\x1a\n"}) {
    auto cache = parse_calibration_cache(bad, "bad.cache");
    ASSERT_FALSE(cache.is_ok()) << bad;
    EXPECT_NE(cache.status().message().find("bad.cache"), std::string::npos);
  }
  auto cache =
      parse_calibration_cache("TRT-8601-MinMaxCalibration\ndata: 3c008912\nconv1 3c88edfc\n", "c");
  ASSERT_FALSE(cache.is_ok());
  EXPECT_NE(cache.status().message().find("c:3:"), std::string::npos) << cache.status().message();
  for (std::string_view bad_value : {"zz", "3c0089123", "", "7fc00000", "-1"}) {
    std::string text = "TRT-8601-MinMaxCalibration\ndata: " + std::string(bad_value) + "\n";
    EXPECT_FALSE(parse_calibration_cache(text, "c").is_ok()) << bad_value;
  }
  EXPECT_FALSE(
      parse_calibration_cache("TRT-8601-MinMaxCalibration\na: 3c008912\na: 3c008912\n", "c")
          .is_ok());
}

// TensorRT's Legacy calibrator starts its cache with its parameters: the float64 bit patterns of
// the regression cutoff (0x3ff0000000000000 = 1.0) and the quantile (0x3feffffde7210be9 =
// 0.999999), each printed with a leading 0.
constexpr std::string_view kLegacyParameters = "03ff0000000000000 03feffffde7210be9\n";

TEST(CalibrationCache, ReadsLegacyParametersBeforeTheHeader) {
  const std::string text = std::string(kLegacyParameters) + "TRT-8601-LegacyCalibration\n" +
                           "data: 3c008912\nconv1: 3c88edfc\n";
  auto cache = parse_calibration_cache(text, "legacy.cache");
  ASSERT_TRUE(cache.is_ok()) << cache.status().to_string();
  ASSERT_TRUE(cache->legacy.has_value());
  EXPECT_EQ(cache->legacy->regression_cutoff, 1.0);
  EXPECT_EQ(cache->legacy->quantile, 0.999999);
  EXPECT_EQ(cache->version, 8601);
  EXPECT_EQ(cache->algorithm, "LegacyCalibration");
  ASSERT_EQ(cache->entries.size(), 2u);
  EXPECT_EQ(cache->entries[1].name, "conv1");
  EXPECT_EQ(format_calibration_cache(*cache), text);
}

TEST(CalibrationCache, ReadsLegacyParametersFollowedByEntries) {
  const std::string text = std::string(kLegacyParameters) + "data: 3c008912\nip2: 3e691968\n";
  auto cache = parse_calibration_cache(text, "legacy.cache");
  ASSERT_TRUE(cache.is_ok()) << cache.status().to_string();
  ASSERT_TRUE(cache->legacy.has_value());
  EXPECT_EQ(cache->legacy->quantile, 0.999999);
  EXPECT_EQ(cache->algorithm, "LegacyCalibration");
  ASSERT_EQ(cache->entries.size(), 2u);
  EXPECT_NEAR(cache->entries[0].amax(), 0.99634, 1e-5);
  EXPECT_EQ(format_calibration_cache(*cache), text);  // still without a TRT- header

  // Sixteen digits (no leading 0) read the same; parameters alone are an empty Legacy cache.
  auto short_form = parse_calibration_cache("3ff0000000000000 3feffffde7210be9\n", "c");
  ASSERT_TRUE(short_form.is_ok()) << short_form.status().to_string();
  EXPECT_EQ(short_form->legacy->regression_cutoff, 1.0);
  EXPECT_TRUE(short_form->entries.empty());
}

TEST(CalibrationCache, WritesLegacyParametersOnTheirOwnLine) {
  CalibrationTable cache{kCacheVersion, "LegacyCalibration", {CacheEntry::from_amax("x", 2.0f)}};
  cache.legacy = LegacyParameters{0.5, 0.9999};
  const std::string text = format_calibration_cache(cache);
  EXPECT_EQ(text.substr(0, text.find('\n')), "03fe0000000000000 03fefff2e48e8a71e");
  auto back = parse_calibration_cache(text, "c");
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->legacy->regression_cutoff, 0.5);
  EXPECT_EQ(back->legacy->quantile, 0.9999);
  EXPECT_EQ(back->entries[0].scale, 2.0f / 127.0f);
}

TEST(CalibrationCache, RejectsHexLinesThatAreNotLegacyParameters) {
  // Not two fractions: a quantile of 2.0, a NaN, one token, three tokens, non-hex, too long.
  for (std::string_view bad :
       {"3ff0000000000000 4000000000000000\n", "3ff0000000000000 7ff8000000000000\n",
        "3ff0000000000000\n", "3ff0000000000000 3feffffde7210be9 0\n",
        "3ff0000000000000 3fefffffdeadbeeg\n", "13ff0000000000000 3feffffde7210be9\n"}) {
    auto cache = parse_calibration_cache(bad, "bad.cache");
    ASSERT_FALSE(cache.is_ok()) << bad;
    EXPECT_NE(cache.status().message().find("bad.cache:1"), std::string::npos)
        << cache.status().message();
  }
  // Parameters twice.
  EXPECT_FALSE(
      parse_calibration_cache(std::string(kLegacyParameters) + std::string(kLegacyParameters), "c")
          .is_ok());
}

TEST(RangesFile, ParsesAndRoundTrips) {
  auto ranges = parse_ranges("# amax per tensor\ninput: 1\nconv1/out:0: 2.5\n\nlogits : 12.25\n",
                             "ranges.txt");
  ASSERT_TRUE(ranges.is_ok()) << ranges.status().to_string();
  ASSERT_EQ(ranges->size(), 3u);
  EXPECT_EQ((*ranges)[1].name, "conv1/out:0");
  EXPECT_EQ((*ranges)[1].amax, 2.5f);
  EXPECT_EQ((*ranges)[2].name, "logits");
  auto back = parse_ranges(format_ranges(*ranges), "again");
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ((*back)[2].amax, 12.25f);
}

TEST(RangesFile, BadLinesNameTheLine) {
  struct Case {
    std::string_view text;
    std::string_view where;
  };
  for (const Case& c :
       {Case{"a: 1\nb 2\n", "r:2:"}, Case{"a: 1\nb: x\n", "r:2:"}, Case{"a: nan\n", "r:1:"},
        Case{"a: -1\n", "r:1:"}, Case{"a: 1\na: 2\n", "r:2:"}, Case{": 3\n", "r:1:"},
        Case{"a: 1\nb: 1e-40\n", "r:2: tensor \"b\": range 1e-40 is below"},
        Case{"a: 1e-37\n", "r:1:"}, Case{"a: 1e39\n", "r:1:"}}) {
    auto ranges = parse_ranges(c.text, "r");
    ASSERT_FALSE(ranges.is_ok()) << c.text;
    EXPECT_NE(ranges.status().message().find(c.where), std::string::npos)
        << ranges.status().message();
  }
}

TEST(RangesFile, SetsRangesOnTheNetworkOrNamesTheUnknownTensor) {
  Network net;
  ASSERT_TRUE(net.add_input("x", DataType::kFloat, Dims{1}).is_ok());
  EXPECT_TRUE(set_dynamic_ranges(net, {{"x", 2.5f}}).is_ok());
  EXPECT_EQ(net.find_tensor("x")->dynamic_range_min(), -2.5f);
  EXPECT_EQ(net.find_tensor("x")->dynamic_range_max(), 2.5f);
  net.find_tensor("x")->reset_dynamic_range();
  auto status = set_dynamic_ranges(net, {{"x", 1.0f}, {"nope", 1.0f}});
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("\"nope\""), std::string::npos);
  EXPECT_FALSE(net.find_tensor("x")->dynamic_range_is_set());  // all or nothing
}

}  // namespace
}  // namespace int8rt
