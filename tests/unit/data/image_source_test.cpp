// Image files as samples: expected values are computed here by hand or by naive loops.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "data/image_codec.h"
#include "int8rt/data.h"
#include "unit/data/data_test_util.h"
#include "unit/data/png_writer.h"

namespace int8rt {
namespace {

using testing::make_png8;
using testing::TempDir;

std::string write_png(const TempDir& dir, const std::string& name, uint32_t width, uint32_t height,
                      int channels, const std::vector<uint8_t>& pixels) {
  return dir.write(name, make_png8(width, height, channels, pixels));
}

// The one sample of `spec`, which must name exactly one image.
std::vector<float> only_sample(const std::string& spec, Dims expected_dims) {
  auto source = open_data_source(spec);
  EXPECT_TRUE(source.is_ok()) << spec << ": " << source.status().to_string();
  if (!source.is_ok()) return {};
  EXPECT_EQ((*source)->size(), 1) << spec;
  EXPECT_EQ((*source)->sample_dims(), expected_dims) << spec;
  std::vector<float> sample(static_cast<size_t>((*source)->sample_dims().volume()));
  Status read = (*source)->read(0, sample.data());
  EXPECT_TRUE(read.is_ok()) << spec << ": " << read.to_string();
  return sample;
}

void expect_near_all(const std::vector<float>& actual, const std::vector<float>& expected,
                     float tolerance, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], tolerance) << what << " at " << i;
}

// Naive 2-d triangle-filter resize of one plane (ImageOptions step 3), weights computed for every
// input pixel: w(o, i) = max(0, 1 - |i + 0.5 - (o + 0.5)·in/out| / support).
std::vector<float> naive_resize(const std::vector<float>& plane, int in_h, int in_w, int out_h,
                                int out_w, bool antialias) {
  auto weight = [&](int o, int i, int in, int out) {
    const double scale = static_cast<double>(in) / out;
    const double support = antialias && scale > 1 ? scale : 1.0;
    return std::max(0.0, 1.0 - std::abs(i + 0.5 - (o + 0.5) * scale) / support);
  };
  std::vector<float> out;
  for (int oy = 0; oy < out_h; ++oy) {
    for (int ox = 0; ox < out_w; ++ox) {
      double sum = 0, total = 0;
      for (int iy = 0; iy < in_h; ++iy) {
        for (int ix = 0; ix < in_w; ++ix) {
          const double w = weight(oy, iy, in_h, out_h) * weight(ox, ix, in_w, out_w);
          sum += w * plane[static_cast<size_t>(iy * in_w + ix)];
          total += w;
        }
      }
      out.push_back(static_cast<float>(sum / total));
    }
  }
  return out;
}

TEST(ImageSource, DefaultsAreRgbChwOver255) {
  TempDir dir;
  std::vector<uint8_t> pixels;  // 2 rows x 3 columns x RGB
  for (int i = 0; i < 18; ++i)
    pixels.push_back(static_cast<uint8_t>(13 * i + 1));
  const std::string path = write_png(dir, "a.png", 3, 2, 3, pixels);
  auto pixel = [&](int y, int x, int c) {
    return pixels[static_cast<size_t>((y * 3 + x) * 3 + c)];
  };

  std::vector<float> expected;
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 3; ++x)
        expected.push_back(static_cast<float>(pixel(y, x, c)) / 255.0f);
  EXPECT_EQ(only_sample("images:" + path, Dims{3, 2, 3}), expected);

  // BGR, HWC.
  expected.clear();
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x)
      for (int c = 2; c >= 0; --c)
        expected.push_back(static_cast<float>(pixel(y, x, c)) / 255.0f);
  EXPECT_EQ(only_sample("images:" + path + ",channels=bgr,layout=nhwc", Dims{2, 3, 3}), expected);

  // Gray: ITU-R 601 luma, rounded (values chosen away from .5).
  expected.clear();
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 3; ++x) {
      const double luma = 0.299 * pixel(y, x, 0) + 0.587 * pixel(y, x, 1) + 0.114 * pixel(y, x, 2);
      ASSERT_GT(std::abs(luma - std::floor(luma) - 0.5), 0.01) << "pick other test pixels";
      expected.push_back(static_cast<float>(std::round(luma)) / 255.0f);
    }
  }
  EXPECT_EQ(only_sample("images:" + path + ",channels=gray,scale=1/255", Dims{1, 2, 3}), expected);

  // A gray image becomes three equal channels.
  const std::string gray = write_png(dir, "g.png", 2, 1, 1, {40, 200});
  EXPECT_EQ(only_sample("images:" + gray + ",scale=1", Dims{3, 1, 2}),
            (std::vector<float>{40, 200, 40, 200, 40, 200}));
}

TEST(ImageSource, NormalizesPerChannelLikeTorchvision) {
  TempDir dir;
  const std::vector<uint8_t> pixels = {0, 128, 255, 64, 32, 16};  // 1x2 RGB
  const std::string path = write_png(dir, "a.png", 2, 1, 3, pixels);
  const float mean[] = {0.485f, 0.456f, 0.406f};
  const float stddev[] = {0.229f, 0.224f, 0.225f};
  std::vector<float> expected;
  for (int c = 0; c < 3; ++c) {
    for (int x = 0; x < 2; ++x) {
      // ToTensor: u8 / 255 in float; Normalize: (v - mean) / std in float.
      const float v = static_cast<float>(pixels[static_cast<size_t>(x * 3 + c)]) / 255.0f;
      expected.push_back((v - mean[c]) / stddev[c]);
    }
  }
  EXPECT_EQ(only_sample("images:" + path + ",mean=0.485,0.456,0.406,std=0.229,0.224,0.225",
                        Dims{3, 1, 2}),
            expected);

  // Caffe style: BGR, scale 1, means listed B, G, R; one std for all channels.
  expected.clear();
  const float bgr_mean[] = {104, 117, 123};
  for (int c = 0; c < 3; ++c) {
    for (int x = 0; x < 2; ++x) {
      const float v = pixels[static_cast<size_t>(x * 3 + (2 - c))];
      expected.push_back((v - bgr_mean[c]) / 2.0f);
    }
  }
  EXPECT_EQ(
      only_sample("images:" + path + ",channels=bgr,scale=1,mean=104,117,123,std=2", Dims{3, 1, 2}),
      expected);
}

TEST(ImageSource, ResizesBilinearlyOnPixelCenters) {
  TempDir dir;
  // Upsampling 1x2 -> 1x4: src = (x + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped.
  const std::string row = write_png(dir, "row.png", 2, 1, 1, {0, 100});
  EXPECT_EQ(only_sample("images:" + row + ",channels=gray,scale=1,resize=1x4", Dims{1, 1, 4}),
            (std::vector<float>{0, 25, 75, 100}));

  // 2x2 -> 4x4 is the outer product of the same 1-d weights.
  const std::vector<uint8_t> square = {0, 100, 200, 40};
  const std::string path = write_png(dir, "sq.png", 2, 2, 1, square);
  const double w[4][2] = {{1, 0}, {0.75, 0.25}, {0.25, 0.75}, {0, 1}};
  std::vector<float> expected;
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) {
      double v = 0;
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j)
          v += w[y][i] * w[x][j] * square[static_cast<size_t>(i * 2 + j)];
      expected.push_back(static_cast<float>(v));
    }
  }
  expect_near_all(
      only_sample("images:" + path + ",channels=gray,scale=1,resize=4x4", Dims{1, 4, 4}), expected,
      1e-4f, "2x2 -> 4x4");
}

TEST(ImageSource, ShrinksWithAnAntialiasedTriangle) {
  TempDir dir;
  // 1x4 -> 1x2 (scale 2): antialiased, output 0 has center 1.0 and support 2: pixels 0, 1, 2
  // weigh 0.75, 0.75, 0.25; output 1 (center 3.0): pixels 1, 2, 3 weigh 0.25, 0.75, 0.75.
  const std::vector<uint8_t> four = {10, 50, 90, 250};
  const std::string path = write_png(dir, "four.png", 4, 1, 1, four);
  const std::string base = "images:" + path + ",channels=gray,scale=1,resize=1x2";
  expect_near_all(only_sample(base, Dims{1, 1, 2}),
                  {static_cast<float>((0.75 * 10 + 0.75 * 50 + 0.25 * 90) / 1.75),
                   static_cast<float>((0.25 * 50 + 0.75 * 90 + 0.75 * 250) / 1.75)},
                  1e-4f, "antialiased 4 -> 2");
  // Plain bilinear samples at src = 0.5 and 2.5.
  expect_near_all(only_sample(base + ",antialias=0", Dims{1, 1, 2}), {30, 170}, 1e-4f,
                  "bilinear 4 -> 2");
  // 1x3 -> 1x2 (scale 1.5): output 0 (center 0.75): pixels 0, 1 weigh 5/6, 1/2 -> 0.625, 0.375.
  const std::string three = write_png(dir, "three.png", 3, 1, 1, {0, 80, 160});
  expect_near_all(
      only_sample("images:" + three + ",channels=gray,scale=1,resize=1x2", Dims{1, 1, 2}),
      {0.375f * 80, 0.375f * 80 + 0.625f * 160}, 1e-4f, "antialiased 3 -> 2");

  // A 7x5 RGB image to several sizes, against the naive 2-d filter, both filters.
  std::vector<uint8_t> pixels;
  for (int i = 0; i < 7 * 5 * 3; ++i)
    pixels.push_back(static_cast<uint8_t>((i * 73 + 19) % 256));
  const std::string image = write_png(dir, "img.png", 5, 7, 3, pixels);
  for (auto [h, w] : {std::pair{3, 4}, std::pair{11, 9}, std::pair{2, 13}, std::pair{7, 5}}) {
    for (int antialias = 0; antialias < 2; ++antialias) {
      std::vector<float> expected;
      for (int c = 0; c < 3; ++c) {
        std::vector<float> plane;
        for (int i = 0; i < 35; ++i)
          plane.push_back(pixels[static_cast<size_t>(i * 3 + c)]);
        auto resized = naive_resize(plane, 7, 5, h, w, antialias == 1);
        expected.insert(expected.end(), resized.begin(), resized.end());
      }
      const std::string spec = "images:" + image + ",scale=1,resize=" + std::to_string(h) + "x" +
                               std::to_string(w) + ",antialias=" + std::to_string(antialias);
      expect_near_all(only_sample(spec, Dims{3, h, w}), expected, 1e-3f, spec);
    }
  }
}

TEST(ImageSource, ShorterSideCoverAndCenterCrop) {
  TempDir dir;
  // resize=S: the shorter side to S, the other floor(long * S / short).
  std::vector<uint8_t> pixels(4 * 6);
  for (size_t i = 0; i < pixels.size(); ++i)
    pixels[i] = static_cast<uint8_t>(i * 10);
  const std::string tall = write_png(dir, "tall.png", 4, 6, 1, pixels);      // 6 high, 4 wide
  only_sample("images:" + tall + ",channels=gray,resize=3", Dims{1, 4, 3});  // 6*3/4 = 4.5 -> 4
  only_sample("images:" + tall + ",channels=gray,resize=5", Dims{1, 7, 5});  // 6*5/4 = 7.5 -> 7

  // size=HxW covers HxW with the aspect kept, then crops the center: a 4x8 (HxW) image to 2x2
  // is resized to 2x4 and cropped at column offset 1.
  std::vector<uint8_t> wide(4 * 8);
  for (size_t i = 0; i < wide.size(); ++i)
    wide[i] = static_cast<uint8_t>((i * 37) % 256);
  const std::string path = write_png(dir, "wide.png", 8, 4, 1, wide);
  std::vector<float> plane(wide.begin(), wide.end());
  const std::vector<float> resized = naive_resize(plane, 4, 8, 2, 4, true);
  expect_near_all(only_sample("images:" + path + ",channels=gray,scale=1,size=2x2", Dims{1, 2, 2}),
                  {resized[1], resized[2], resized[5], resized[6]}, 1e-3f, "size=2x2");
  // resize=2 then crop=2 does the same.
  expect_near_all(
      only_sample("images:" + path + ",channels=gray,scale=1,resize=2,crop=2", Dims{1, 2, 2}),
      {resized[1], resized[2], resized[5], resized[6]}, 1e-3f, "resize=2,crop=2");

  // Center crop offsets round half to even, as torchvision: (5 - 2) / 2 = 1.5 -> 2,
  // (7 - 2) / 2 = 2.5 -> 2, (8 - 3) / 2 = 2.5 -> 2, (6 - 3) / 2 = 1.5 -> 2.
  const std::vector<uint8_t> ramp = {0, 10, 20, 30, 40, 50, 60, 70};
  struct Crop {
    uint32_t width;
    int crop;
    std::vector<float> expected;
  };
  for (const Crop& c : {Crop{5, 2, {20, 30}}, Crop{7, 2, {20, 30}}, Crop{8, 3, {20, 30, 40}},
                        Crop{6, 3, {20, 30, 40}}, Crop{4, 4, {0, 10, 20, 30}}}) {
    const std::string file =
        write_png(dir, "ramp" + std::to_string(c.width) + ".png", c.width, 1, 1,
                  std::vector<uint8_t>(ramp.begin(), ramp.begin() + c.width));
    const std::string spec =
        "images:" + file + ",channels=gray,scale=1,crop=1x" + std::to_string(c.crop);
    EXPECT_EQ(only_sample(spec, Dims{1, 1, c.crop}), c.expected) << spec;
  }

  // A crop larger than the image is an error naming the file.
  auto source = open_data_source("images:" + path + ",crop=5x5");
  ASSERT_TRUE(source.is_ok()) << source.status().to_string();
  std::vector<float> sample(75);
  Status read = (*source)->read(0, sample.data());
  ASSERT_FALSE(read.is_ok());
  EXPECT_NE(read.message().find(path), std::string::npos) << read.message();
  EXPECT_NE(read.message().find("smaller than the crop 5x5"), std::string::npos) << read.message();
}

TEST(ImageSource, FoldersAreSortedAndCheckedForOneShape) {
  TempDir dir;
  const std::string images = dir.file("images");
  std::filesystem::create_directories(images + "/sub");
  auto write = [&](const std::string& name, uint32_t w, uint32_t h, uint8_t value) {
    dir.write("images/" + name, make_png8(w, h, 1, std::vector<uint8_t>(w * h, value)));
  };
  write("b.png", 2, 2, 20);
  write("a.PNG", 2, 2, 10);
  write("c.png", 3, 2, 30);  // another size
  dir.write("images/notes.txt", "not an image");
  dir.write("images/sub/d.png", make_png8(2, 2, 1, {1, 2, 3, 4}));
  Image rgb{2, 2, 3, std::vector<uint8_t>(12, 200)};
  dir.write("images/e.jpeg", encode_jpeg(rgb, 95).value());

  auto files = list_image_files(images);
  ASSERT_TRUE(files.is_ok()) << files.status().to_string();
  EXPECT_EQ(*files, (std::vector<std::string>{images + "/a.PNG", images + "/b.png",
                                              images + "/c.png", images + "/e.jpeg"}));

  // Shape from the first image; the 3-wide one is an error naming it.
  auto source = open_data_source("images:" + images + ",channels=gray,scale=1");
  ASSERT_TRUE(source.is_ok()) << source.status().to_string();
  EXPECT_EQ((*source)->size(), 4);
  EXPECT_EQ((*source)->sample_dims(), (Dims{1, 2, 2}));
  EXPECT_FALSE((*source)->has_labels());
  BatchStream stream(**source, 2);
  Batch batch;
  ASSERT_TRUE(stream.next(batch).is_ok());
  EXPECT_EQ(batch.data, (std::vector<float>{10, 10, 10, 10, 20, 20, 20, 20}));
  auto failed = stream.next(batch);
  ASSERT_FALSE(failed.is_ok());
  EXPECT_NE(failed.status().message().find(images + "/c.png"), std::string::npos)
      << failed.status().message();
  EXPECT_NE(failed.status().message().find("size=HxW"), std::string::npos)
      << failed.status().message();

  // With a fixed size every image fits; the JPEG (gray 200 in RGB) averages to about 200.
  auto sized = open_data_source("images:" + images + ",channels=gray,scale=1,resize=2x2");
  ASSERT_TRUE(sized.is_ok()) << sized.status().to_string();
  std::vector<float> sample(4);
  ASSERT_TRUE((*sized)->read(2, sample.data()).is_ok());
  expect_near_all(sample, {30, 30, 30, 30}, 1e-4f, "c.png resized");
  ASSERT_TRUE((*sized)->read(3, sample.data()).is_ok());
  expect_near_all(sample, {200, 200, 200, 200}, 2.0f, "e.jpeg");
}

TEST(ImageSource, ListFilesGiveOrderLabelsAndRelativePaths) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("set/img"));
  dir.write("set/img/x.png", make_png8(1, 1, 1, {11}));
  dir.write("set/img/y.png", make_png8(1, 1, 1, {22}));
  const std::string absolute = dir.write("z.png", make_png8(1, 1, 1, {33}));
  dir.write("set/list.txt",
            "# path label\nimg/y.png 4\n\n  img/x.png\t7  \r\n" + absolute + " 0\n");
  auto source = open_data_source("images:@" + dir.file("set/list.txt") + ",channels=gray,scale=1");
  ASSERT_TRUE(source.is_ok()) << source.status().to_string();
  ASSERT_EQ((*source)->size(), 3);
  ASSERT_TRUE((*source)->has_labels());
  const float expected[] = {22, 11, 33};
  const int64_t labels[] = {4, 7, 0};
  for (int i = 0; i < 3; ++i) {
    float value = -1;
    ASSERT_TRUE((*source)->read(i, &value).is_ok()) << i;
    EXPECT_EQ(value, expected[i]) << i;
    EXPECT_EQ((*source)->label(i), labels[i]) << i;
  }

  dir.write("mixed.txt", "set/img/x.png 1\nset/img/y.png\n");
  auto mixed = open_data_source("images:@" + dir.file("mixed.txt"));
  ASSERT_FALSE(mixed.is_ok());
  EXPECT_NE(mixed.status().message().find(dir.file("mixed.txt") + ":2:"), std::string::npos)
      << mixed.status().message();
  dir.write("missing.txt", "nope.png\n");
  auto missing = open_data_source("images:@" + dir.file("missing.txt"));
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find(dir.file("nope.png")), std::string::npos)
      << missing.status().message();
}

TEST(ImageSource, CorruptImagesAreErrorsNamingTheFile) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("imgs"));
  const std::string good = make_png8(2, 2, 3, std::vector<uint8_t>(12, 7));
  dir.write("imgs/0.png", good);
  std::string cut = good.substr(0, good.size() - 20);
  dir.write("imgs/1.png", cut);
  dir.write("imgs/2.jpg", "\xFF\xD8\xFF garbage");
  dir.write("imgs/3.png", "GIF89a");
  auto source = open_data_source("images:" + dir.file("imgs"));
  ASSERT_TRUE(source.is_ok()) << source.status().to_string();
  std::vector<float> sample(12);
  EXPECT_TRUE((*source)->read(0, sample.data()).is_ok());
  for (int i = 1; i < 4; ++i) {
    Status read = (*source)->read(i, sample.data());
    ASSERT_FALSE(read.is_ok()) << i;
    EXPECT_TRUE(read.is_user_error()) << read.to_string();
    const std::string name = dir.file("imgs/" + std::to_string(i) + (i == 2 ? ".jpg" : ".png"));
    EXPECT_NE(read.message().find(name), std::string::npos) << read.message();
  }
  // The first image is decoded on opening when it fixes the shape.
  auto first_bad = open_data_source("images:" + dir.file("imgs/1.png"));
  ASSERT_FALSE(first_bad.is_ok());
  EXPECT_NE(first_bad.status().message().find("1.png"), std::string::npos);
  auto absent = open_data_source("images:" + dir.file("none"));
  ASSERT_FALSE(absent.is_ok());
  EXPECT_EQ(absent.status().code(), StatusCode::kNotFound);
  std::filesystem::create_directories(dir.file("empty"));
  auto empty = open_data_source("images:" + dir.file("empty"));
  ASSERT_FALSE(empty.is_ok());
  EXPECT_NE(empty.status().message().find("no .png, .jpg or .jpeg"), std::string::npos);
}

TEST(ImageSource, LoadImageAndTypedOptions) {
  TempDir dir;
  const std::string path = write_png(dir, "a.png", 4, 2, 1, {0, 10, 20, 30, 40, 50, 60, 70});
  ImageOptions options;
  options.channels = ImageChannels::kGray;
  options.crop_height = 2;
  options.crop_width = 2;
  options.normalization = {1.0, {5.0f}, {}};
  auto image = load_image(path, options);
  ASSERT_TRUE(image.is_ok()) << image.status().to_string();
  EXPECT_EQ(image->dims(), (Dims{1, 2, 2}));
  EXPECT_EQ(image->dtype(), DataType::kFloat);
  EXPECT_EQ(image->to_double(), (std::vector<double>{5, 15, 45, 55}));

  auto source = open_image_source({path, path}, options, {3, 1}, "two");
  ASSERT_TRUE(source.is_ok()) << source.status().to_string();
  EXPECT_EQ((*source)->name(), "two");
  EXPECT_EQ((*source)->label(1), 1);
  auto mismatched = open_image_source({path}, options, {3, 1});
  EXPECT_FALSE(mismatched.is_ok());
}

}  // namespace
}  // namespace int8rt
