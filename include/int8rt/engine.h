// Engine (immutable, shared) and ExecutionContext (per thread): running a built network.
//
//   auto engine = builder.build(*network, *config).value();
//   auto context = engine->create_execution_context();
//   std::vector<float> image(1 * 1 * 28 * 28), logits(10);
//   const void* inputs[] = {image.data()};
//   void* outputs[] = {logits.data()};
//   Status status = context->execute(inputs, outputs);
//
// Plan files (docs/engine-format.md):
//
//   Status saved = engine->save("lenet.plan");
//   auto loaded = Engine::load("lenet.plan").value();
//
// Smaller batches: an engine built for batch 8 runs any batch from 1 to 8 (axis 0 of its inputs):
//
//   Status status = context->execute(inputs, outputs, /*batch=*/3);
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "int8rt/backends.h"
#include "int8rt/logger.h"
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
// An INT8 tensor a layer reads or writes, with its scale (amax / 127).
struct TensorScale {
  std::string name;
  float scale = 0.0f;
};

struct LayerInfo {
  std::string name;     // the layer (or fused layers, joined with '+')
  std::string op;       // "Conv", "Relu", ..., "Reorder" (a layout change or a memory transfer)
  std::string kernel;   // the kernel chosen, e.g. "onednn.conv" or "reference.conv"
  std::string backend;  // the backend whose kernel it is (a fallback of the engine's, maybe)
  TensorLocation location = TensorLocation::kHost;  // where it runs and its tensors live
  DataType precision = DataType::kFloat;
  std::vector<TensorScale> int8_inputs;   // the layer's INT8 inputs, in input order
  std::vector<TensorScale> int8_outputs;  // its INT8 outputs
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
  // Where the engine's inputs and outputs live (TensorRT's getTensorLocation): host memory for
  // host backends, device memory for a GPU backend. execute() copies host buffers in and out;
  // enqueue() reads and writes the addresses given, in this location.
  TensorLocation io_location() const;

  // Contexts hold a reference to the engine's immutable state: they may outlive the Engine object.
  std::unique_ptr<ExecutionContext> create_execution_context() const;

  // The plan file of this engine: its optimized graph with ranges, precisions and constants, under
  // a versioned, checksummed header (docs/engine-format.md).
  Result<std::string> serialize() const;
  // serialize(), written atomically (a reader sees the old file or the new one).
  Status save(const std::string& path) const;

  // An engine from a plan file. The graph is lowered into kernels again for this machine (oneDNN
  // primitives and layouts are not stored); nothing is optimized or calibrated again, so the
  // engine computes what the saved one did, bit for bit when oneDNN picks the same CPU ISA.
  // `backend`, when not empty, must be the plan's. Errors: not a plan, truncated, corrupted
  // (checksum), made by a newer int8rt, another backend, a backend this machine can't run (no
  // GPU, or one older than the plan's), malformed payload.
  static Result<std::unique_ptr<Engine>> deserialize(std::string_view bytes,
                                                     Logger& logger = default_logger(),
                                                     std::string_view backend = {});
  static Result<std::unique_ptr<Engine>> load(const std::string& path,
                                              Logger& logger = default_logger(),
                                              std::string_view backend = {});

 private:
  std::shared_ptr<const detail::EngineImpl> impl_;
};

// A tensor as the layer computing it wrote it, handed to a TensorObserver during execute() (the
// role of TensorRT's IDebugListener). Each tensor a layer of the engine computes is observed once
// per execute(), right after that layer ran: not network inputs, not constants, not the layout
// copies or the Quantize/Dequantize reformats the builder inserts. A tensor an INT8 layer computes
// keeps its network name (the builder's "<name>:int8" copy is reported as <name>).
struct ObservedTensor {
  std::string name;   // the tensor's name in the engine's (optimized, fused) network
  std::string layer;  // the layer computing it (fused layers joined with '+')
  DataType precision = DataType::kFloat;  // that layer's precision (Engine::layers())
  DataType dtype = DataType::kFloat;      // how the engine stores the tensor
  float scale = 0.0f;  // a quantized int8 tensor's scale (amax / 127), 0 otherwise
  Dims dims;           // at the current input shapes
  // dims.volume() values, dense row-major: float32 as computed, quantized int8 as q · scale, other
  // dtypes converted. Valid until on_tensor returns.
  std::span<const float> values;
};

// Receives the tensors of every execute() of the contexts it is set on (set_tensor_observer), in
// execution order, on the executing thread.
class TensorObserver {
 public:
  virtual ~TensorObserver() = default;
  virtual void on_tensor(const ObservedTensor& tensor) = 0;
};

// Activation memory and scratch for one execution at a time, in host memory and, for a GPU
// engine, device memory. Use one context per thread (a second thread's call while one runs is an
// error, not a race).
//
// Input shapes. A context starts at the engine's input shapes; set_input_shape gives an input a
// smaller batch (axis 0 from 1 up to the built extent, the other axes as built), as TensorRT's
// IExecutionContext::setInputShape does. The engine's graph is lowered for each new set of input
// shapes the first time any context runs it, and kept by the engine for every context (kernels
// are shared; each context has its own activation memory, sized for the largest shapes it ran).
// Shapes computed from the input's shape (Shape -> Gather -> Concat -> Reshape) follow the batch;
// a graph that fixes the batch itself (a Reshape to a literal shape) can't take another one: the
// error names the layer.
class ExecutionContext {
 public:
  explicit ExecutionContext(std::shared_ptr<const detail::EngineImpl> engine);
  ~ExecutionContext();
  ExecutionContext(const ExecutionContext&) = delete;
  ExecutionContext& operator=(const ExecutionContext&) = delete;

  // Runs the network at the current input shapes and waits for it. `inputs[i]` points at the data
  // of engine input i, `outputs[i]` at room for output i, in host memory (dense, row-major, of
  // the engine's dtype and the shape output_shape(i)); a GPU engine copies them in and out.
  Status execute(std::span<const void* const> inputs, std::span<void* const> outputs);
  // Sets axis 0 of every input to `batch` (1 up to the built batch), then runs.
  Status execute(std::span<const void* const> inputs, std::span<void* const> outputs,
                 int64_t batch);

  // TensorRT's setTensorAddress + enqueueV3: the asynchronous form. Every input and output is
  // bound to memory in Engine::io_location() (device memory for a GPU engine: a cudaMalloc'd or
  // framework buffer of this GPU, 16-byte aligned), dense and row-major at the current shapes.
  // Errors name the tensor: not an input or output, null, host memory for a device engine,
  // another GPU's memory, misaligned.
  Status set_tensor_address(std::string_view name, void* address);
  void* tensor_address(std::string_view name) const;  // nullptr until set
  // Issues the run on `stream` and returns; the outputs are written when the stream's work up to
  // here is done. For a GPU engine `stream` is a cudaStream_t of the engine's GPU (nullptr: the
  // context's own stream); layers the GPU can't run (the build log lists them) run on the host
  // inside enqueue(), which then waits for the stream before them. A host engine runs
  // synchronously and takes no stream. Errors: unbound tensors, a stream of another GPU, the
  // context still running on another stream.
  Status enqueue(void* stream = nullptr);
  // Waits until this context's last enqueue() has finished.
  Status synchronize();

  // For tools that time the engine without host transfers (int8rt bench): memory for every input
  // and output in Engine::io_location() at the current input shapes, owned by the context and
  // bound with set_tensor_address, the inputs filled from `inputs` (host memory).
  Status bind_owned_buffers(std::span<const void* const> inputs);
  // Runs enqueue() `iterations` times on the bound addresses and returns each run's milliseconds:
  // timed on the device, between two events on the stream, for a GPU engine (TensorRT's "GPU
  // compute time"); by the host clock around each run (which then waits for it) otherwise.
  Result<std::vector<double>> time_runs(int64_t iterations);

  // The shape input `name` runs at from now on: the built shape with axis 0 in [1, built].
  Status set_input_shape(std::string_view name, const Dims& dims);
  const Dims& input_shape(int index) const;
  // The shape of output `index` at the current input shapes (lowers the graph for them when no
  // context has yet: errors are those execute() would report).
  Result<Dims> output_shape(int index);

  // Hands every tensor the engine computes to `observer` during execute() (see ObservedTensor);
  // nullptr turns observing off. The observer must outlive the runs it observes. Observing costs
  // a dequantize (and, for oneDNN layouts, a reorder) per tensor; off, it costs nothing.
  void set_tensor_observer(TensorObserver* observer);
  TensorObserver* tensor_observer() const;

 private:
  struct State;
  struct HostCopies;
  // One run on `stream`; with `host`, its host buffers are copied in and out inside the run.
  Status run(std::span<const void* const> inputs, std::span<void* const> outputs, void* stream,
             const HostCopies* host = nullptr);
  std::shared_ptr<const detail::EngineImpl> engine_;
  std::unique_ptr<State> state_;
};

}  // namespace int8rt
