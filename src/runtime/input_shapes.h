// Running an engine at other input shapes (ExecutionContext::set_input_shape).
//
// The engine's graph is optimized for its built shapes, but nothing in it depends on the batch
// unless a layer fixed it (a Reshape to a constant shape, say). Running a smaller batch therefore
// means: copy the graph, give the inputs their new shapes, infer every layer's output shapes again
// (dtypes, ranges, precisions and attributes stay as built), and lower the copy into kernels. No
// pass, calibration or precision decision runs again.
#pragma once

#include <memory>
#include <vector>

#include "runtime/engine_impl.h"

namespace int8rt::detail {

// Checks `dims` for input `index`: the built rank, axis 0 in [1, built extent], every other axis
// as built. Errors name the input, the axis and both shapes.
Status check_input_shape(const EngineImpl& engine, int index, const Dims& dims);

// `engine` lowered for `shapes` (one per input, each passing check_input_shape): `engine` itself
// for its own shapes, else the lowering of its graph for them, made once per engine and kept in
// engine->variants. Thread-safe. Errors name the layer that can't take the shapes.
Result<std::shared_ptr<const EngineImpl>> lower_for_input_shapes(
    const std::shared_ptr<const EngineImpl>& engine, const std::vector<Dims>& shapes);

// Infers every layer's shapes of a copy of `network` and checks that they are the stored ones
// (dtypes too, but for float32/int8, which the precision pass sets): a loaded plan must describe
// a consistent graph before kernels are made for it. Errors name the layer and the tensor.
Status check_graph_shapes(const Network& network);

}  // namespace int8rt::detail
