// PNG and JPEG files to and from 8-bit pixels (libpng, libjpeg-turbo).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "int8rt/status.h"

namespace int8rt {

// 8-bit pixels, row-major, channels interleaved: [height, width, channels].
struct Image {
  int64_t height = 0;
  int64_t width = 0;
  int channels = 0;  // 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA
  std::vector<uint8_t> pixels;

  uint8_t at(int64_t y, int64_t x, int c) const {
    return pixels[static_cast<size_t>((y * width + x) * channels + c)];
  }
};

// Decodes a PNG or JPEG file held in `bytes`, recognized by its signature (not its name). The
// result has 1 channel (gray) or 3 (RGB): alpha is dropped without compositing, palettes are
// expanded, 1/2/4-bit gray is stretched to 8 bits, 16-bit samples are scaled to 8 bits
// (v·255/65535 rounded), no gamma correction is applied (as PIL does). Corrupt, truncated or
// unsupported files (e.g. CMYK JPEG) are errors naming `source`.
Result<Image> decode_image(std::string_view bytes, std::string_view source);
// The same for the file at `path`.
Result<Image> read_image(const std::string& path);

// Encodes `image` (1 to 4 channels, 8-bit) as a PNG file.
Result<std::string> encode_png(const Image& image);
// Encodes `image` (1 or 3 channels) as a baseline JPEG file; quality in [1, 100].
Result<std::string> encode_jpeg(const Image& image, int quality);

}  // namespace int8rt
