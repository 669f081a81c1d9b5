// A minimal PNG writer for the tests, written from the PNG specification with zlib only (not
// libpng), so decoding is checked against an independent encoder. Every row uses filter 0.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace int8rt::testing {

inline void append_be32(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((value >> shift) & 0xFF));
}

inline std::string png_chunk(std::string_view type, std::string_view data) {
  std::string chunk;
  append_be32(chunk, static_cast<uint32_t>(data.size()));
  std::string body = std::string(type) + std::string(data);
  chunk += body;
  append_be32(chunk, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()),
                                                 static_cast<uInt>(body.size()))));
  return chunk;
}

struct PngSpec {
  uint32_t width = 0;
  uint32_t height = 0;
  int bit_depth = 8;
  int color_type = 2;  // 0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA
  // The packed bytes of each row, without the filter byte.
  std::vector<std::string> rows;
  std::string palette;       // PLTE: 3 bytes per entry
  std::string transparency;  // tRNS
  // Adam7 (8-bit depths only): `rows` hold the full image and are split into the seven passes.
  bool interlaced = false;
};

inline std::string make_png(const PngSpec& spec) {
  std::string header;
  append_be32(header, spec.width);
  append_be32(header, spec.height);
  header += {static_cast<char>(spec.bit_depth), static_cast<char>(spec.color_type), 0, 0,
             static_cast<char>(spec.interlaced ? 1 : 0)};
  std::string raw;
  if (!spec.interlaced) {
    for (const std::string& row : spec.rows)
      raw += '\0' + row;
  } else {
    const int channels = static_cast<int>(spec.rows[0].size() / spec.width);
    // Pass origins and steps (x0, y0, dx, dy), PNG specification section 8.2.
    const int passes[7][4] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
                              {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};
    for (const auto& p : passes) {
      for (uint32_t y = p[1]; y < spec.height; y += p[3]) {
        std::string row;
        for (uint32_t x = p[0]; x < spec.width; x += p[2])
          row += spec.rows[y].substr(x * channels, channels);
        if (!row.empty()) raw += '\0' + row;  // an empty pass has no rows at all
      }
    }
  }
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::string compressed(size, '\0');
  compress2(reinterpret_cast<Bytef*>(compressed.data()), &size,
            reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()), 6);
  compressed.resize(size);

  std::string png("\x89PNG\r\n\x1a\n", 8);
  png += png_chunk("IHDR", header);
  if (!spec.palette.empty()) png += png_chunk("PLTE", spec.palette);
  if (!spec.transparency.empty()) png += png_chunk("tRNS", spec.transparency);
  png += png_chunk("IDAT", compressed);
  png += png_chunk("IEND", "");
  return png;
}

// An 8-bit image with `channels` interleaved channels (1 gray, 2 gray + alpha, 3 RGB, 4 RGBA).
inline std::string make_png8(uint32_t width, uint32_t height, int channels,
                             const std::vector<uint8_t>& pixels) {
  static constexpr int kColorTypes[] = {0, 4, 2, 6};
  PngSpec spec{width, height, 8, kColorTypes[channels - 1]};
  for (uint32_t y = 0; y < height; ++y) {
    spec.rows.emplace_back(reinterpret_cast<const char*>(pixels.data()) + y * width * channels,
                           width * channels);
  }
  return make_png(spec);
}

}  // namespace int8rt::testing
