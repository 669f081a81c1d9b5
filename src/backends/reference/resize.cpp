// Reference Resize: n-d nearest, linear and cubic interpolation, separable per axis.
//
// Each output coordinate x on an axis maps to an input coordinate x' (in = input extent,
// s = scale, L = s * in the resized length as a real number, as ONNX's reference implementation
// has it: with scales it need not be an integer, e.g. 4 * 0.6 = 2.4 for an output extent of 2):
//   half_pixel            x' = (x + 0.5) / s - 0.5
//   half_pixel_symmetric  x' = c * (1 - out / L) + (x + 0.5) / s - 0.5, c = in / 2
//   pytorch_half_pixel    x' = L > 1 ? (x + 0.5) / s - 0.5 : 0
//   align_corners         x' = L == 1 ? 0 : x * (in - 1) / (L - 1)
//   asymmetric            x' = x / s
//   tf_crop_and_resize    x' = L == 1 ? (a + b) / 2 * (in - 1)
//                                     : a * (in - 1) + x * (b - a) * (in - 1) / (L - 1),
//                         roi [a, b] on that axis; an x' outside [0, in - 1] on any axis yields
//                         extrapolation_value.
// The axis then contributes taps (input index, weight):
//   nearest  one tap, x' rounded by nearest_mode (round_prefer_floor/ceil: halves go down/up);
//   linear   floor(x') and floor(x') + 1 with weights 1 - t and t, t = x' - floor(x');
//   cubic    floor(x') - 1 .. floor(x') + 2 with Keys' weights for coefficient A;
// indices outside the input are clamped to its edge, or, with exclude_outside, dropped and the
// remaining weights renormalized to sum 1. The output is the sum over the cartesian product of
// the axes' taps of the product of their weights times the input element, in double.
#include <algorithm>
#include <vector>

#include "backends/reference/ref_util.h"
#include "backends/reference/reference.h"
#include "backends/reference/resize_taps.h"

namespace int8rt::reference {

Result<KernelPtr> make_Resize(const Layer& layer) {
  const ResizeAttrs attrs = layer.attrs_as<ResizeAttrs>();
  INT8RT_ASSIGN_OR_RETURN(const auto taps, resize_taps(layer));
  const Dims in = layer.input(0)->dims();
  const Dims out = layer.output(0)->dims();
  const int rank = in.rank();
  const std::vector<int64_t> in_strides = strides_of(in);
  return dispatch_dtype(layer.input(0)->dtype(), [&](auto tag) -> Result<KernelPtr> {
    using T = decltype(tag);
    return make_kernel(layer, [=](const KernelIo& io) {
      const auto* x = static_cast<const T*>(io.inputs[0]);
      auto* y = static_cast<T*>(io.outputs[0]);
      const auto urank = static_cast<size_t>(rank);
      std::vector<int64_t> index(urank, 0);  // output index
      std::vector<size_t> tap(urank, 0);     // position in each axis's taps
      const int64_t count = out.volume();
      for (int64_t o = 0; o < count; ++o) {
        bool outside = false;
        for (size_t a = 0; a < urank; ++a)
          outside = outside || taps[a][static_cast<size_t>(index[a])].empty();
        if (outside) {
          y[o] = static_cast<T>(attrs.extrapolation_value);
        } else if (attrs.mode == ResizeMode::kNearest) {
          int64_t offset = 0;
          for (size_t a = 0; a < urank; ++a)
            offset += taps[a][static_cast<size_t>(index[a])][0].index * in_strides[a];
          y[o] = x[offset];
        } else {
          double sum = 0.0;
          std::fill(tap.begin(), tap.end(), 0);
          while (true) {
            double weight = 1.0;
            int64_t offset = 0;
            for (size_t a = 0; a < urank; ++a) {
              const ResizeTap& t = taps[a][static_cast<size_t>(index[a])][tap[a]];
              weight *= t.weight;
              offset += t.index * in_strides[a];
            }
            sum += weight * static_cast<double>(x[offset]);
            int a = rank - 1;
            for (; a >= 0; --a) {
              const auto u = static_cast<size_t>(a);
              if (++tap[u] < taps[u][static_cast<size_t>(index[u])].size()) break;
              tap[u] = 0;
            }
            if (a < 0) break;
          }
          y[o] = static_cast<T>(sum);
        }
        for (int a = rank - 1; a >= 0; --a) {
          const auto u = static_cast<size_t>(a);
          if (++index[u] < out[a]) break;
          index[u] = 0;
        }
      }
      return Status::ok();
    });
  });
}

}  // namespace int8rt::reference
