// The steps that turn a decoded image into a sample (ImageOptions in int8rt/data.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "data/image_codec.h"
#include "int8rt/data.h"

namespace int8rt {

// Float pixels, planar: [count, height, width].
struct Planes {
  int64_t count = 0;
  int64_t height = 0;
  int64_t width = 0;
  std::vector<float> values;

  float at(int64_t plane, int64_t y, int64_t x) const {
    return values[static_cast<size_t>((plane * height + y) * width + x)];
  }
};

// An error naming the option at fault unless sizes are positive (and at most 65536), the crop is
// set on both axes or neither, and the normalization fits the channel count. `what` starts the
// message.
Status check_image_options(const ImageOptions& options, std::string_view what);

// Channels of the samples: 1 for gray, 3 for RGB and BGR.
int image_channel_count(ImageChannels channels);

// The size (height, width) after the resize step for an image of height x width.
std::pair<int64_t, int64_t> resized_size(const ImageOptions& options, int64_t height,
                                         int64_t width);

// The sample shape when the options fix it (a crop, or an exact or covering resize).
std::optional<Dims> fixed_sample_dims(const ImageOptions& options);

// Resizes every plane to height x width with the triangle filter described at ImageOptions.
Planes resize_planes(const Planes& in, int64_t height, int64_t width, bool antialias);

// Offset of a centered window of `out` pixels in `in`: round_half_even((in - out) / 2).
int64_t center_crop_offset(int64_t in, int64_t out);

// Steps 2-6 for one decoded image: fills `dims` and `out`. `source` (the file) names errors.
Status preprocess_image(const Image& image, const ImageOptions& options, std::string_view source,
                        Dims& dims, std::vector<float>& out);

}  // namespace int8rt
