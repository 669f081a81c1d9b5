#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <map>

#include "int8rt/data.h"
#include "testing/testing.h"
#include "unit/data/data_test_util.h"

namespace int8rt {
namespace {

using testing::TempDir;

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

// An unsigned-byte IDX file: 0, 0, 0x08, rank, big-endian extents, data.
std::string idx_bytes(const std::vector<uint32_t>& dims, const std::string& data) {
  std::string out = {'\0', '\0', '\x08', static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    out += be32(d);
  return out + data;
}

std::string write_gzip(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
  return path;
}

// 3 images of 2x4 with pixel (n, y, x) = 40 * n + 4 * y + x + 1, labels 7, 0, 9.
std::string pixels() {
  std::string data;
  for (int n = 0; n < 3; ++n) {
    for (int i = 0; i < 8; ++i)
      data += static_cast<char>(40 * n + i + 1);
  }
  return data;
}

void expect_small_set(const Dataset& set) {
  ASSERT_EQ(set.size(), 3);
  EXPECT_EQ(set.sample_dims, (Dims{1, 2, 4}));
  for (int n = 0; n < 3; ++n) {
    for (int i = 0; i < 8; ++i) {
      EXPECT_EQ(set.sample(n)[i], static_cast<float>(40 * n + i + 1) / 255.0f)
          << "image " << n << " pixel " << i;
    }
  }
  EXPECT_EQ(set.labels, (std::vector<int64_t>{7, 0, 9}));
}

TEST(Idx, LoadsPlainAndGzipFiles) {
  TempDir dir;
  const std::string images = idx_bytes({3, 2, 4}, pixels());
  const std::string labels = idx_bytes({3}, std::string("\x07\x00\x09", 3));
  {
    SCOPED_TRACE("plain");
    auto set = load_idx(dir.write("images", images), dir.write("labels", labels));
    ASSERT_TRUE(set.is_ok()) << set.status().to_string();
    expect_small_set(*set);
  }
  {
    SCOPED_TRACE("gzip");
    auto set = load_idx(write_gzip(dir.file("images.gz"), images),
                        write_gzip(dir.file("labels.gz"), labels));
    ASSERT_TRUE(set.is_ok()) << set.status().to_string();
    expect_small_set(*set);
  }
  auto unlabelled = load_idx(dir.file("images.gz"));
  ASSERT_TRUE(unlabelled.is_ok()) << unlabelled.status().to_string();
  EXPECT_EQ(unlabelled->size(), 3);
  EXPECT_TRUE(unlabelled->labels.empty());
}

TEST(Idx, RejectsBadFilesNamingThem) {
  TempDir dir;
  const std::string images = idx_bytes({3, 2, 4}, pixels());
  const std::string good_images = dir.write("good-images", images);
  const std::string good_labels = dir.write("good-labels", idx_bytes({3}, "abc"));
  struct Case {
    std::string name;
    std::string images_bytes;  // empty: use good_images
    std::string labels_bytes;  // empty: use good_labels
    StatusCode code;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"bad magic", "\x12\x34\x08\x03" + images.substr(4), "", StatusCode::kParseError,
       "not an IDX file"},
      {"float images", std::string("\0\0\x0d\x03", 4) + images.substr(4), "",
       StatusCode::kUnsupported, "float"},
      {"labels as images", "", std::string(images), StatusCode::kInvalidArgument,
       "must have 1 dims"},
      {"images as labels", idx_bytes({3}, "abc"), "", StatusCode::kInvalidArgument,
       "must have 3 dims"},
      {"truncated data", images.substr(0, images.size() - 5), "", StatusCode::kParseError,
       "needs 24 bytes of data, the file has 19"},
      {"truncated header", images.substr(0, 9), "", StatusCode::kParseError, "truncated"},
      {"tiny", std::string("\0\0", 2), "", StatusCode::kParseError, "truncated"},
      {"extra bytes", images + "zz", "", StatusCode::kParseError, "2 bytes after the data"},
      {"count mismatch", "", idx_bytes({4}, "abcd"), StatusCode::kInvalidArgument,
       "4 labels for the 3 images"},
      // 2^20 · 2^20 · 2^24 wraps a 64-bit product to 0, which would match an empty file.
      {"wrapping shape", idx_bytes({1u << 20, 1u << 20, 1u << 24}, ""), "", StatusCode::kParseError,
       "implausibly large"},
  };
  for (const Case& c : cases) {
    const std::string images_path =
        c.images_bytes.empty() ? good_images : dir.write("images-" + c.name, c.images_bytes);
    const std::string labels_path =
        c.labels_bytes.empty() ? good_labels : dir.write("labels-" + c.name, c.labels_bytes);
    auto set = load_idx(images_path, labels_path);
    ASSERT_FALSE(set.is_ok()) << c.name;
    EXPECT_EQ(set.status().code(), c.code) << c.name << ": " << set.status().to_string();
    EXPECT_NE(set.status().message().find(c.message_part), std::string::npos)
        << c.name << ": " << set.status().message();
    const std::string& named = c.images_bytes.empty() ? labels_path : images_path;
    EXPECT_NE(set.status().message().find(named), std::string::npos)
        << c.name << ": the message should name " << named << ": " << set.status().message();
  }
}

TEST(Idx, RejectsCutShortGzipStreams) {
  TempDir dir;
  std::string images;
  for (int i = 0; i < 100 * 28 * 28; ++i)
    images += static_cast<char>(i * 37 % 251);
  const std::string full = write_gzip(dir.file("full.gz"), idx_bytes({100, 28, 28}, images));
  std::string gz;
  {
    std::FILE* f = std::fopen(full.c_str(), "rb");
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0)
      gz.append(buffer, n);
    std::fclose(f);
  }
  ASSERT_GT(gz.size(), 100u);
  auto cut = load_idx(dir.write("cut.gz", gz.substr(0, gz.size() / 2)));
  ASSERT_FALSE(cut.is_ok());
  EXPECT_EQ(cut.status().code(), StatusCode::kParseError) << cut.status().to_string();
  EXPECT_NE(cut.status().message().find("cut.gz"), std::string::npos);

  std::string corrupt = gz;
  for (size_t i = 20; i < 60; ++i)
    corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5A);
  auto bad = load_idx(dir.write("corrupt.gz", corrupt));
  ASSERT_FALSE(bad.is_ok());
  EXPECT_TRUE(bad.status().is_user_error()) << bad.status().to_string();
  EXPECT_NE(bad.status().message().find("corrupt.gz"), std::string::npos);
}

TEST(Idx, MissingFileAndDirectory) {
  TempDir dir;
  auto missing = load_idx(dir.file("absent-images.gz"));
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("absent-images.gz"), std::string::npos);
  auto directory = load_idx(dir.path());
  ASSERT_FALSE(directory.is_ok());
  EXPECT_TRUE(directory.status().is_user_error()) << directory.status().to_string();
}

TEST(Idx, LoadsTheFashionMnistTestSet) {
  const std::string root = "/usr/share/datasets/fashion-mnist/";
  if (!std::filesystem::exists(root + "t10k-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << root << " not installed (apt-get install dataset-fashion-mnist)";
  }
  auto set = load_idx(root + "t10k-images-idx3-ubyte.gz", root + "t10k-labels-idx1-ubyte.gz");
  ASSERT_TRUE(set.is_ok()) << set.status().to_string();
  EXPECT_EQ(set->size(), 10000);
  EXPECT_EQ(set->sample_dims, (Dims{1, 28, 28}));
  // The Fashion-MNIST test set has 1,000 images of each of its 10 classes.
  std::map<int64_t, int> per_class;
  for (int64_t label : set->labels)
    ++per_class[label];
  ASSERT_EQ(per_class.size(), 10u);
  for (auto [label, count] : per_class) {
    EXPECT_GE(label, 0);
    EXPECT_LE(label, 9);
    EXPECT_EQ(count, 1000) << "class " << label;
  }
  float lo = 1, hi = 0;
  for (float v : set->data) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 1.0f);
}

}  // namespace
}  // namespace int8rt
