#include "int8rt/types.h"

#include <gtest/gtest.h>

namespace int8rt {
namespace {

TEST(Dims, ParseAndPrint) {
  auto dims = Dims::parse("1x3x224x224");
  ASSERT_TRUE(dims.is_ok());
  EXPECT_EQ(*dims, (Dims{1, 3, 224, 224}));
  EXPECT_EQ(dims->volume(), 3 * 224 * 224);
  EXPECT_EQ(dims->to_string(), "1x3x224x224");
  EXPECT_EQ(Dims{}.to_string(), "()");
  EXPECT_EQ((Dims{Dims::kDynamic, 3}).to_string(), "?x3");
  EXPECT_FALSE((Dims{Dims::kDynamic, 3}).is_static());
  for (const char* bad : {"1x", "x3", "1xax3", "-1x3", "1x3x"}) {
    EXPECT_FALSE(Dims::parse(bad).is_ok()) << bad;
  }
}

TEST(Dims, CheckedVolumeRefusesOverflowAndDynamicAxes) {
  EXPECT_EQ((Dims{2, 3, 4}).checked_volume().value(), 24);
  // An empty shape has volume 0, but its non-zero extents are bounded too: a sample of it
  // (Dims{1 << 62}) must be measurable.
  EXPECT_EQ((Dims{0, int64_t{1} << 20, int64_t{1} << 20}).checked_volume().value(), 0);
  EXPECT_FALSE((Dims{0, int64_t{1} << 62}).checked_volume().is_ok());
  EXPECT_FALSE((Dims{int64_t{1} << 32, int64_t{1} << 32, 0}).checked_volume().is_ok());
  EXPECT_FALSE((Dims{int64_t{1} << 21, int64_t{1} << 20}).checked_volume().is_ok());
  EXPECT_FALSE((Dims{int64_t{1} << 62, int64_t{1} << 62}).checked_volume().is_ok());  // wraps
  EXPECT_FALSE((Dims{Dims::kDynamic, 3}).checked_volume().is_ok());
  EXPECT_TRUE((Dims{int64_t{1} << 20, int64_t{1} << 20}).checked_volume().is_ok());  // 2^40
}

TEST(Weights, CopiesAndConverts) {
  std::vector<int64_t> values = {3, -1, 7};
  Weights w = Weights::from_vector(DataType::kInt64, Dims{3}, values);
  values[0] = 100;  // the Weights own a copy
  EXPECT_EQ(w.to_int64(), (std::vector<int64_t>{3, -1, 7}));
  EXPECT_EQ(w.to_double(), (std::vector<double>{3.0, -1.0, 7.0}));
  EXPECT_EQ(w.byte_size(), 24u);
  Weights zeros = Weights::zeros(DataType::kFloat, Dims{2, 2});
  EXPECT_EQ(zeros.to_double(), (std::vector<double>(4, 0.0)));
}

}  // namespace
}  // namespace int8rt
