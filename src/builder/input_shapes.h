// Fixing the network's input shapes for a build.
#pragma once

#include <map>
#include <string>

#include "int8rt/builder.h"
#include "int8rt/network.h"

namespace int8rt::detail {

// Gives every network input a static shape: the one from `shapes` (which must fit the declared
// shape: same rank, equal where the declared extent is fixed), else its declared one, which must
// then be static. Errors name the input, its shape and the dynamic axes (with their names).
Status bind_input_shapes(Network& network, const std::map<std::string, Dims, std::less<>>& shapes);

// `shapes` for every input with the batch axis (axis 0) set to `batch`, the other extents from
// `shapes` or the declared ones.
std::map<std::string, Dims, std::less<>> with_batch_size(
    const Network& network, const std::map<std::string, Dims, std::less<>>& shapes, int64_t batch);

}  // namespace int8rt::detail
