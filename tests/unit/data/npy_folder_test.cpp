// npy:DIR: a folder of .npy files read sample by sample.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "int8rt/data.h"
#include "unit/data/data_test_util.h"

namespace int8rt {
namespace {

using testing::expect_spec_rejected;
using testing::TempDir;

// n samples of shape 2x3 starting at global sample `first`: sample k holds 10 * k + i.
std::vector<float> values(int first, int n) {
  std::vector<float> out;
  for (int k = first; k < first + n; ++k)
    for (int i = 0; i < 6; ++i)
      out.push_back(static_cast<float>(10 * k + i));
  return out;
}

TEST(NpyFolder, ConcatenatesFilesInNameOrder) {
  TempDir dir;
  const std::string folder = dir.file("arrays");
  std::filesystem::create_directories(folder + "/nested");
  // Written out of order; read as a (2 samples), b (1), c (3).
  ASSERT_TRUE(
      write_npy(folder + "/c.npy", DataType::kFloat, Dims{3, 2, 3}, values(3, 3).data()).is_ok());
  ASSERT_TRUE(
      write_npy(folder + "/a.npy", DataType::kFloat, Dims{2, 2, 3}, values(0, 2).data()).is_ok());
  std::vector<uint8_t> bytes;
  for (float v : values(2, 1))
    bytes.push_back(static_cast<uint8_t>(v));
  ASSERT_TRUE(write_npy(folder + "/b.npy", DataType::kUInt8, Dims{1, 2, 3}, bytes.data()).is_ok());
  dir.write("arrays/readme.txt", "ignored");
  ASSERT_TRUE(write_npy(folder + "/nested/z.npy", DataType::kFloat, Dims{1, 9}, values(0, 2).data())
                  .is_ok());
  const std::vector<int64_t> labels = {5, 4, 3, 2, 1, 0};
  ASSERT_TRUE(write_npy(dir.file("labels.npy"), DataType::kInt64, Dims{6}, labels.data()).is_ok());

  auto source = open_data_source("npy:" + folder + ",labels=" + dir.file("labels.npy"));
  ASSERT_TRUE(source.is_ok()) << source.status().to_string();
  EXPECT_EQ((*source)->size(), 6);
  EXPECT_EQ((*source)->sample_dims(), (Dims{2, 3}));
  std::vector<float> sample(6);
  for (int k : {0, 5, 2, 1, 3, 4}) {
    ASSERT_TRUE((*source)->read(k, sample.data()).is_ok()) << k;
    std::vector<float> expected = values(k, 1);
    if (k == 2) {  // uint8 is divided by 255
      for (float& v : expected)
        v = v / 255.0f;
    }
    EXPECT_EQ(sample, expected) << "sample " << k;
    EXPECT_EQ((*source)->label(k), 5 - k);
  }
  EXPECT_FALSE((*source)->read(6, sample.data()).is_ok());
}

TEST(NpyFolder, OneSamplePerFile) {
  TempDir dir;
  for (int k = 0; k < 3; ++k) {
    ASSERT_TRUE(write_npy(dir.file("s" + std::to_string(k) + ".npy"), DataType::kFloat, Dims{2, 3},
                          values(k, 1).data())
                    .is_ok());
  }
  auto source = open_data_source("npy:" + dir.path() + ",per_file=sample");
  ASSERT_TRUE(source.is_ok()) << source.status().to_string();
  EXPECT_EQ((*source)->size(), 3);
  EXPECT_EQ((*source)->sample_dims(), (Dims{2, 3}));
  std::vector<float> sample(6);
  ASSERT_TRUE((*source)->read(2, sample.data()).is_ok());
  EXPECT_EQ(sample, values(2, 1));
  // The default reads axis 0 as samples: three files of two 3-value samples.
  auto batches = open_data_source("npy:" + dir.path());
  ASSERT_TRUE(batches.is_ok());
  EXPECT_EQ((*batches)->size(), 6);
  EXPECT_EQ((*batches)->sample_dims(), (Dims{3}));
  // per_file=sample on one file: the whole array is one sample.
  auto single = open_data_source("npy:" + dir.file("s1.npy") + ",per_file=sample");
  ASSERT_TRUE(single.is_ok()) << single.status().to_string();
  EXPECT_EQ((*single)->size(), 1);
  EXPECT_EQ((*single)->sample_dims(), (Dims{2, 3}));
}

TEST(NpyFolder, ErrorsNameTheOddFile) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("shape"));
  ASSERT_TRUE(
      write_npy(dir.file("shape/0.npy"), DataType::kFloat, Dims{1, 2, 3}, values(0, 1).data())
          .is_ok());
  ASSERT_TRUE(
      write_npy(dir.file("shape/1.npy"), DataType::kFloat, Dims{2, 3, 2}, values(0, 2).data())
          .is_ok());
  std::filesystem::create_directories(dir.file("dtype"));
  const std::vector<int32_t> ints(6);
  ASSERT_TRUE(
      write_npy(dir.file("dtype/0.npy"), DataType::kInt32, Dims{1, 6}, ints.data()).is_ok());
  std::filesystem::create_directories(dir.file("cut"));
  ASSERT_TRUE(write_npy(dir.file("cut/0.npy"), DataType::kFloat, Dims{1, 2, 3}, values(0, 1).data())
                  .is_ok());
  std::filesystem::resize_file(dir.file("cut/0.npy"),
                               std::filesystem::file_size(dir.file("cut/0.npy")) - 4);
  std::filesystem::create_directories(dir.file("empty"));
  dir.write("empty/x.txt", "");
  std::filesystem::create_directories(dir.file("junk"));
  dir.write("junk/0.npy", "not numpy at all");

  struct Case {
    std::string spec;
    std::string file;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"npy:" + dir.file("shape"), dir.file("shape/1.npy"), "samples of shape 3x2"},
      {"npy:" + dir.file("dtype"), dir.file("dtype/0.npy"), "float32 or uint8"},
      {"npy:" + dir.file("cut"), dir.file("cut/0.npy"), "truncated .npy"},
      {"npy:" + dir.file("empty"), dir.file("empty"), "no .npy files"},
      {"npy:" + dir.file("junk"), dir.file("junk/0.npy"), "not a .npy file"},
      {"npy:" + dir.file("shape") + ",per_file=both", "per_file=both", "batch|sample"},
  };
  for (const Case& c : cases) {
    ASSERT_NO_FATAL_FAILURE(expect_spec_rejected(c.spec, c.file, c.message_part));
  }
}

}  // namespace
}  // namespace int8rt
