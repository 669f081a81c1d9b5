// builder.h: Builder and BuilderConfig. Builds run without the GIL; a Python calibrator or logger
// takes it when called back. The config keeps the Python calibrator object alive while it is set.
#include "int8rt/builder.h"

#include <memory>
#include <string>

#include "bindings.h"

namespace int8rt::python {

namespace {

// Runs `work` (a builder call) without the GIL. On failure raises int8rt.Error; when a Python
// calibrator raised, its exception becomes the error's __cause__ and its traceback is in the
// message already.
template <typename T, typename F>
T run_build(const BuilderConfig& config, F&& work) {
  Result<T> result = without_gil([&] { return work(); });
  auto [cause, failure] = take_python_exception(config.int8_calibrator());
  if (!failure.is_ok()) {
    // The calibrator's error leads; where the build stopped on something else because of it
    // (get_batch_size() failing reads as batch size 0), that follows.
    const Status& status = result.is_ok() ? failure : result.status();
    if (status.message().find(failure.message()) != std::string::npos) {
      raise_error(status, cause);
    }
    raise_error(Status(failure.code(),
                       failure.message() + "\n(the build stopped: " + status.message() + ")"),
                cause);
  }
  if (!result.is_ok()) raise_error(result.status(), cause);
  return std::move(result).value();
}

}  // namespace

void init_builder(py::module_& m) {
  py::enum_<BuilderFlag>(m, "BuilderFlag")
      .value("INT8", BuilderFlag::kInt8)
      .value("OBEY_PRECISION_CONSTRAINTS", BuilderFlag::kObeyPrecisionConstraints)
      .value("FP16", BuilderFlag::kFp16);

  py::class_<BuilderConfig>(m, "BuilderConfig", py::dynamic_attr(),
                            "Flags, calibrator, backend and input shapes of a build.")
      .def(py::init<>())
      .def("set_flag", &BuilderConfig::set_flag, py::arg("flag"))
      .def("clear_flag", &BuilderConfig::clear_flag, py::arg("flag"))
      .def("get_flag", &BuilderConfig::get_flag, py::arg("flag"))
      .def_property("backend", &BuilderConfig::backend, &BuilderConfig::set_backend)
      .def(
          "set_input_shape",
          [](BuilderConfig& c, std::string name, const py::iterable& shape) {
            c.set_input_shape(std::move(name), dims_from_sequence(shape));
          },
          py::arg("name"), py::arg("shape"),
          "The shape to build input `name` for (resolves its dynamic axes).")
      .def_property_readonly("input_shapes",
                             [](const BuilderConfig& c) {
                               py::dict result;
                               for (const auto& [name, dims] : c.input_shapes())
                                 result[py::str(name)] = dims_to_tuple(dims);
                               return result;
                             })
      .def_property(
          "int8_calibrator",
          [](const py::object& self) -> py::object {
            return py::getattr(self, "_int8_calibrator", py::none());
          },
          [](const py::object& self, const py::object& calibrator) {
            auto& config = self.cast<BuilderConfig&>();
            if (calibrator.is_none()) {
              config.set_int8_calibrator(nullptr);
            } else {
              config.set_int8_calibrator(&calibrator.cast<Calibrator&>());
            }
            self.attr("_int8_calibrator") = calibrator;
          },
          "The calibrator of INT8 builds (an IInt8*Calibrator subclass or a StreamCalibrator); "
          "the config keeps it alive.")
      .def_property(
          "progress_monitor",
          [](const py::object& self) -> py::object {
            return py::getattr(self, "_progress_monitor", py::none());
          },
          [](const py::object& self, const py::object& monitor) {
            auto& config = self.cast<BuilderConfig&>();
            config.set_progress_monitor(monitor.is_none() ? nullptr
                                                          : &monitor.cast<ProgressMonitor&>());
            self.attr("_progress_monitor") = monitor;
          },
          "Receives the progress of calibration (an IProgressMonitor subclass or a "
          "TerminalProgress); the config keeps it alive.");

  py::class_<Builder>(m, "Builder", "Builds engines from networks.")
      .def(py::init([](const py::object& logger) {
             if (logger.is_none()) return std::make_unique<Builder>();
             return std::make_unique<Builder>(logger.cast<Logger&>());
           }),
           py::arg("logger") = py::none(), py::keep_alive<1, 2>())
      .def("create_network", &Builder::create_network,
           "A new, empty network (the flags argument of TensorRT is not needed).")
      .def("create_builder_config", &Builder::create_config)
      .def("create_config", &Builder::create_config)
      .def(
          "build",
          [](const Builder& b, const Network& network, const BuilderConfig& config) {
            return run_build<std::unique_ptr<Engine>>(config,
                                                      [&] { return b.build(network, config); });
          },
          py::arg("network"), py::arg("config"),
          "Builds an engine (calibrating first for an INT8 build with a calibrator).")
      .def(
          "build_engine",
          [](const Builder& b, const Network& network, const BuilderConfig& config) {
            return run_build<std::unique_ptr<Engine>>(config,
                                                      [&] { return b.build(network, config); });
          },
          py::arg("network"), py::arg("config"))
      .def(
          "build_serialized_network",
          [](const Builder& b, const Network& network, const BuilderConfig& config) {
            auto engine = run_build<std::unique_ptr<Engine>>(
                config, [&] { return b.build(network, config); });
            return py::bytes(unwrap(engine->serialize()));
          },
          py::arg("network"), py::arg("config"), "build(), serialized: the plan file's bytes.")
      .def(
          "calibrate",
          [](const Builder& b, const Network& network, const BuilderConfig& config) {
            return run_build<CalibrationReport>(config,
                                                [&] { return b.calibrate(network, config); });
          },
          py::arg("network"), py::arg("config"),
          "The range of every tensor an INT8 build would use (manual, cache or calibration).")
      .def(
          "analyze_calibration",
          [](const Builder& b, const Network& network, const BuilderConfig& config) {
            return run_build<CalibrationAnalysis>(
                config, [&] { return b.analyze_calibration(network, config); });
          },
          py::arg("network"), py::arg("config"))
      .def_property_readonly("platform_has_fast_int8",
                             [](const Builder& b) { return b.platform_has_fast_int8(); })
      .def_property_readonly("platform_has_fast_fp16",
                             [](const Builder& b) { return b.platform_has_fast_fp16(); })
      .def_property_readonly("platform_int8_speed",
                             [](const Builder& b) { return b.platform_int8_speed(); })
      .def(
          "platform",
          [](const Builder&, const std::string& backend) {
            return unwrap(get_backend_info(backend));
          },
          py::arg("backend"),
          "What `backend` is and how fast it runs INT8 and FP16 here (BackendInfo).");

  m.def(
      "parse_layer_precisions",
      [](const std::string& text, const std::string& source) {
        return unwrap(parse_layer_precisions(text, source));
      },
      py::arg("text"), py::arg("source") = "<memory>",
      "Per-layer precision requests ('layer: int8|fp32' lines) as [(name, DataType)].");
  m.def(
      "read_layer_precisions",
      [](const std::string& path) { return unwrap(read_layer_precisions(path)); }, py::arg("path"));
  m.def(
      "set_layer_precisions",
      [](Network& network, const py::object& precisions) {
        std::vector<LayerPrecision> list;
        if (py::isinstance<py::dict>(precisions)) {
          for (const auto& [name, type] : precisions.cast<py::dict>())
            list.emplace_back(py::str(name), type.cast<DataType>());
        } else {
          list = precisions.cast<std::vector<LayerPrecision>>();
        }
        check(set_layer_precisions(network, list));
      },
      py::arg("network"), py::arg("precisions"),
      "precisions: {layer name: DataType} or [(name, DataType)].");
}

}  // namespace int8rt::python
