// Channel conversion, resize, center crop, normalization and layout of decoded images.
#include "data/image_preprocess.h"

#include <algorithm>
#include <cmath>

#include "data/normalization.h"

namespace int8rt {

namespace {

constexpr int64_t kMaxSide = 65536;

// Per output pixel of one axis: the first input pixel it reads and `taps` weights (zero-padded).
struct AxisWeights {
  int taps = 0;
  std::vector<int64_t> first;
  std::vector<float> weights;  // [out, taps]
};

// Triangle filter on pixel centers. Output pixel o covers input coordinates around
// center = (o + 0.5) · in/out (pixel i's center is at i + 0.5); input pixel i gets weight
// max(0, 1 − |i + 0.5 − center| / support), normalized to sum 1 over the pixels inside the
// image. support = 1 is bilinear interpolation at src = center − 0.5 with clamped edges;
// support = in/out when shrinking with antialiasing averages every input pixel in the footprint.
AxisWeights axis_weights(int64_t in, int64_t out, bool antialias) {
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  const double support = antialias && scale > 1.0 ? scale : 1.0;
  AxisWeights result;
  result.taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  result.first.resize(static_cast<size_t>(out));
  result.weights.assign(static_cast<size_t>(out * result.taps), 0.0f);
  for (int64_t o = 0; o < out; ++o) {
    const double center = (static_cast<double>(o) + 0.5) * scale;
    const auto lo = std::max<int64_t>(0, static_cast<int64_t>(std::floor(center - support)));
    const auto hi = std::min<int64_t>(in, static_cast<int64_t>(std::ceil(center + support)) + 1);
    // Pixels with non-zero weight satisfy |i + 0.5 - center| < support: fewer than `taps`.
    const int64_t count = std::min<int64_t>(hi - lo, result.taps);
    std::vector<double> weights(static_cast<size_t>(count));
    double sum = 0.0;
    for (int64_t k = 0; k < count; ++k) {
      const double t = std::abs(static_cast<double>(lo + k) + 0.5 - center) / support;
      weights[static_cast<size_t>(k)] = std::max(0.0, 1.0 - t);
      sum += weights[static_cast<size_t>(k)];
    }
    result.first[static_cast<size_t>(o)] = lo;
    for (int64_t k = 0; k < count; ++k) {
      result.weights[static_cast<size_t>(o * result.taps + k)] =
          static_cast<float>(weights[static_cast<size_t>(k)] / sum);
    }
  }
  return result;
}

}  // namespace

int image_channel_count(ImageChannels channels) {
  return channels == ImageChannels::kGray ? 1 : 3;
}

Status check_image_options(const ImageOptions& options, std::string_view what) {
  auto bad_side = [](int64_t side) { return side <= 0 || side > kMaxSide; };
  if (options.resize != ImageResize::kNone) {
    const bool square = options.resize == ImageResize::kShorterSide;
    if (bad_side(options.resize_height) || (!square && bad_side(options.resize_width))) {
      return invalid_argument(what, ": resize size ", options.resize_height, "x",
                              options.resize_width, " must be positive and at most ", kMaxSide);
    }
  }
  if (options.crop_height != 0 || options.crop_width != 0) {
    if (bad_side(options.crop_height) || bad_side(options.crop_width)) {
      return invalid_argument(what, ": crop size ", options.crop_height, "x", options.crop_width,
                              " must be positive and at most ", kMaxSide);
    }
  }
  return check_normalization(options.normalization, image_channel_count(options.channels), what);
}

std::pair<int64_t, int64_t> resized_size(const ImageOptions& options, int64_t height,
                                         int64_t width) {
  switch (options.resize) {
    case ImageResize::kNone:
      return {height, width};
    case ImageResize::kExact:
      return {options.resize_height, options.resize_width};
    case ImageResize::kShorterSide: {
      const int64_t side = options.resize_height;
      if (height <= width) return {side, width * side / height};
      return {height * side / width, side};
    }
    case ImageResize::kCover: {
      const int64_t h = options.resize_height;
      const int64_t w = options.resize_width;
      // Height limits when h / height >= w / width.
      if (h * width >= w * height) return {h, width * h / height};
      return {height * w / width, w};
    }
  }
  return {height, width};
}

std::optional<Dims> fixed_sample_dims(const ImageOptions& options) {
  int64_t height = options.crop_height;
  int64_t width = options.crop_width;
  if (height == 0) {
    if (options.resize != ImageResize::kExact && options.resize != ImageResize::kCover) {
      return std::nullopt;
    }
    height = options.resize_height;
    width = options.resize_width;
  }
  const int64_t channels = image_channel_count(options.channels);
  if (options.layout == ImageLayout::kNchw) return Dims{channels, height, width};
  return Dims{height, width, channels};
}

Planes resize_planes(const Planes& in, int64_t height, int64_t width, bool antialias) {
  const AxisWeights horizontal = axis_weights(in.width, width, antialias);
  const AxisWeights vertical = axis_weights(in.height, height, antialias);
  // Rows first: [count, in.height, width], then columns: [count, height, width].
  std::vector<float> rows(static_cast<size_t>(in.count * in.height * width));
  for (int64_t row = 0; row < in.count * in.height; ++row) {
    const float* src = in.values.data() + row * in.width;
    float* dst = rows.data() + row * width;
    for (int64_t x = 0; x < width; ++x) {
      const float* w = horizontal.weights.data() + x * horizontal.taps;
      const int64_t first = horizontal.first[static_cast<size_t>(x)];
      const int64_t taps = std::min<int64_t>(horizontal.taps, in.width - first);
      float sum = 0.0f;
      for (int64_t k = 0; k < taps; ++k)
        sum += w[k] * src[first + k];
      dst[x] = sum;
    }
  }
  Planes out{in.count, height, width,
             std::vector<float>(static_cast<size_t>(in.count * height * width))};
  for (int64_t plane = 0; plane < in.count; ++plane) {
    const float* src = rows.data() + plane * in.height * width;
    float* dst = out.values.data() + plane * height * width;
    for (int64_t y = 0; y < height; ++y) {
      const float* w = vertical.weights.data() + y * vertical.taps;
      const int64_t first = vertical.first[static_cast<size_t>(y)];
      const int64_t taps = std::min<int64_t>(vertical.taps, in.height - first);
      for (int64_t x = 0; x < width; ++x) {
        float sum = 0.0f;
        for (int64_t k = 0; k < taps; ++k)
          sum += w[k] * src[(first + k) * width + x];
        dst[y * width + x] = sum;
      }
    }
  }
  return out;
}

int64_t center_crop_offset(int64_t in, int64_t out) {
  const int64_t excess = in - out;
  int64_t half = excess / 2;
  if (excess % 2 == 1 && half % 2 == 1) ++half;  // x.5 rounds to the even neighbour
  return half;
}

Status preprocess_image(const Image& image, const ImageOptions& options, std::string_view source,
                        Dims& dims, std::vector<float>& out) {
  // 2. Channels, as planes of values in [0, 255] (R, G, B or gray).
  const int channels = image_channel_count(options.channels);
  Planes planes{channels, image.height, image.width,
                std::vector<float>(static_cast<size_t>(channels * image.height * image.width))};
  const int64_t area = image.height * image.width;
  for (int64_t i = 0; i < area; ++i) {
    const uint8_t* pixel = image.pixels.data() + i * image.channels;
    if (channels == image.channels) {
      for (int c = 0; c < channels; ++c)
        planes.values[static_cast<size_t>(c * area + i)] = pixel[c];
    } else if (channels == 3) {  // gray to RGB
      for (int c = 0; c < 3; ++c)
        planes.values[static_cast<size_t>(c * area + i)] = pixel[0];
    } else {  // RGB to gray
      planes.values[static_cast<size_t>(i)] = static_cast<float>(
          std::floor(0.299 * pixel[0] + 0.587 * pixel[1] + 0.114 * pixel[2] + 0.5));
    }
  }
  // 3. Resize.
  const auto [height, width] = resized_size(options, image.height, image.width);
  if (static_cast<uint64_t>(height) * static_cast<uint64_t>(width) > (uint64_t{1} << 28)) {
    return invalid_argument(source, ": resizing the ", image.height, "x", image.width, " image to ",
                            height, "x", width, " would make it too large");
  }
  if (height != image.height || width != image.width) {
    planes = resize_planes(planes, height, width, options.antialias);
  }
  // 4. Center crop.
  const int64_t crop_height = options.crop_height != 0 ? options.crop_height : height;
  const int64_t crop_width = options.crop_width != 0 ? options.crop_width : width;
  if (crop_height > height || crop_width > width) {
    return invalid_argument(source, ": the image is ", height, "x", width,
                            options.resize == ImageResize::kNone ? "" : " after resizing",
                            ", smaller than the crop ", crop_height, "x", crop_width);
  }
  const int64_t top = center_crop_offset(height, crop_height);
  const int64_t left = center_crop_offset(width, crop_width);
  // 5, 6. Normalize each output channel, lay out as CHW or HWC.
  const bool nchw = options.layout == ImageLayout::kNchw;
  dims = nchw ? Dims{channels, crop_height, crop_width} : Dims{crop_height, crop_width, channels};
  out.resize(static_cast<size_t>(dims.volume()));
  const Normalizer normalize(options.normalization);
  for (int c = 0; c < channels; ++c) {
    const int plane = options.channels == ImageChannels::kBgr ? 2 - c : c;
    for (int64_t y = 0; y < crop_height; ++y) {
      for (int64_t x = 0; x < crop_width; ++x) {
        const int64_t index =
            nchw ? (c * crop_height + y) * crop_width + x : (y * crop_width + x) * channels + c;
        out[static_cast<size_t>(index)] = normalize(planes.at(plane, top + y, left + x), c);
      }
    }
  }
  return Status::ok();
}

}  // namespace int8rt
