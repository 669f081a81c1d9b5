// TensorRT batch files: written here byte by byte, read through batches:PREFIX.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "int8rt/data.h"
#include "unit/data/data_test_util.h"

namespace int8rt {
namespace {

using testing::TempDir;

// int32 N, C, H, W; float32 values; float32 labels (host byte order).
std::string batch_bytes(std::vector<int32_t> header, const std::vector<float>& values,
                        const std::vector<float>& labels = {}) {
  std::string out(reinterpret_cast<const char*>(header.data()), header.size() * 4);
  out.append(reinterpret_cast<const char*>(values.data()), values.size() * 4);
  out.append(reinterpret_cast<const char*>(labels.data()), labels.size() * 4);
  return out;
}

// Sample n (global) of shape 1x2x3 holds 1000 * n + i.
std::vector<float> samples(int first, int count) {
  std::vector<float> values;
  for (int n = first; n < first + count; ++n)
    for (int i = 0; i < 6; ++i)
      values.push_back(static_cast<float>(1000 * n + i));
  return values;
}

// TensorRT's sampleSSD names its batch files batch_calibration0.batch, batch_calibration1.batch...
TEST(BatchFiles, ASuffixFollowsTheNumber) {
  TempDir dir;
  dir.write("batch_calibration0.batch", batch_bytes({2, 1, 2, 3}, samples(0, 2)));
  dir.write("batch_calibration1.batch", batch_bytes({1, 1, 2, 3}, samples(2, 1)));
  dir.write("batch_calibration2", batch_bytes({4, 1, 2, 3}, samples(3, 4)));  // no suffix: not read
  const std::string prefix = dir.file("batch_calibration");
  auto source = open_data_source("batches:" + prefix + ",suffix=.batch");
  ASSERT_TRUE(source.is_ok()) << source.status().to_string();
  EXPECT_EQ((*source)->size(), 3);
  std::vector<float> sample(6);
  ASSERT_TRUE((*source)->read(2, sample.data()).is_ok());
  EXPECT_EQ(sample, samples(2, 1));
  // Without the suffix the files are not found, and the error says how to reach them.
  auto plain = open_data_source("batches:" + prefix + "x");
  ASSERT_FALSE(plain.is_ok());
  EXPECT_NE(plain.status().message().find("suffix=.batch reads PREFIX0.batch"), std::string::npos)
      << plain.status().message();
}

TEST(BatchFiles, ReadsEveryFileUntilTheFirstMissing) {
  TempDir dir;
  const std::string prefix = dir.file("calib/batch");
  std::filesystem::create_directories(dir.file("calib"));
  dir.write("calib/batch0", batch_bytes({2, 1, 2, 3}, samples(0, 2), {5, 6}));
  dir.write("calib/batch1", batch_bytes({3, 1, 2, 3}, samples(2, 3), {7, 8, 9}));
  dir.write("calib/batch3", batch_bytes({1, 9, 9, 9}, {}));  // after the gap: never read

  auto source = open_data_source("batches:" + prefix);
  ASSERT_TRUE(source.is_ok()) << source.status().to_string();
  EXPECT_EQ((*source)->name(), "batches:" + prefix);
  EXPECT_EQ((*source)->size(), 5);
  EXPECT_EQ((*source)->sample_dims(), (Dims{1, 2, 3}));
  ASSERT_TRUE((*source)->has_labels());
  std::vector<float> sample(6);
  for (int n = 0; n < 5; ++n) {
    ASSERT_TRUE((*source)->read(n, sample.data()).is_ok()) << n;
    EXPECT_EQ(sample, samples(n, 1)) << "sample " << n;
    EXPECT_EQ((*source)->label(n), 5 + n) << "sample " << n;
  }
  // Random access, backwards across files.
  ASSERT_TRUE((*source)->read(1, sample.data()).is_ok());
  EXPECT_EQ(sample, samples(1, 1));

  // Samples are read from the file when asked for: rewriting batch1 in place shows through.
  std::vector<float> changed = samples(2, 3);
  changed[6] = -1.5f;
  dir.write("calib/batch1", batch_bytes({3, 1, 2, 3}, changed, {7, 8, 9}));
  ASSERT_TRUE((*source)->read(3, sample.data()).is_ok());
  EXPECT_EQ(sample[0], -1.5f);
  // A file cut short after opening is an error naming it.
  dir.write("calib/batch1", batch_bytes({3, 1, 2, 3}, samples(2, 1)));
  Status cut = (*source)->read(4, sample.data());
  ASSERT_FALSE(cut.is_ok());
  EXPECT_NE(cut.message().find(prefix + "1"), std::string::npos) << cut.message();

  // Without labels.
  dir.write("plain0", batch_bytes({2, 3, 1, 1}, {1, 2, 3, 4, 5, 6}));
  auto plain = open_batch_files(dir.file("plain"));
  ASSERT_TRUE(plain.is_ok()) << plain.status().to_string();
  EXPECT_FALSE((*plain)->has_labels());
  EXPECT_EQ((*plain)->label(0), -1);
  EXPECT_EQ((*plain)->sample_dims(), (Dims{3, 1, 1}));
  ASSERT_TRUE((*plain)->read(1, sample.data()).is_ok());
  EXPECT_EQ(std::vector<float>(sample.begin(), sample.begin() + 3), (std::vector<float>{4, 5, 6}));
}

TEST(BatchFiles, ErrorsNameTheFile) {
  TempDir dir;
  struct Case {
    std::string name;
    std::vector<std::string> files;  // contents of NAME0, NAME1, ...
    std::string bad_file;            // the file the message must name
    std::string message_part;
  };
  const std::string good = batch_bytes({2, 1, 2, 3}, samples(0, 2));
  const std::string labelled = batch_bytes({2, 1, 2, 3}, samples(0, 2), {1, 2});
  const std::vector<Case> cases = {
      {"header", {good, std::string(good, 0, 10)}, "header1", "truncated batch file (10 bytes"},
      {"data", {good.substr(0, good.size() - 4)}, "data0", "truncated batch file: header 2x1x2x3"},
      {"extra", {good + "xy"}, "extra0", "needs 64 (no labels) or 72 (with 2 labels)"},
      {"shape", {good, batch_bytes({1, 1, 3, 2}, samples(0, 1))}, "shape1", "1x3x2"},
      {"labels", {good, labelled}, "labels1", "has labels"},
      {"nolabels", {labelled, good}, "nolabels1", "has no labels"},
      {"fraction",
       {batch_bytes({2, 1, 2, 3}, samples(0, 2), {1, 2.5f})},
       "fraction0",
       "label 1 is 2.5"},
      {"negative", {batch_bytes({-1, 1, 2, 3}, {})}, "negative0", "not a valid shape"},
      {"zero", {batch_bytes({1, 0, 2, 3}, {})}, "zero0", "not a valid shape"},
      // 65536^4 values overflow a 64-bit product; even an empty batch of 65536^3 is refused.
      {"huge", {batch_bytes({65536, 65536, 65536, 65536}, {})}, "huge0", "implausibly large"},
      {"huge_empty",
       {batch_bytes({0, 65536, 65536, 65536}, {})},
       "huge_empty0",
       "implausibly large"},
  };
  for (const Case& c : cases) {
    for (size_t i = 0; i < c.files.size(); ++i)
      dir.write(c.name + std::to_string(i), c.files[i]);
    auto source = open_data_source("batches:" + dir.file(c.name));
    ASSERT_FALSE(source.is_ok()) << c.name;
    EXPECT_TRUE(source.status().is_user_error()) << source.status().to_string();
    EXPECT_NE(source.status().message().find(dir.file(c.bad_file)), std::string::npos)
        << c.name << ": " << source.status().message();
    EXPECT_NE(source.status().message().find(c.message_part), std::string::npos)
        << c.name << ": " << source.status().message();
  }
  auto missing = open_data_source("batches:" + dir.file("none"));
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(dir.file("none0")), std::string::npos);
}

TEST(BatchFiles, WriterProducesTheDocumentedBytes) {
  TempDir dir;
  Batch batch;
  batch.dims = Dims{4, 2, 3};  // batch of 4, samples 2x3 (written as C,H,W = 1,2,3)
  batch.count = 3;             // the fourth slot is padding and is not written
  batch.data = samples(0, 4);
  batch.labels = {9, 0, 4};
  const std::string path = dir.file("b0");
  ASSERT_TRUE(write_batch_file(path, batch).is_ok());
  const std::string expected = batch_bytes({3, 1, 2, 3}, samples(0, 3), {9, 0, 4});
  std::string bytes(std::filesystem::file_size(path), '\0');
  std::FILE* f = std::fopen(path.c_str(), "rb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fread(bytes.data(), 1, bytes.size(), f), bytes.size());
  std::fclose(f);
  EXPECT_EQ(bytes, expected);

  // Rank-1 samples get leading 1s; rank above 3 is refused; labels must match the count.
  Batch flat{0, 2, Dims{2, 5}, std::vector<float>(10, 1.0f), {}};
  ASSERT_TRUE(write_batch_file(dir.file("flat0"), flat).is_ok());
  auto flat_source = open_batch_files(dir.file("flat"));
  ASSERT_TRUE(flat_source.is_ok()) << flat_source.status().to_string();
  EXPECT_EQ((*flat_source)->sample_dims(), (Dims{1, 1, 5}));
  Batch deep{0, 1, Dims{1, 1, 1, 1, 1}, {1.0f}, {}};
  Status refused = write_batch_file(dir.file("deep0"), deep);
  EXPECT_FALSE(refused.is_ok());
  EXPECT_NE(refused.message().find(dir.file("deep0")), std::string::npos) << refused.message();
  Batch bad_labels{0, 2, Dims{2, 5}, std::vector<float>(10), {1}};
  EXPECT_FALSE(write_batch_file(dir.file("x0"), bad_labels).is_ok());
}

TEST(BatchFiles, ConvertADataSetAndReadItBack) {
  TempDir dir;
  Dataset dataset;
  dataset.name = "seven";
  dataset.sample_dims = Dims{1, 2, 3};
  dataset.data = samples(0, 7);
  dataset.labels = {0, 1, 2, 3, 4, 5, 6};
  DatasetSource source(dataset);
  // Full batches of 3 only: files 0 and 1, the seventh sample is left out.
  auto written = write_batch_files(source, dir.file("b"), 3);
  ASSERT_TRUE(written.is_ok()) << written.status().to_string();
  EXPECT_EQ(*written, 2);
  EXPECT_TRUE(std::filesystem::exists(dir.file("b1")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("b2")));
  auto back = open_data_source("batches:" + dir.file("b") + ",limit=5");
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ((*back)->size(), 5);
  std::vector<float> sample(6);
  for (int n = 0; n < 5; ++n) {
    ASSERT_TRUE((*back)->read(n, sample.data()).is_ok());
    EXPECT_EQ(sample, samples(n, 1)) << n;
    EXPECT_EQ((*back)->label(n), n);
  }
  auto capped = write_batch_files(source, dir.file("c"), 2, 1);
  ASSERT_TRUE(capped.is_ok());
  EXPECT_EQ(*capped, 1);
  EXPECT_FALSE(write_batch_files(source, dir.file("d"), 8).is_ok());  // not one full batch
}

}  // namespace
}  // namespace int8rt
