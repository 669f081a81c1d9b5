// Reference Resize against ONNX's documented examples, hand-computed nearest modes, and an oracle
// that resizes one axis at a time with the interpolation kernels written as functions of distance.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/reference_compute_test_util.h"

namespace int8rt {
namespace {

using namespace compute_testing;
using V = std::vector<int64_t>;
using Mode = ResizeMode;
using Coord = ResizeCoordinateMode;

ResizeAttrs resize(Mode mode, Coord coord = Coord::kHalfPixel,
                   ResizeNearestMode nearest = ResizeNearestMode::kRoundPreferFloor) {
  ResizeAttrs a;
  a.mode = mode;
  a.coordinate_transformation_mode = coord;
  a.nearest_mode = nearest;
  return a;
}

std::vector<float> run_scales(const Dims& x_dims, const std::vector<float>& x,
                              const std::vector<float>& scales, const ResizeAttrs& attrs) {
  RefLayer t;
  t.layer(OpType::kResize, {t.input(x_dims, x), nullptr, t.floats(scales)}, attrs);
  return t.run_floats();
}

TEST(ReferenceResize, OnnxExamples) {
  const std::vector<float> x4 = {1, 2, 3, 4};
  expect_close(
      run_scales({1, 1, 2, 2}, x4, {1, 1, 2, 3}, resize(Mode::kNearest)),
      std::vector<float>{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}, 0,
      "upsample nearest");
  expect_close(run_scales({1, 1, 2, 2}, x4, {1, 1, 2, 2}, resize(Mode::kLinear)),
               std::vector<float>{1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f,
                                  3.5f, 3, 3.25f, 3.75f, 4},
               kFloatTolerance, "upsample linear");
  expect_close(
      run_scales({1, 1, 2, 2}, x4, {1, 1, 2, 2}, resize(Mode::kLinear, Coord::kAlignCorners)),
      std::vector<double>{1, 4 / 3.0, 5 / 3.0, 2, 5 / 3.0, 2, 7 / 3.0, 8 / 3.0, 7 / 3.0, 8 / 3.0, 3,
                          10 / 3.0, 3, 10 / 3.0, 11 / 3.0, 4},
      kFloatTolerance, "upsample linear align_corners");
  const std::vector<float> x8 = iota_floats(8, 1);
  expect_close(run_scales({1, 1, 2, 4}, x8, {1, 1, 0.6f, 0.6f}, resize(Mode::kLinear)),
               std::vector<double>{8 / 3.0, 13 / 3.0}, 1e-6, "downsample linear");
  expect_close(run_scales({1, 1, 2, 4}, x8, {1, 1, 0.6f, 0.6f}, resize(Mode::kNearest)),
               std::vector<float>{1, 3}, 0, "downsample nearest");
  // align_corners with a real-valued resized length: 4 * 0.6 = 2.4, so x' = 1 * 3 / 1.4.
  expect_close(
      run_scales({1, 1, 2, 4}, x8, {1, 1, 0.6f, 0.6f}, resize(Mode::kLinear, Coord::kAlignCorners)),
      std::vector<double>{1, 1 + 3 / 1.4}, 1e-6, "downsample align_corners");
}

TEST(ReferenceResize, TfCropAndResize) {
  // On a linear ramp x = 1 + 4 h + w, bilinear interpolation is exact: y = 1 + 4 h' + w'.
  const std::vector<float> x = iota_floats(16, 1);
  for (bool extrapolate : {false, true}) {
    RefLayer t;
    ResizeAttrs attrs = resize(Mode::kLinear, Coord::kTfCropAndResize);
    attrs.extrapolation_value = 10.0f;
    const std::vector<float> roi = extrapolate
                                       ? std::vector<float>{0, 0, 0.4f, 0.6f, 1, 1, 1.2f, 1.7f}
                                       : std::vector<float>{0, 0, 0.4f, 0.6f, 1, 1, 0.6f, 0.8f};
    t.layer(OpType::kResize,
            {t.input({1, 1, 4, 4}, x), t.floats(roi), nullptr, t.ints({1, 1, 3, 3})}, attrs);
    // h' = 3 (a + i (b - a) / 2) on rows, w' likewise on columns; outside [0, 3]: 10.
    const std::vector<float> expected =
        extrapolate ? std::vector<float>{7.6f, 10, 10, 12.4f, 10, 10, 10, 10, 10}
                    : std::vector<float>{7.6f, 7.9f, 8.2f, 8.8f, 9.1f, 9.4f, 10, 10.3f, 10.6f};
    expect_close(t.run_floats(), expected, 1e-6, extrapolate ? "extrapolated" : "inside");
  }
}

TEST(ReferenceResize, NearestModes) {
  // asymmetric x2: x' = x / 2 = 0, 0.5, 1, ..., 3.5; halves go down or up, 4 clamps to 3.
  const std::vector<float> x = {10, 20, 30, 40};
  struct Case {
    ResizeNearestMode mode;
    std::vector<float> expected;
  };
  const Case cases[] = {
      {ResizeNearestMode::kRoundPreferFloor, {10, 10, 20, 20, 30, 30, 40, 40}},
      {ResizeNearestMode::kRoundPreferCeil, {10, 20, 20, 30, 30, 40, 40, 40}},
      {ResizeNearestMode::kFloor, {10, 10, 20, 20, 30, 30, 40, 40}},
      {ResizeNearestMode::kCeil, {10, 20, 20, 30, 30, 40, 40, 40}},
  };
  for (const Case& c : cases) {
    expect_close(run_scales({4}, x, {2}, resize(Mode::kNearest, Coord::kAsymmetric, c.mode)),
                 c.expected, 0, std::string(to_string(c.mode)));
  }
  // x1.5 asymmetric: x' = 0, 0.667, 1.333, 2, 2.667, 3.333 tells floor from round.
  expect_close(run_scales({4}, x, {1.5f},
                          resize(Mode::kNearest, Coord::kAsymmetric, ResizeNearestMode::kFloor)),
               std::vector<float>{10, 10, 20, 30, 30, 40}, 0, "floor x1.5");
  expect_close(
      run_scales({4}, x, {1.5f},
                 resize(Mode::kNearest, Coord::kAsymmetric, ResizeNearestMode::kRoundPreferFloor)),
      std::vector<float>{10, 20, 20, 30, 40, 40}, 0, "round x1.5");

  RefLayer u;
  u.layer(
      OpType::kResize,
      {u.input<uint8_t>({1, 3}, {0, 128, 255}, DataType::kUInt8), nullptr, nullptr, u.ints({2, 6})},
      resize(Mode::kNearest));
  std::vector<Weights> out = u.run();
  ASSERT_EQ(out.size(), 1u);
  const uint8_t* y = out[0].data_as<uint8_t>();
  EXPECT_EQ(std::vector<int>(y, y + 12),
            (std::vector<int>{0, 0, 128, 128, 255, 255, 0, 0, 128, 128, 255, 255}));
}

// --- The axis-at-a-time oracle ---

double source(Coord coord, double x, double scale, int64_t in, int64_t out, double a, double b) {
  const double length = scale * static_cast<double>(in);
  const double last = static_cast<double>(in - 1);
  switch (coord) {
    case Coord::kHalfPixel:
      return (x + 0.5) / scale - 0.5;
    case Coord::kHalfPixelSymmetric:
      return static_cast<double>(in) / 2 * (1 - static_cast<double>(out) / length) +
             (x + 0.5) / scale - 0.5;
    case Coord::kPytorchHalfPixel:
      return length > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
    case Coord::kAlignCorners:
      return out == 1 ? 0.0 : x * last / (length - 1);
    case Coord::kAsymmetric:
      return x / scale;
    case Coord::kTfCropAndResize:
      return out == 1 ? (a + b) / 2 * last : a * last + x * (b - a) * last / (length - 1);
  }
  return x;
}

// Interpolation weight of a sample at distance d from the source coordinate.
double kernel_weight(Mode mode, double d, double cubic_a) {
  d = std::fabs(d);
  if (mode == Mode::kLinear) return std::max(0.0, 1 - d);
  if (d <= 1) return (cubic_a + 2) * d * d * d - (cubic_a + 3) * d * d + 1;
  if (d < 2) return cubic_a * d * d * d - 5 * cubic_a * d * d + 8 * cubic_a * d - 4 * cubic_a;
  return 0.0;
}

// Resizes `data` (shape `dims`) along `axis` to `out` entries. Samples outside the crop are NaN.
std::vector<double> resize_axis(const std::vector<double>& data, V& dims, size_t axis, int64_t out,
                                double scale, const ResizeAttrs& attrs, double a, double b) {
  V out_dims = dims;
  out_dims[axis] = out;
  const int64_t in = dims[axis];
  std::vector<double> result(static_cast<size_t>(Dims(out_dims).volume()));
  for_each_index(out_dims, [&](const V& o) {
    const double s = source(attrs.coordinate_transformation_mode, static_cast<double>(o[axis]),
                            scale, in, out, a, b);
    V at = o;
    auto sample = [&](int64_t i) {
      at[axis] = std::clamp<int64_t>(i, 0, in - 1);
      return data[static_cast<size_t>(flat(dims, at))];
    };
    double value = 0.0;
    if (attrs.coordinate_transformation_mode == Coord::kTfCropAndResize &&
        (s < 0 || s > static_cast<double>(in - 1))) {
      value = NAN;
    } else if (attrs.mode == Mode::kNearest) {
      value = sample(static_cast<int64_t>(std::floor(s)) + (s - std::floor(s) > 0.5 ? 1 : 0));
    } else {
      double total = 0.0;
      for (int64_t i = static_cast<int64_t>(std::floor(s)) - 2; i <= static_cast<int64_t>(s) + 3;
           ++i) {
        const double w = kernel_weight(attrs.mode, s - static_cast<double>(i), attrs.cubic_coeff_a);
        if (w == 0.0 || (attrs.exclude_outside && (i < 0 || i >= in))) continue;
        value += w * sample(i);
        total += w;
      }
      if (attrs.exclude_outside) value /= total;
    }
    result[static_cast<size_t>(flat(out_dims, o))] = value;
  });
  dims = out_dims;
  return result;
}

struct ResizeConfig {
  V x;
  std::vector<float> scales;  // or
  V sizes;
  ResizeAttrs attrs;
  std::vector<float> roi;
};

TEST(ReferenceResize, MatchesAxisAtATimeOracle) {
  auto with = [](Mode mode, Coord coord, bool exclude = false, float cubic_a = -0.75f) {
    ResizeAttrs a = resize(mode, coord);
    a.exclude_outside = exclude;
    a.cubic_coeff_a = cubic_a;
    a.extrapolation_value = -7.0f;
    return a;
  };
  const ResizeConfig configs[] = {
      {{1, 2, 3, 4}, {1, 1, 2, 1.5f}, {}, with(Mode::kLinear, Coord::kHalfPixel)},
      {{1, 2, 5, 6}, {1, 1, 0.5f, 0.7f}, {}, with(Mode::kLinear, Coord::kPytorchHalfPixel)},
      {{2, 1, 4, 4}, {}, {2, 1, 7, 3}, with(Mode::kLinear, Coord::kAlignCorners)},
      {{1, 1, 4, 5}, {1, 1, 1.8f, 2.5f}, {}, with(Mode::kLinear, Coord::kAsymmetric)},
      {{1, 1, 4, 5}, {}, {1, 1, 5, 3}, with(Mode::kLinear, Coord::kHalfPixelSymmetric)},
      {{1, 1, 4, 4}, {1, 1, 2, 2}, {}, with(Mode::kCubic, Coord::kHalfPixel)},
      {{1, 1, 6, 5}, {1, 1, 0.8f, 1.6f}, {}, with(Mode::kCubic, Coord::kHalfPixel, true, -0.5f)},
      {{1, 1, 4, 4}, {}, {1, 1, 9, 7}, with(Mode::kCubic, Coord::kAlignCorners)},
      {{1, 1, 4, 4}, {1, 1, 2.5f, 2}, {}, with(Mode::kCubic, Coord::kAsymmetric, true)},
      {{3, 4, 5}, {1, 1.5f, 0.6f}, {}, with(Mode::kLinear, Coord::kHalfPixel)},  // rank 3
      {{1, 1, 5, 5},
       {},
       {1, 1, 4, 6},
       with(Mode::kLinear, Coord::kTfCropAndResize),
       {0, 0, 0.1f, -0.2f, 1, 1, 0.9f, 1.3f}},
      {{1, 1, 5, 5},
       {},
       {1, 1, 1, 4},
       with(Mode::kCubic, Coord::kTfCropAndResize),
       {0, 0, 0.2f, 0.1f, 1, 1, 0.7f, 0.6f}},
      {{1, 3, 4, 4}, {1, 1, 1.5f, 0.75f}, {}, with(Mode::kNearest, Coord::kHalfPixel)},
  };
  uint32_t seed = 90;
  for (const ResizeConfig& c : configs) {
    ++seed;
    const std::string config =
        std::string(to_string(c.attrs.mode)) + " " +
        std::string(to_string(c.attrs.coordinate_transformation_mode)) + " x " + join(c.x) +
        (c.sizes.empty() ? " scales" : " sizes " + join(c.sizes)) +
        (c.attrs.exclude_outside ? " exclude_outside" : "") + " A " +
        std::to_string(c.attrs.cubic_coeff_a) + " seed " + std::to_string(seed);
    const auto x = random_floats(Dims(c.x).volume(), seed, -2, 2);
    RefLayer t;
    Tensor* roi = c.roi.empty() ? nullptr : t.floats(c.roi);
    Tensor* scales = c.scales.empty() ? nullptr : t.floats(c.scales);
    Tensor* sizes = c.sizes.empty() ? nullptr : t.ints(c.sizes);
    t.layer(OpType::kResize, {t.input(Dims(c.x), x), roi, scales, sizes}, c.attrs);
    const std::vector<float> actual = t.run_floats();

    V dims = c.x;
    std::vector<double> data(x.begin(), x.end());
    for (size_t axis = 0; axis < c.x.size(); ++axis) {
      const double scale =
          c.sizes.empty() ? c.scales[axis]
                          : static_cast<double>(c.sizes[axis]) / static_cast<double>(c.x[axis]);
      const int64_t out =
          c.sizes.empty() ? static_cast<int64_t>(std::floor(scale * static_cast<double>(c.x[axis])))
                          : c.sizes[axis];
      const double a = c.roi.empty() ? 0 : c.roi[axis];
      const double b = c.roi.empty() ? 1 : c.roi[axis + c.x.size()];
      data = resize_axis(data, dims, axis, out, scale, c.attrs, a, b);
    }
    for (double& v : data)
      if (std::isnan(v)) v = c.attrs.extrapolation_value;
    ASSERT_EQ(t.out_dims().to_string(), Dims(dims).to_string()) << config;
    expect_close(actual, data, 1e-6, config);
  }
}

TEST(ReferenceResize, BuilderEndToEnd) {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{1, 1, 2, 2}).value();
  Tensor* scales = net.add_constant("scales", Weights::from_vector(DataType::kFloat, Dims{4},
                                                                   std::vector<float>{1, 1, 1, 2}))
                       .value();
  Layer* r = net.add_layer(OpType::kResize, "up", {x, nullptr, scales},
                           resize(Mode::kLinear, Coord::kAlignCorners), {"y"})
                 .value();
  ASSERT_TRUE(net.mark_output(r->output(0)).is_ok());
  std::string dims;
  // Each row [a, b] becomes [a, a + (b - a) / 3, a + 2 (b - a) / 3, b].
  const std::vector<float> y = build_and_run(net, {{0, 3, 6, 0}}, &dims);
  EXPECT_EQ(dims, "1x1x2x4");
  expect_close(y, std::vector<float>{0, 1, 2, 3, 6, 4, 2, 0}, kFloatTolerance, "resize");
}

}  // namespace
}  // namespace int8rt
