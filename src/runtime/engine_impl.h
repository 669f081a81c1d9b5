// The built engine's immutable state, shared by Engine and every ExecutionContext.
#pragma once

#include <string>
#include <vector>

#include "backends/kernel.h"
#include "int8rt/engine.h"
#include "int8rt/network.h"

namespace int8rt::detail {

struct EngineTensor {
  std::string name;
  DataType dtype = DataType::kFloat;
  Dims dims;
  Weights constant;  // non-empty for constants: the data lives here, not in a context
  size_t byte_size() const { return static_cast<size_t>(dims.volume()) * element_size(dtype); }
};

// One kernel invocation. Tensor ids index EngineImpl::tensors; -1 is an absent optional input.
struct EngineStep {
  std::string layer_name;
  OpType op = OpType::kIdentity;
  DataType precision = DataType::kFloat;
  KernelPtr kernel;
  std::vector<int> inputs;
  std::vector<int> outputs;
};

class EngineImpl {
 public:
  std::string backend;
  std::vector<EngineTensor> tensors;
  std::vector<EngineStep> steps;  // in execution order
  std::vector<int> input_ids;     // engine input i is tensors[input_ids[i]]
  std::vector<int> output_ids;
  std::vector<IoTensor> inputs;
  std::vector<IoTensor> outputs;
};

}  // namespace int8rt::detail
