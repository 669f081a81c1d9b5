// Graph passes run by the builder on its private copy of the network, in this order.
#pragma once

#include "int8rt/logger.h"
#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt::passes {

// The whole graph optimization pipeline, in order: fold_constants, eliminate_identity, then the
// fusions. The builder runs this on its private copy of the network.
Status optimize(Network& network, Logger& logger);

// Infers every layer's output shapes in order and replaces each layer whose inputs are all
// constant (or, for Shape, whose input shape is static) by the constants it computes. This folds
// the shape-computing subgraphs (Shape -> Gather -> Concat -> Reshape) that exporters emit.
Status fold_constants(Network& network, Logger& logger);

// Removes Identity layers (ONNX Identity and inference-mode Dropout) by rewiring their consumers.
Status eliminate_identity(Network& network, Logger& logger);

}  // namespace int8rt::passes
