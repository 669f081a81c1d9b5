// The pass under test run the way the pipeline runs it: after fold_constants, which infers every
// shape and folds constant subgraphs (the passes match on static shapes and constant parameters).
#pragma once

#include "int8rt/logger.h"
#include "int8rt/network.h"
#include "passes/passes.h"

namespace int8rt::pass_testing {

template <Status (*Pass)(Network&, Logger&)>
Status fold_then(Network& net, Logger& logger) {
  INT8RT_RETURN_IF_ERROR(passes::fold_constants(net, logger));
  return Pass(net, logger);
}

}  // namespace int8rt::pass_testing
