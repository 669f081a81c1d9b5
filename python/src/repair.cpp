// repair.h: repair_precision (the layers to keep in FP32 so INT8 meets an accuracy target) and the
// layer-precisions file. The search runs without the GIL; a Python calibrator, progress monitor
// or `evaluate` callable takes it when called back.
//
// A Python `evaluate(engine, data, batch_size)` is called for every top-1 evaluation the search
// makes (the FP32 and INT8 references, each greedy step, each pruning trial). It returns an
// Accuracy or a (correct, total) pair. What it raises stops the search: the binding raises
// int8rt.Error with the traceback in its message and the exception as __cause__, as a raising
// calibrator does. `engine` and `data` are the search's own objects, valid during the call only.
#include "int8rt/repair.h"

#include <memory>
#include <string>
#include <utility>

#include "bindings.h"

namespace int8rt::python {

namespace {

// The Python `evaluate` callable of one repair_precision call and the first exception it raised.
// Lives in the binding's frame; the std::function holds a pointer to it, so copying the options
// inside the search (without the GIL) touches no Python reference count.
class PythonEvaluate {
 public:
  explicit PythonEvaluate(py::object function) : function_(std::move(function)) {}

  Result<Accuracy> operator()(const Engine& engine, DataSource& data, int64_t batch_size) {
    py::gil_scoped_acquire gil;
    if (!failure_.is_ok()) return failure_;
    try {
      // Borrowed: the search owns both, and frees them after the call.
      py::object py_engine = py::cast(&engine, py::return_value_policy::reference);
      py::object py_data = py::cast(std::shared_ptr<DataSource>(&data, [](DataSource*) {}));
      py::object value = function_(py_engine, py_data, batch_size);
      return accuracy_of(value);
    } catch (py::error_already_set& error) {
      return remember(error);
    } catch (const py::cast_error& error) {
      PyErr_SetString(PyExc_TypeError, error.what());
      py::error_already_set converted;
      return remember(converted);
    }
  }

  // The exception raised (None when there is none) and the error made of it.
  std::pair<py::object, Status> failure() const {
    return {exception_ ? exception_ : py::none(), failure_};
  }

 private:
  Result<Accuracy> accuracy_of(const py::object& value) {
    if (py::isinstance<Accuracy>(value)) return value.cast<Accuracy>();
    if (py::isinstance<py::tuple>(value) || py::isinstance<py::list>(value)) {
      auto pair = value.cast<py::sequence>();
      if (pair.size() == 2) {
        Accuracy a{pair[0].cast<int64_t>(), pair[1].cast<int64_t>()};
        if (a.total < 0 || a.correct < 0 || a.correct > a.total) {
          return bad_value("returned (" + std::to_string(a.correct) + ", " +
                           std::to_string(a.total) + "), expected 0 <= correct <= total");
        }
        return a;
      }
    }
    return bad_value("returned a " + std::string(py::str(value.get_type().attr("__name__"))) +
                     ", expected an Accuracy or a (correct, total) pair");
  }

  Status bad_value(const std::string& message) {
    PyErr_SetString(PyExc_TypeError, message.c_str());
    py::error_already_set error;
    return remember(error);
  }

  Status remember(py::error_already_set& error) {
    exception_ = error.value();
    failure_ =
        invalid_argument("repair: the evaluate callable raised ", describe_python_error(error));
    return failure_;
  }

  py::object function_;
  py::object exception_;
  Status failure_;
};

// Raises for a failed search. An exception from the evaluate callable or the calibrator leads and
// becomes the error's __cause__; the search's own error follows where it differs.
[[noreturn]] void raise_repair_error(const Status& status,
                                     const std::pair<py::object, Status>& python) {
  const auto& [cause, failure] = python;
  if (failure.is_ok()) raise_error(status);
  if (status.is_ok() || status.message().find(failure.message()) != std::string::npos) {
    raise_error(failure, cause);
  }
  raise_error(Status(failure.code(),
                     failure.message() + "\n(the repair stopped: " + status.message() + ")"),
              cause);
}

std::string percent(const Accuracy& a) {
  return std::to_string(a.correct) + "/" + std::to_string(a.total);
}

}  // namespace

void init_repair(py::module_& m) {
  py::enum_<SensitivityMeasure>(m, "SensitivityMeasure",
                                "How a layer's sensitivity is measured on the subset.")
      .value("ACCURACY", SensitivityMeasure::kAccuracy)
      .value("OUTPUT_ERROR", SensitivityMeasure::kOutputError)
      .def(
          "__str__", [](SensitivityMeasure v) { return std::string(to_string(v)); }, py::prepend());
  py::enum_<Isolation>(m, "Isolation", "The engine each layer is measured on.")
      .value("LAYER_FP32", Isolation::kLayerFp32)
      .value("LAYER_INT8", Isolation::kLayerInt8)
      .def(
          "__str__", [](Isolation v) { return std::string(to_string(v)); }, py::prepend());

  py::class_<RepairOptions>(
      m, "RepairOptions", py::dynamic_attr(),
      "Options of repair_precision; exactly one of target_accuracy and max_drop (fractions) must "
      "be >= 0.")
      .def(py::init([](double target_accuracy, double max_drop, int max_layers,
                       SensitivityMeasure measure, Isolation isolation, int64_t sensitivity_samples,
                       int64_t max_samples, bool prune, int64_t batch_size, int64_t latency_batch,
                       int latency_iterations) {
             RepairOptions o;
             o.target_accuracy = target_accuracy;
             o.max_drop = max_drop;
             o.max_layers = max_layers;
             o.measure = measure;
             o.isolation = isolation;
             o.sensitivity_samples = sensitivity_samples;
             o.max_samples = max_samples;
             o.prune = prune;
             o.batch_size = batch_size;
             o.latency_batch = latency_batch;
             o.latency_iterations = latency_iterations;
             return o;
           }),
           py::kw_only(), py::arg("target_accuracy") = -1.0, py::arg("max_drop") = -1.0,
           py::arg("max_layers") = 10, py::arg("measure") = SensitivityMeasure::kOutputError,
           py::arg("isolation") = Isolation::kLayerFp32, py::arg("sensitivity_samples") = 1000,
           py::arg("max_samples") = -1, py::arg("prune") = true, py::arg("batch_size") = 32,
           py::arg("latency_batch") = 1, py::arg("latency_iterations") = 50)
      .def_readwrite("target_accuracy", &RepairOptions::target_accuracy)
      .def_readwrite("max_drop", &RepairOptions::max_drop)
      .def_readwrite("max_layers", &RepairOptions::max_layers)
      .def_readwrite("measure", &RepairOptions::measure)
      .def_readwrite("isolation", &RepairOptions::isolation)
      .def_readwrite("sensitivity_samples", &RepairOptions::sensitivity_samples)
      .def_readwrite("max_samples", &RepairOptions::max_samples)
      .def_readwrite("prune", &RepairOptions::prune)
      .def_readwrite("batch_size", &RepairOptions::batch_size)
      .def_readwrite("latency_batch", &RepairOptions::latency_batch)
      .def_readwrite("latency_iterations", &RepairOptions::latency_iterations)
      // Kept as Python attributes; repair_precision wires them into the C++ options per call.
      .def_property(
          "evaluate",
          [](const py::object& self) -> py::object {
            return py::getattr(self, "_evaluate", py::none());
          },
          [](const py::object& self, const py::object& function) {
            if (!function.is_none() && !PyCallable_Check(function.ptr())) {
              throw py::type_error("RepairOptions.evaluate must be callable or None");
            }
            self.attr("_evaluate") = function;
          },
          "evaluate(engine, data, batch_size) -> Accuracy or (correct, total); None for "
          "evaluate_top1. engine and data are valid during the call only.")
      .def_property(
          "progress",
          [](const py::object& self) -> py::object {
            return py::getattr(self, "_progress", py::none());
          },
          [](const py::object& self, const py::object& monitor) {
            if (!monitor.is_none()) (void)monitor.cast<ProgressMonitor&>();
            self.attr("_progress") = monitor;
          },
          "A progress monitor for the phases \"sensitivity\" and \"repair\", or None.");

  py::class_<LayerSensitivity>(m, "LayerSensitivity",
                               "One INT8 layer of the all-INT8 engine and what isolating it "
                               "measured on the sensitivity subset.")
      .def_readonly("layer", &LayerSensitivity::layer)
      .def_readonly("members", &LayerSensitivity::members)
      .def_readonly("op", &LayerSensitivity::op)
      .def_readonly("accuracy", &LayerSensitivity::accuracy)
      .def_readonly("output_error", &LayerSensitivity::output_error)
      .def_readonly("sensitivity", &LayerSensitivity::sensitivity)
      .def("__repr__", [](const LayerSensitivity& s) {
        return "LayerSensitivity(\"" + s.layer +
               "\", sensitivity=" + std::to_string(s.sensitivity) + ")";
      });
  py::class_<RepairStep>(m, "RepairStep", "The first `layers` of the ranking kept in FP32.")
      .def_readonly("layers", &RepairStep::layers)
      .def_readonly("accuracy", &RepairStep::accuracy)
      .def("__repr__", [](const RepairStep& s) {
        return "RepairStep(" + std::to_string(s.layers) + ", " + percent(s.accuracy) + ")";
      });
  py::class_<RepairResult>(m, "RepairResult")
      .def_readonly("target", &RepairResult::target)
      .def_readonly("target_met", &RepairResult::target_met)
      .def_readonly("fp32_accuracy", &RepairResult::fp32_accuracy)
      .def_readonly("int8_accuracy", &RepairResult::int8_accuracy)
      .def_readonly("repaired_accuracy", &RepairResult::repaired_accuracy)
      .def_readonly("fp32_latency_ms", &RepairResult::fp32_latency_ms)
      .def_readonly("int8_latency_ms", &RepairResult::int8_latency_ms)
      .def_readonly("repaired_latency_ms", &RepairResult::repaired_latency_ms)
      .def_readonly("int8_layers", &RepairResult::int8_layers)
      .def_readonly("repaired_int8_layers", &RepairResult::repaired_int8_layers)
      .def_readonly("sensitivities", &RepairResult::sensitivities, "Most sensitive first.")
      .def_readonly("chosen", &RepairResult::chosen,
                    "Engine layers kept in FP32, in ranking order.")
      .def_readonly("precisions", &RepairResult::precisions,
                    "Their network layers as [(name, DataType.FLOAT)], for the file.")
      .def_readonly("steps", &RepairResult::steps)
      .def_readonly("pruned", &RepairResult::pruned)
      .def_readonly("sensitivity_samples", &RepairResult::sensitivity_samples)
      .def_readonly("evaluation_samples", &RepairResult::evaluation_samples)
      .def_readonly("builds", &RepairResult::builds)
      .def_readonly("evaluations", &RepairResult::evaluations)
      .def_readonly("calibration_seconds", &RepairResult::calibration_seconds)
      .def_readonly("seconds", &RepairResult::seconds)
      .def_readonly("message", &RepairResult::message)
      .def(
          "write_layer_precisions",
          [](const RepairResult& r, const std::string& path, const std::string& comment) {
            check(write_layer_precisions(path, r.precisions, comment));
          },
          py::arg("path"), py::arg("comment") = "",
          "Writes `precisions` as a layer-precisions file (read_layer_precisions, int8rt build "
          "--layer-precisions).")
      .def("__repr__", [](const RepairResult& r) {
        return "RepairResult(target_met=" + std::string(r.target_met ? "True" : "False") +
               ", int8 " + percent(r.int8_accuracy) + ", repaired " + percent(r.repaired_accuracy) +
               ", " + std::to_string(r.chosen.size()) + " layers FP32)";
      });

  m.def(
      "repair_precision",
      [](const Builder& builder, const Network& network, const BuilderConfig& config,
         const py::object& data, const py::object& options, const py::object& labels,
         const py::kwargs& kwargs) {
        py::object opts = options;
        if (opts.is_none()) {
          opts = py::cast(RepairOptions{}, py::return_value_policy::move);
        } else if (!py::isinstance<RepairOptions>(opts)) {
          throw py::type_error("repair_precision: options must be a RepairOptions");
        } else if (kwargs.size() > 0) {
          throw py::type_error("repair_precision: give options or keyword options, not both");
        }
        for (const auto& [key, value] : kwargs) {
          const std::string name = py::str(key);
          if (!py::hasattr(opts, name.c_str()) || name.front() == '_') {
            throw py::type_error("repair_precision: no option \"" + name + "\"");
          }
          opts.attr(key) = value;
        }
        RepairOptions cpp = opts.cast<RepairOptions>();
        py::object evaluate = opts.attr("evaluate");
        py::object progress = opts.attr("progress");
        cpp.progress = progress.is_none() ? nullptr : &progress.cast<ProgressMonitor&>();
        PythonEvaluate python_evaluate(evaluate);
        if (!evaluate.is_none()) {
          cpp.evaluate = [&python_evaluate](const Engine& engine, DataSource& source,
                                            int64_t batch_size) {
            return python_evaluate(engine, source, batch_size);
          };
        }
        auto source = data_source_from(data, labels);
        Result<RepairResult> result =
            without_gil([&] { return repair_precision(builder, network, config, *source, cpp); });
        // Both are taken, so a failed calibrator does not fail the next build it is used in.
        auto calibrator = take_python_exception(config.int8_calibrator());
        auto python = python_evaluate.failure();
        if (python.second.is_ok()) python = std::move(calibrator);
        if (!python.second.is_ok()) raise_repair_error(result.status(), python);
        if (!result.is_ok()) raise_error(result.status());
        return std::move(result).value();
      },
      py::arg("builder"), py::arg("network"), py::arg("config"), py::arg("data"),
      py::arg("options") = py::none(), py::arg("labels") = py::none(),
      "The fewest layers to keep in FP32 so the INT8 engine meets an accuracy target on a "
      "labelled set. config: INT8 with a calibrator and/or ranges set on the network. data: a "
      "SPEC, a DataSource or a numpy array with `labels`. options: a RepairOptions, or its "
      "fields as keywords (max_drop=0.005, ...).");

  m.def("format_layer_precisions", &format_layer_precisions, py::arg("precisions"),
        py::arg("comment") = "",
        "The layer-precisions file text: '# comment' lines, then 'name: fp32|int8' lines.");
  m.def(
      "write_layer_precisions",
      [](const std::string& path, const std::vector<LayerPrecision>& precisions,
         const std::string& comment) { check(write_layer_precisions(path, precisions, comment)); },
      py::arg("path"), py::arg("precisions"), py::arg("comment") = "",
      "Writes the layer-precisions file atomically.");
}

}  // namespace int8rt::python
