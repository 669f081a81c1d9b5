#include "passes/passes.h"

namespace int8rt::passes {

Status optimize(Network& network, Logger& logger) {
  INT8RT_RETURN_IF_ERROR(fold_constants(network, logger));
  INT8RT_RETURN_IF_ERROR(eliminate_identity(network, logger));
  return Status::ok();
}

}  // namespace int8rt::passes
