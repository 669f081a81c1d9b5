// engine.h: Engine, ExecutionContext (numpy in, numpy out) and Runtime (TensorRT's name for
// deserializing engines).
#include "int8rt/engine.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "array_view.h"
#include "bindings.h"

namespace int8rt::python {

namespace {

Logger& logger_or_default(const py::object& logger) {
  if (logger.is_none()) return default_logger();
  return logger.cast<Logger&>();
}

// TensorRT's IRuntime: deserializes engines, logging through its logger.
struct Runtime {
  Logger* logger;
};

// An ExecutionContext with the Engine it came from (kept alive), for the engine's input and
// output names and dtypes.
struct Context {
  py::object engine_object;
  const Engine* engine;
  std::unique_ptr<ExecutionContext> context;
  bool busy = false;                        // execute() is running (without the GIL) on some thread
  std::map<std::string, py::object> bound;  // set_tensor_address's arrays, kept alive
};

// Marks a context busy for one execute(): a second thread using it meanwhile gets an error
// instead of racing on its memory. Checked and set under the GIL, so the check is atomic.
class BusyGuard {
 public:
  explicit BusyGuard(Context& context) : context_(context) {
    if (context_.busy) {
      raise_error(invalid_argument(
          "this ExecutionContext is running on another thread: use one context per thread "
          "(engine.create_execution_context())"));
    }
    context_.busy = true;
  }
  ~BusyGuard() { context_.busy = false; }
  BusyGuard(const BusyGuard&) = delete;
  BusyGuard& operator=(const BusyGuard&) = delete;

 private:
  Context& context_;
};

std::string input_names(const Engine& engine) {
  std::string names;
  for (int i = 0; i < engine.num_inputs(); ++i)
    names += (i ? ", \"" : "\"") + engine.input(i).name + "\"";
  return names;
}

// The array for engine input `io`: the same dtype (other float dtypes converted to float32, as
// float64 from numpy is common), C-contiguous (copied when not).
py::array prepare_input(const py::handle& value, const IoTensor& io, const std::string& where) {
  const bool array_like = py::isinstance<py::array>(value) || py::isinstance<py::list>(value) ||
                          py::isinstance<py::tuple>(value);
  if (!array_like) {
    raise_error(invalid_argument(where, ": input \"", io.name, "\" got ",
                                 std::string(py::str(value.get_type().attr("__name__"))),
                                 ", expected a numpy array"));
  }
  py::array array = py::array::ensure(value);
  if (!array) throw py::error_already_set();
  const py::dtype wanted = to_numpy_dtype(io.dtype);
  if (!array.dtype().is(wanted) && !array.dtype().equal(wanted)) {
    const bool float_to_float = array.dtype().kind() == 'f' && io.dtype == DataType::kFloat;
    if (!float_to_float) {
      raise_error(invalid_argument(where, ": input \"", io.name, "\" is ",
                                   std::string(py::str(static_cast<py::object>(array.dtype()))),
                                   ", expected ", to_string(io.dtype)));
    }
    array = py::array(array.attr("astype")(wanted));
  }
  return py::array::ensure(array, py::array::c_style);
}

// Runs the context on the inputs given as {name: array}, [array, ...] or one array; returns the
// outputs in the same form (a dict for a dict, else a list).
py::object execute(Context& self, const py::object& inputs) {
  const BusyGuard busy(self);
  const Engine& engine = *self.engine;
  const std::string where = "execute";
  std::vector<py::array> arrays(static_cast<size_t>(engine.num_inputs()));
  const bool as_dict = py::isinstance<py::dict>(inputs);
  if (as_dict) {
    auto dict = inputs.cast<py::dict>();
    for (const auto& [key, value] : dict) {
      const std::string name = py::str(key);
      const int index = engine.input_index(name);
      if (index < 0) {
        raise_error(not_found(where, ": the engine has no input \"", name,
                              "\" (its inputs: ", input_names(engine), ")"));
      }
      arrays[static_cast<size_t>(index)] = prepare_input(value, engine.input(index), where);
    }
    for (int i = 0; i < engine.num_inputs(); ++i) {
      if (!arrays[static_cast<size_t>(i)]) {
        raise_error(invalid_argument(where, ": no array for input \"", engine.input(i).name, "\""));
      }
    }
  } else {
    py::list list;
    if (py::isinstance<py::array>(inputs)) {
      list.append(inputs);
    } else {
      list = py::list(inputs);
    }
    if (static_cast<int>(list.size()) != engine.num_inputs()) {
      raise_error(invalid_argument(where, ": got ", list.size(), " arrays, the engine has ",
                                   engine.num_inputs(), " inputs (", input_names(engine), ")"));
    }
    for (int i = 0; i < engine.num_inputs(); ++i) {
      arrays[static_cast<size_t>(i)] =
          prepare_input(list[static_cast<size_t>(i)], engine.input(i), where);
    }
  }

  // Each array's shape is the shape that input runs at (a smaller batch than built is allowed;
  // set_input_shape checks it).
  std::vector<const void*> in(arrays.size());
  for (size_t i = 0; i < arrays.size(); ++i) {
    const py::array& a = arrays[i];
    Dims dims(std::vector<int64_t>(a.shape(), a.shape() + a.ndim()));
    if (dims != self.context->input_shape(static_cast<int>(i))) {
      check(self.context->set_input_shape(engine.input(static_cast<int>(i)).name, dims));
    }
    in[i] = a.data();
  }
  std::vector<py::array> outputs;
  std::vector<void*> out;
  for (int i = 0; i < engine.num_outputs(); ++i) {
    Dims dims = unwrap(self.context->output_shape(i));
    std::vector<py::ssize_t> shape(dims.extents().begin(), dims.extents().end());
    outputs.emplace_back(to_numpy_dtype(engine.output(i).dtype), shape);
    out.push_back(outputs.back().mutable_data());
  }
  check(without_gil([&] { return self.context->execute(in, out); }));
  if (as_dict) {
    py::dict result;
    for (int i = 0; i < engine.num_outputs(); ++i)
      result[py::str(engine.output(i).name)] = outputs[static_cast<size_t>(i)];
    return result;
  }
  py::list result;
  for (auto& o : outputs)
    result.append(o);
  return result;
}

// set_tensor_address(name, array or address): the array (numpy, a device array through
// __cuda_array_interface__ or DLPack) must be the tensor at the current shapes, in the engine's
// memory; it is kept alive until rebound.
void set_tensor_address(Context& self, const std::string& name, const py::handle& value) {
  const BusyGuard busy(self);
  const Engine& engine = *self.engine;
  const int input = engine.input_index(name);
  const int output = engine.output_index(name);
  if (input < 0 && output < 0) {
    raise_error(not_found("set_tensor_address: the engine has no input or output \"", name, "\""));
  }
  const std::string what = "set_tensor_address(\"" + name + "\")";
  const ArrayView view = unwrap(view_of(value, what));
  const Dims dims =
      input >= 0 ? self.context->input_shape(input) : unwrap(self.context->output_shape(output));
  const DataType dtype = input >= 0 ? engine.input(input).dtype : engine.output(output).dtype;
  check(check_view(view, what, dims, dtype, engine.io_location()));
  check(self.context->set_tensor_address(name, view.data));
  self.bound[name] = view.keep_alive;
}

// A stream as Python hands it: None (the context's own), an int (a cudaStream_t), or an object
// with __cuda_stream__() (the CUDA stream protocol) or .cuda_stream (torch.cuda.Stream).
void* stream_of(const py::handle& stream) {
  if (stream.is_none()) return nullptr;
  if (py::isinstance<py::int_>(stream)) return reinterpret_cast<void*>(stream.cast<uintptr_t>());
  if (py::hasattr(stream, "__cuda_stream__")) {
    auto pair = stream.attr("__cuda_stream__")().cast<py::tuple>();
    return reinterpret_cast<void*>(pair[1].cast<uintptr_t>());
  }
  if (py::hasattr(stream, "cuda_stream")) {
    return reinterpret_cast<void*>(stream.attr("cuda_stream").cast<uintptr_t>());
  }
  raise_error(invalid_argument("enqueue: the stream is a ",
                               std::string(py::str(stream.get_type().attr("__name__"))),
                               "; expected None, an int (cudaStream_t), or a stream object "
                               "(__cuda_stream__ or .cuda_stream)"));
}

void enqueue(Context& self, const py::handle& stream) {
  const BusyGuard busy(self);
  void* handle = stream_of(stream);
  check(without_gil([&] { return self.context->enqueue(handle); }));
}

enum class TensorIOMode { kInput, kOutput };

// The input or output named `name`, or an error naming it.
std::pair<const IoTensor*, TensorIOMode> io_tensor(const Engine& engine, const std::string& name) {
  if (int i = engine.input_index(name); i >= 0) return {&engine.input(i), TensorIOMode::kInput};
  if (int i = engine.output_index(name); i >= 0) return {&engine.output(i), TensorIOMode::kOutput};
  raise_error(not_found("the engine has no input or output \"", name, "\""));
}

Context make_context(const py::object& engine_object) {
  const auto& engine = engine_object.cast<const Engine&>();
  return Context{engine_object, &engine, engine.create_execution_context()};
}

}  // namespace

void init_engine(py::module_& m) {
  py::class_<IoTensor>(m, "IoTensor", "An engine input or output: name, dtype and shape.")
      .def_readonly("name", &IoTensor::name)
      .def_readonly("dtype", &IoTensor::dtype)
      .def_property_readonly("shape", [](const IoTensor& t) { return dims_to_tuple(t.dims); })
      .def("__repr__", [](const IoTensor& t) {
        return "IoTensor(\"" + t.name + "\", " + std::string(to_string(t.dtype)) + ", " +
               t.dims.to_string() + ")";
      });
  py::class_<TensorScale>(m, "TensorScale")
      .def_readonly("name", &TensorScale::name)
      .def_readonly("scale", &TensorScale::scale)
      .def("__repr__", [](const TensorScale& t) {
        return "TensorScale(\"" + t.name + "\", " + std::to_string(t.scale) + ")";
      });
  py::class_<LayerInfo>(m, "LayerInfo",
                        "One row of Engine.layers(): what the builder made of a layer.")
      .def_readonly("name", &LayerInfo::name)
      .def_readonly("op", &LayerInfo::op)
      .def_readonly("kernel", &LayerInfo::kernel)
      .def_readonly("precision", &LayerInfo::precision)
      .def_readonly("int8_inputs", &LayerInfo::int8_inputs)
      .def_readonly("int8_outputs", &LayerInfo::int8_outputs)
      .def("__repr__", [](const LayerInfo& l) {
        return "LayerInfo(\"" + l.name + "\", " + l.op + ", " + l.kernel + ", " +
               std::string(to_string(l.precision)) + ")";
      });

  py::enum_<TensorIOMode>(m, "TensorIOMode")
      .value("INPUT", TensorIOMode::kInput)
      .value("OUTPUT", TensorIOMode::kOutput);
  py::class_<Engine>(m, "Engine", "An immutable built network; serializable.")
      .def_property_readonly("num_inputs", &Engine::num_inputs)
      .def_property_readonly("num_outputs", &Engine::num_outputs)
      .def_property_readonly("inputs",
                             [](const Engine& e) {
                               std::vector<IoTensor> result;
                               for (int i = 0; i < e.num_inputs(); ++i)
                                 result.push_back(e.input(i));
                               return result;
                             })
      .def_property_readonly("outputs",
                             [](const Engine& e) {
                               std::vector<IoTensor> result;
                               for (int i = 0; i < e.num_outputs(); ++i)
                                 result.push_back(e.output(i));
                               return result;
                             })
      .def("input_index", &Engine::input_index, py::arg("name"), "Index of the input, or -1.")
      .def("output_index", &Engine::output_index, py::arg("name"), "Index of the output, or -1.")
      // TensorRT 8.5+'s I/O tensor queries (inputs first, then outputs).
      .def_property_readonly("num_io_tensors",
                             [](const Engine& e) { return e.num_inputs() + e.num_outputs(); })
      .def(
          "get_tensor_name",
          [](const Engine& e, int i) {
            if (i < 0 || i >= e.num_inputs() + e.num_outputs()) {
              throw py::index_error("I/O tensor index out of range");
            }
            return i < e.num_inputs() ? e.input(i).name : e.output(i - e.num_inputs()).name;
          },
          py::arg("index"))
      .def(
          "get_tensor_mode",
          [](const Engine& e, const std::string& name) { return io_tensor(e, name).second; },
          py::arg("name"))
      .def(
          "get_tensor_shape",
          [](const Engine& e, const std::string& name) {
            return dims_to_tuple(io_tensor(e, name).first->dims);
          },
          py::arg("name"))
      .def(
          "get_tensor_dtype",
          [](const Engine& e, const std::string& name) { return io_tensor(e, name).first->dtype; },
          py::arg("name"))
      .def("layers", &Engine::layers)
      .def_property_readonly("backend", &Engine::backend)
      .def_property_readonly("io_location", &Engine::io_location,
                             "Where inputs and outputs live: HOST, or DEVICE for a GPU engine.")
      .def(
          "get_tensor_location",
          [](const Engine& e, const std::string& name) {
            if (e.input_index(name) < 0 && e.output_index(name) < 0) {
              raise_error(not_found("the engine has no input or output \"", name, "\""));
            }
            return e.io_location();
          },
          py::arg("name"), "TensorRT's getTensorLocation.")
      .def("create_execution_context", &make_context)
      .def("serialize",
           [](const Engine& e) {
             std::string bytes = unwrap(e.serialize());
             return py::bytes(bytes);
           })
      .def(
          "save", [](const Engine& e, const std::string& path) { check(e.save(path)); },
          py::arg("path"))
      .def_static(
          "deserialize",
          [](const py::bytes& bytes, const py::object& logger, const std::string& backend) {
            std::string_view view = bytes;
            Logger& log = logger_or_default(logger);
            return unwrap(without_gil([&] { return Engine::deserialize(view, log, backend); }));
          },
          py::arg("plan"), py::arg("logger") = py::none(), py::arg("backend") = "")
      .def_static(
          "load",
          [](const std::string& path, const py::object& logger, const std::string& backend) {
            Logger& log = logger_or_default(logger);
            return unwrap(without_gil([&] { return Engine::load(path, log, backend); }));
          },
          py::arg("path"), py::arg("logger") = py::none(), py::arg("backend") = "");

  py::class_<Context>(m, "ExecutionContext",
                      "Activation memory for running an engine; one per thread.")
      .def("execute", &execute, py::arg("inputs"),
           "Runs the engine. inputs: {name: array}, [array, ...] in input order, or one array "
           "for a one-input engine. Arrays run at their own shapes (a batch from 1 up to the "
           "built one); float64 is converted to float32, non-contiguous arrays are copied. "
           "Returns {name: array} for a dict, else a list of the outputs.")
      .def(
          "set_input_shape",
          [](Context& c, const std::string& name, const py::iterable& shape) {
            const BusyGuard busy(c);
            check(c.context->set_input_shape(name, dims_from_sequence(shape)));
          },
          py::arg("name"), py::arg("shape"))
      .def(
          "get_input_shape",
          [](Context& c, const std::string& name) {
            const int index = c.engine->input_index(name);
            if (index < 0) raise_error(not_found("the engine has no input \"", name, "\""));
            return dims_to_tuple(c.context->input_shape(index));
          },
          py::arg("name"))
      .def(
          "get_output_shape",
          [](Context& c, const std::string& name) {
            const int index = c.engine->output_index(name);
            if (index < 0) raise_error(not_found("the engine has no output \"", name, "\""));
            return dims_to_tuple(unwrap(c.context->output_shape(index)));
          },
          py::arg("name"))
      .def("set_tensor_address", &set_tensor_address, py::arg("name"), py::arg("address"),
           "Binds input or output `name` for enqueue(): a numpy array (host engines), a device "
           "array (__cuda_array_interface__ or __dlpack__: PyTorch, CuPy tensors; GPU engines), "
           "or an address (int). Arrays must have the tensor's current shape and dtype and be "
           "C-contiguous; they are kept alive until rebound.")
      .def(
          "get_tensor_address",
          [](const Context& c, const std::string& name) {
            return reinterpret_cast<uintptr_t>(c.context->tensor_address(name));
          },
          py::arg("name"))
      .def("enqueue", &enqueue, py::arg("stream") = py::none(),
           "Runs on the bound addresses, asynchronously on `stream` for a GPU engine (None: the "
           "context's own stream; an int cudaStream_t; a torch.cuda.Stream or any object with "
           "__cuda_stream__). A host engine runs at once and takes no stream.")
      .def(
          "execute_async_v3",
          [](Context& c, const py::object& stream_handle) { enqueue(c, stream_handle); },
          py::arg("stream_handle"), "TensorRT's name for enqueue(stream_handle).")
      .def(
          "synchronize",
          [](Context& c) { check(without_gil([&] { return c.context->synchronize(); })); },
          "Waits until the last enqueue() has finished.")
      .def_property_readonly("engine", [](const Context& c) { return c.engine_object; });

  py::class_<Runtime>(m, "Runtime", "Deserializes engines (TensorRT's IRuntime).")
      .def(py::init([](Logger& logger) { return Runtime{&logger}; }), py::arg("logger"),
           py::keep_alive<1, 2>())
      .def(
          "deserialize_engine",
          [](const Runtime& r, const py::bytes& bytes) {
            std::string_view view = bytes;
            return unwrap(without_gil([&] { return Engine::deserialize(view, *r.logger); }));
          },
          py::arg("plan"), py::keep_alive<0, 1>());
}

}  // namespace int8rt::python
