// Engine (immutable, shared) and ExecutionContext (per thread): running a built network.
//
//   auto engine = builder.build(*network, *config).value();
//   auto context = engine->create_execution_context();
//   std::vector<float> image(1 * 1 * 28 * 28), logits(10);
//   const void* inputs[] = {image.data()};
//   void* outputs[] = {logits.data()};
//   Status status = context->execute(inputs, outputs);
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "int8rt/status.h"
#include "int8rt/types.h"

namespace int8rt {

namespace detail {
class EngineImpl;
}

class ExecutionContext;

// A network input or output as the engine sees it: data is dense, row-major, of this dtype and
// shape.
struct IoTensor {
  std::string name;
  DataType dtype = DataType::kFloat;
  Dims dims;
};

// One row of Engine::layers(): what the builder made of a layer.
struct LayerInfo {
  std::string name;    // the layer (or fused layers, joined with '+')
  std::string op;      // "Conv", "Relu", ...
  std::string kernel;  // the kernel chosen, e.g. "onednn.conv" or "reference.conv"
  DataType precision = DataType::kFloat;
};

class Engine {
 public:
  explicit Engine(std::shared_ptr<const detail::EngineImpl> impl);
  ~Engine();

  int num_inputs() const;
  const IoTensor& input(int index) const;
  int num_outputs() const;
  const IoTensor& output(int index) const;
  // Index of the input/output named `name`, or -1.
  int input_index(std::string_view name) const;
  int output_index(std::string_view name) const;

  std::vector<LayerInfo> layers() const;
  std::string backend() const;

  // Contexts hold a reference to the engine's immutable state: they may outlive the Engine object.
  std::unique_ptr<ExecutionContext> create_execution_context() const;

 private:
  std::shared_ptr<const detail::EngineImpl> impl_;
};

// Activation memory and scratch for one execution at a time. Use one context per thread.
class ExecutionContext {
 public:
  explicit ExecutionContext(std::shared_ptr<const detail::EngineImpl> engine);
  ~ExecutionContext();
  ExecutionContext(const ExecutionContext&) = delete;
  ExecutionContext& operator=(const ExecutionContext&) = delete;

  // Runs the network. `inputs[i]` points at the data of engine input i, `outputs[i]` at room for
  // output i (dense, row-major, of the engine's dtype and shape).
  Status execute(std::span<const void* const> inputs, std::span<void* const> outputs);

 private:
  struct State;
  std::shared_ptr<const detail::EngineImpl> engine_;
  std::unique_ptr<State> state_;
};

}  // namespace int8rt
