// Helpers shared by the shape inference functions in src/ir/ops/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt::ir {

// `Conv "conv1"`: how every message about a layer starts.
std::string describe(const Layer& layer);

// Checks the input count is within [min, max] (absent optional inputs count as present slots).
Status expect_inputs(const Layer& layer, int min, int max);
Status expect_outputs(const Layer& layer, int min, int max);
// Checks input `index` is present.
Result<const Tensor*> required_input(const Layer& layer, int index, std::string_view what);
// Checks the dtype of input `index` is one of `allowed`.
Status expect_dtype(const Layer& layer, int index, std::initializer_list<DataType> allowed);

// The values of a parameter input that must be known at build time (e.g. Reshape's shape).
// Returns nullopt for an absent optional input, an error when the input is computed at run time.
Result<std::optional<std::vector<int64_t>>> constant_ints(const Layer& layer, int index,
                                                          std::string_view what);
// constant_ints of a required input: an error when it is absent.
Result<std::vector<int64_t>> required_constant_ints(const Layer& layer, int index,
                                                    std::string_view what);
Result<std::optional<std::vector<double>>> constant_floats(const Layer& layer, int index,
                                                           std::string_view what);

// Maps a possibly negative axis into [0, rank), or fails naming the layer.
Result<int> normalize_axis(const Layer& layer, int64_t axis, int rank);

// Axes of a parameter input (Squeeze's, Slice's...) normalized into [0, rank); a repeated axis is
// an error.
Result<std::vector<int>> normalize_axes(const Layer& layer, const std::vector<int64_t>& axes,
                                        int rank);

// Numpy-style multidirectional broadcast of two shapes, or an error naming the layer and shapes.
Result<Dims> broadcast_shapes(const Layer& layer, const Dims& a, const Dims& b);

void set_output(Layer& layer, int index, DataType type, Dims dims);

// Shape inference of an elementwise op with one input X and one output: the output has X's dtype
// and shape; X's dtype must be one of `allowed`.
Status infer_same_as_input(Layer& layer, std::initializer_list<DataType> allowed);

// Slice's parameters resolved against its data's shape with ONNX's rules (negative starts/ends
// count from the end, then clamp to the axis; ends past the axis, e.g. INT64_MAX, mean "to the
// end"): for every axis of the data, the first index, the step and the number of elements taken
// (axes that are not sliced: 0, 1, extent). Requires constant starts/ends/axes/steps. Defined in
// layout.cpp, used by Slice's shape inference and its kernels.
struct SliceAxis {
  int64_t start = 0;
  int64_t step = 1;
  int64_t count = 0;
};
Result<std::vector<SliceAxis>> resolve_slice(const Layer& layer);

// The layer's attribute struct as an `A`, or an error when the layer carries another one (a
// hand-built layer with the wrong attributes).
template <typename A>
Result<const A*> attrs_of(const Layer& layer) {
  const A* attrs = std::get_if<A>(&layer.attrs());
  if (attrs == nullptr) {
    return invalid_argument(describe(layer),
                            ": carries attributes of the wrong kind (variant index ",
                            layer.attrs().index(), ")");
  }
  return attrs;
}

}  // namespace int8rt::ir
