// Helpers shared by the shape inference functions in src/ir/ops/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
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
Result<std::optional<std::vector<double>>> constant_floats(const Layer& layer, int index,
                                                           std::string_view what);

// Maps a possibly negative axis into [0, rank), or fails naming the layer.
Result<int> normalize_axis(const Layer& layer, int64_t axis, int rank);

// Numpy-style multidirectional broadcast of two shapes, or an error naming the layer and shapes.
Result<Dims> broadcast_shapes(const Layer& layer, const Dims& a, const Dims& b);

void set_output(Layer& layer, int index, DataType type, Dims dims);

}  // namespace int8rt::ir
