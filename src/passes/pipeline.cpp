#include "passes/passes.h"

namespace int8rt::passes {

// Order matters: shapes are inferred (and constants folded) first; MatMul+Add becomes a Gemm
// before BatchNormalization folds into Gemms; the residual Add is fused before the activation so
// that Conv -> BN -> Add -> Relu ends as one Conv with a residual input and a Relu.
Status optimize(Network& network, Logger& logger) {
  INT8RT_RETURN_IF_ERROR(fold_constants(network, logger));
  INT8RT_RETURN_IF_ERROR(eliminate_identity(network, logger));
  INT8RT_RETURN_IF_ERROR(fuse_matmul_add(network, logger));
  INT8RT_RETURN_IF_ERROR(fuse_conv_batchnorm(network, logger));
  INT8RT_RETURN_IF_ERROR(fuse_conv_add(network, logger));
  INT8RT_RETURN_IF_ERROR(fuse_conv_activation(network, logger));
  return Status::ok();
}

}  // namespace int8rt::passes
