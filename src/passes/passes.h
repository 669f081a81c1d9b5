// Graph passes run by the builder on its private copy of the network (docs/passes.md).
//
// Every pass keeps the network's input and output tensors (names, dtypes, shapes) and what it
// computes; fusions log one kVerbose line each and name the fused layer "<a>+<b>". Passes after
// fold_constants rely on the static shapes and canonical attributes it leaves behind, and a pass
// that changes a layer re-runs its shape inference.
#pragma once

#include <functional>
#include <unordered_set>

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

// ------------------------------------------------------------------ INT8 builds

// Whether a layer has an INT8 kernel; the builder passes reference::supports_int8.
using Int8Support = std::function<bool(const Layer&)>;

struct PrecisionOptions {
  Int8Support supports_int8;
  // A layer that requests INT8 (Layer::set_precision) but cannot run it fails the build instead
  // of falling back to float32 with a warning (BuilderFlag::kObeyPrecisionConstraints).
  bool obey_constraints = false;
};

// What assign_precision decided: the layers that run INT8 (all others run float32).
struct PrecisionAssignment {
  std::unordered_set<const Layer*> int8;
  int num_int8 = 0;
  int num_float = 0;
  bool is_int8(const Layer& layer) const { return int8.count(&layer) != 0; }
};

// Chooses each layer's precision, in layer order. A layer runs INT8 when it has an INT8 kernel,
// every data input (non-constant) and output is float32 with a non-zero dynamic range, and it has
// no float32 request; data-movement layers (Reshape, Flatten, Transpose, Squeeze, Unsqueeze,
// MaxPool, Concat) also need a data input that is already INT8 unless they request INT8, and give
// their output their input's range (Concat: the largest input range). An INT8 layer's outputs
// become kInt8, except that Conv, Gemm and MatMul write float32 directly when no INT8 layer reads
// the output. Logs one kInfo line per layer with the precision and the reason for float32.
Result<PrecisionAssignment> assign_precision(Network& network, const PrecisionOptions& options,
                                             Logger& logger);

struct ReformatCounts {
  int quantize = 0;
  int dequantize = 0;
};

// Makes the dtypes meet at every edge: a Quantize "<t>:quantize" computing "<t>:int8" before the
// INT8 readers of each float32 tensor t (one per tensor, shared by its readers), and a Dequantize
// "<t>:dequantize" after each int8 tensor t read by a float32 layer or marked as a network output:
// the INT8 layer then computes "<t>:int8" and the Dequantize computes t, so the float32 value
// keeps the name (network outputs stay float32 under their own names).
Result<ReformatCounts> insert_reformats(Network& network, const PrecisionAssignment& assignment,
                                        Logger& logger);

}  // namespace int8rt::passes
