// Graph passes run by the builder on its private copy of the network (docs/passes.md).
//
// Every pass keeps the network's input and output tensors (names, dtypes, shapes) and what it
// computes; fusions log one kVerbose line each and name the fused layer "<a>+<b>". Passes after
// fold_constants rely on the static shapes and canonical attributes it leaves behind, and a pass
// that changes a layer re-runs its shape inference.
#pragma once

#include "int8rt/logger.h"
#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt::passes {

// The whole FP32 graph optimization pipeline, in order: fold_constants, eliminate_identity,
// fuse_matmul_add, fuse_conv_batchnorm, fuse_conv_add, fuse_conv_activation. Precision assignment
// and reformat insertion (INT8 builds) run after it, on the fused graph.
Status optimize(Network& network, Logger& logger);

// Infers every layer's output shapes in order and replaces each layer whose inputs are all
// constant (or, for Shape, whose input shape is static) by the constants it computes. This folds
// the shape-computing subgraphs (Shape -> Gather -> Concat -> Reshape) that exporters emit.
Status fold_constants(Network& network, Logger& logger);

// Removes Identity layers (ONNX Identity and inference-mode Dropout) by rewiring their consumers.
// An Identity computing a network output is removed by letting its input's producer compute the
// output directly; it stays only when its input is a network input or output.
Status eliminate_identity(Network& network, Logger& logger);

// MatMul(A, B) + Add(·, c) -> Gemm(A, B, c) when A and B are 2-D and c is a constant that the Add
// broadcasts to the product's shape (not the other way round).
Status fuse_matmul_add(Network& network, Logger& logger);

// Conv, ConvTranspose or Gemm followed by BatchNormalization (all constant parameters) -> the same
// layer with the normalization folded into its weights and bias.
Status fuse_conv_batchnorm(Network& network, Logger& logger);

// Add(conv_out, r) -> Conv with residual input r (y = conv + B + r), when r has conv_out's shape
// and the Conv has no activation or residual yet.
Status fuse_conv_add(Network& network, Logger& logger);

// Conv or Gemm followed by Relu, Clip (constant bounds), LeakyRelu, HardSwish or Sigmoid -> the
// layer with a fused activation (ConvAttrs/GemmAttrs::activation).
Status fuse_conv_activation(Network& network, Logger& logger);

}  // namespace int8rt::passes
