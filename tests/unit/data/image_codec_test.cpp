#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "data/image_codec.h"
#include "unit/data/data_test_util.h"
#include "unit/data/png_writer.h"

namespace int8rt {
namespace {

using testing::make_png;
using testing::make_png8;
using testing::PngSpec;

std::string bytes_of(std::initializer_list<int> values) {
  std::string out;
  for (int v : values)
    out.push_back(static_cast<char>(v));
  return out;
}

void expect_pixels(const Result<Image>& image, int64_t height, int64_t width, int channels,
                   const std::vector<uint8_t>& expected, const std::string& what) {
  ASSERT_TRUE(image.is_ok()) << what << ": " << image.status().to_string();
  EXPECT_EQ(image->height, height) << what;
  EXPECT_EQ(image->width, width) << what;
  EXPECT_EQ(image->channels, channels) << what;
  EXPECT_EQ(image->pixels, expected) << what;
}

TEST(ImageCodec, DecodesEveryPngColorType) {
  // 8-bit RGB, 2x3, every value distinct.
  std::vector<uint8_t> rgb;
  for (int i = 0; i < 18; ++i)
    rgb.push_back(static_cast<uint8_t>(10 * i + 3));
  expect_pixels(decode_image(make_png8(3, 2, 3, rgb), "rgb.png"), 2, 3, 3, rgb, "rgb8");

  // 8-bit gray.
  const std::vector<uint8_t> gray = {0, 17, 34, 200, 255, 1};
  expect_pixels(decode_image(make_png8(2, 3, 1, gray), "g.png"), 3, 2, 1, gray, "gray8");

  // Alpha is dropped, whatever its value (no compositing).
  const std::vector<uint8_t> rgba = {1, 2, 3, 0, 4, 5, 6, 255, 7, 8, 9, 128, 10, 11, 12, 1};
  expect_pixels(decode_image(make_png8(2, 2, 4, rgba), "a.png"), 2, 2, 3,
                {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, "rgba8");
  const std::vector<uint8_t> gray_alpha = {9, 0, 99, 255, 199, 7};
  expect_pixels(decode_image(make_png8(3, 1, 2, gray_alpha), "ga.png"), 1, 3, 1, {9, 99, 199},
                "gray+alpha");

  // 1-, 2- and 4-bit gray stretch to 8 bits: v * 255 / (2^bits - 1).
  PngSpec one{8, 1, 1, 0, {bytes_of({0b10110001})}};
  expect_pixels(decode_image(make_png(one), "1.png"), 1, 8, 1, {255, 0, 255, 255, 0, 0, 0, 255},
                "gray1");
  PngSpec two{4, 1, 2, 0, {bytes_of({0b00011011})}};
  expect_pixels(decode_image(make_png(two), "2.png"), 1, 4, 1, {0, 85, 170, 255}, "gray2");
  PngSpec four{3, 1, 4, 0, {bytes_of({0x0F, 0x70})}};
  expect_pixels(decode_image(make_png(four), "4.png"), 1, 3, 1, {0, 255, 119}, "gray4");

  // 16-bit samples scale to round(v * 255 / 65535).
  const int wide[] = {0x0000, 0x1234, 0xFFFF, 0x7F00, 0x0101, 0xABCD};
  std::string row;
  std::vector<uint8_t> expected;
  for (int v : wide) {
    row += bytes_of({v >> 8, v & 0xFF});
    expected.push_back(static_cast<uint8_t>(std::lround(v * 255.0 / 65535.0)));
  }
  PngSpec rgb16{2, 1, 16, 2, {row}};
  expect_pixels(decode_image(make_png(rgb16), "16.png"), 1, 2, 3, expected, "rgb16");

  // Palette (2-bit indices), with and without transparency: always RGB.
  PngSpec palette{4, 1, 2, 3, {bytes_of({0b11100100})}};
  palette.palette = bytes_of({10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120});
  const std::vector<uint8_t> expected_palette = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120};
  std::vector<uint8_t> reversed;
  for (int i = 3; i >= 0; --i)
    reversed.insert(reversed.end(), expected_palette.begin() + 3 * i,
                    expected_palette.begin() + 3 * i + 3);
  expect_pixels(decode_image(make_png(palette), "p.png"), 1, 4, 3, reversed, "palette");
  palette.transparency = bytes_of({0, 128});
  expect_pixels(decode_image(make_png(palette), "pt.png"), 1, 4, 3, reversed, "palette with tRNS");
}

TEST(ImageCodec, DecodesInterlacedPng) {
  // 9x10 so that every Adam7 pass has pixels and rows wrap past the 8x8 tile.
  PngSpec spec{9, 10, 8, 2};
  std::vector<uint8_t> expected;
  for (uint32_t y = 0; y < spec.height; ++y) {
    std::string row;
    for (uint32_t x = 0; x < spec.width; ++x) {
      for (int c = 0; c < 3; ++c) {
        const auto v = static_cast<uint8_t>((31 * y + 7 * x + 101 * c) % 256);
        row.push_back(static_cast<char>(v));
        expected.push_back(v);
      }
    }
    spec.rows.push_back(row);
  }
  spec.interlaced = true;
  expect_pixels(decode_image(make_png(spec), "i.png"), 10, 9, 3, expected, "adam7");
}

TEST(ImageCodec, JpegRoundTripsWithinItsLoss) {
  // 16x16 RGB in four flat 8x8 quadrants: flat blocks survive JPEG almost exactly.
  const uint8_t colors[4][3] = {{200, 30, 40}, {20, 180, 60}, {50, 60, 220}, {128, 128, 128}};
  Image image{16, 16, 3, std::vector<uint8_t>(16 * 16 * 3)};
  for (int y = 0; y < 16; ++y) {
    for (int x = 0; x < 16; ++x) {
      for (int c = 0; c < 3; ++c)
        image.pixels[static_cast<size_t>((y * 16 + x) * 3 + c)] = colors[(y / 8) * 2 + x / 8][c];
    }
  }
  auto jpeg = encode_jpeg(image, 95);
  ASSERT_TRUE(jpeg.is_ok()) << jpeg.status().to_string();
  auto decoded = decode_image(*jpeg, "q.jpg");
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  ASSERT_EQ(decoded->height, 16);
  ASSERT_EQ(decoded->width, 16);
  ASSERT_EQ(decoded->channels, 3);
  // Chroma subsampling blurs colour across quadrant edges; block centers stay within a few levels.
  for (int quadrant = 0; quadrant < 4; ++quadrant) {
    const int y = (quadrant / 2) * 8 + 4;
    const int x = (quadrant % 2) * 8 + 4;
    for (int c = 0; c < 3; ++c) {
      EXPECT_NEAR(decoded->at(y, x, c), colors[quadrant][c], 6)
          << "quadrant " << quadrant << " channel " << c;
    }
  }

  // Gray JPEG decodes to one channel.
  Image gray{8, 8, 1, std::vector<uint8_t>(64, 77)};
  auto gray_jpeg = encode_jpeg(gray, 90);
  ASSERT_TRUE(gray_jpeg.is_ok());
  auto gray_decoded = decode_image(*gray_jpeg, "g.jpg");
  ASSERT_TRUE(gray_decoded.is_ok()) << gray_decoded.status().to_string();
  EXPECT_EQ(gray_decoded->channels, 1);
  for (uint8_t v : gray_decoded->pixels)
    EXPECT_NEAR(v, 77, 1);
}

TEST(ImageCodec, LibpngEncoderMatchesTheIndependentWriter) {
  std::vector<uint8_t> pixels(24);
  for (size_t i = 0; i < pixels.size(); ++i)
    pixels[i] = static_cast<uint8_t>(11 * i + 5);
  for (int channels = 1; channels <= 4; ++channels) {
    const int64_t width = 12 / channels;  // 2 rows of 24 / 2 bytes
    Image image{2, width, channels, pixels};
    auto png = encode_png(image);
    ASSERT_TRUE(png.is_ok()) << png.status().to_string();
    auto ours = decode_image(*png, "ours.png");
    auto theirs =
        decode_image(make_png8(static_cast<uint32_t>(width), 2, channels, pixels), "theirs.png");
    ASSERT_TRUE(ours.is_ok() && theirs.is_ok()) << "channels " << channels;
    EXPECT_EQ(ours->pixels, theirs->pixels) << "channels " << channels;
    EXPECT_EQ(ours->channels, channels == 1 || channels == 2 ? 1 : 3) << "channels " << channels;
  }
}

TEST(ImageCodec, CorruptFilesAreErrorsNamingThem) {
  const std::vector<uint8_t> pixels(4 * 4 * 3, 90);
  const std::string png = make_png8(4, 4, 3, pixels);
  Image image{16, 16, 3, std::vector<uint8_t>(16 * 16 * 3, 50)};
  for (size_t i = 0; i < image.pixels.size(); ++i)
    image.pixels[i] = static_cast<uint8_t>(i * 37);
  const std::string jpeg = encode_jpeg(image, 90).value();

  std::string bad_crc = png;
  const size_t idat = bad_crc.find("IDAT");
  bad_crc[idat + 6] ^= 0x55;  // inside the compressed data: the chunk CRC no longer matches
  std::string bad_header = png;
  bad_header[16 + 8] = 3;  // bit depth 3 is not a PNG bit depth

  struct Case {
    std::string name;
    std::string bytes;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"empty.png", "", "not a PNG or JPEG"},
      {"text.png", "hello, this is not an image", "not a PNG or JPEG"},
      {"crc.png", bad_crc, "corrupt PNG"},
      {"depth.png", bad_header, "corrupt PNG"},
      {"cut-header.png", png.substr(0, 20), "corrupt PNG"},
      {"cut-data.png", png.substr(0, png.size() - 30), "corrupt PNG"},
      {"cut.jpg", jpeg.substr(0, jpeg.size() / 2), "JPEG"},
      {"cut-header.jpg", jpeg.substr(0, 40), "JPEG"},
  };
  for (const Case& c : cases) {
    auto decoded = decode_image(c.bytes, "dir/" + c.name);
    ASSERT_FALSE(decoded.is_ok()) << c.name;
    EXPECT_EQ(decoded.status().code(), StatusCode::kParseError) << c.name;
    EXPECT_NE(decoded.status().message().find("dir/" + c.name), std::string::npos)
        << decoded.status().message();
    EXPECT_NE(decoded.status().message().find(c.message_part), std::string::npos)
        << c.name << ": " << decoded.status().message();
  }

  // Random garbage after a valid signature never crashes (seeded, printed on failure).
  std::srand(1234);
  for (int trial = 0; trial < 200; ++trial) {
    std::string fuzzed = trial % 2 ? png : jpeg;
    const int flips = 1 + trial % 8;
    for (int f = 0; f < flips; ++f) {
      const size_t at = 8 + static_cast<size_t>(std::rand()) % (fuzzed.size() - 8);
      fuzzed[at] = static_cast<char>(std::rand() & 0xFF);
    }
    auto decoded = decode_image(fuzzed, "fuzz");
    if (decoded.is_ok()) {
      EXPECT_EQ(decoded->pixels.size(),
                static_cast<size_t>(decoded->height * decoded->width * decoded->channels))
          << "trial " << trial;
    } else {
      EXPECT_NE(decoded.status().message().find("fuzz"), std::string::npos) << "trial " << trial;
    }
  }
}

}  // namespace
}  // namespace int8rt
