// logger.h: int8rt.Logger. Logger(min_severity) prints messages at least that severe to stderr
// (default: warnings and errors); a Python subclass overriding log(severity, msg) receives every
// message instead (it is called from whatever thread logs, with the GIL taken; an exception it
// raises is reported as unraisable and otherwise ignored, since logging must not fail).
#include "int8rt/logger.h"

#include <string>

#include "bindings.h"

namespace int8rt::python {

namespace {

class PyLogger : public Logger {
 public:
  explicit PyLogger(Severity min_severity) : stderr_(min_severity) {}

  void log(Severity severity, std::string_view message) noexcept override {
    if (!Py_IsInitialized()) return;
    py::gil_scoped_acquire gil;
    try {
      py::function override = py::get_override(static_cast<const Logger*>(this), "log");
      if (override) {
        override(severity, py::str(message.data(), message.size()));
        return;
      }
    } catch (py::error_already_set& error) {
      error.discard_as_unraisable("int8rt.Logger.log");
      return;
    } catch (...) {
      return;
    }
    stderr_.log(severity, message);
  }

  StderrLogger& stderr_logger() { return stderr_; }

 private:
  StderrLogger stderr_;
};

}  // namespace

void init_logger(py::module_& m) {
  py::class_<Logger, PyLogger> logger(
      m, "Logger",
      "Receives the builder's, parser's and runtime's messages. Logger(min_severity=WARNING) "
      "prints those at least as severe as min_severity to stderr; subclass it and override "
      "log(severity, msg) to handle them yourself.");
  py::enum_<Logger::Severity>(logger, "Severity")
      .value("INTERNAL_ERROR", Logger::Severity::kInternalError)
      .value("ERROR", Logger::Severity::kError)
      .value("WARNING", Logger::Severity::kWarning)
      .value("INFO", Logger::Severity::kInfo)
      .value("VERBOSE", Logger::Severity::kVerbose)
      .export_values()
      .def(
          "__str__", [](Logger::Severity s) { return std::string(to_string(s)); }, py::prepend());
  logger
      .def(py::init_alias<Logger::Severity>(), py::arg("min_severity") = Logger::Severity::kWarning)
      .def_property(
          "min_severity",
          [](Logger& self) { return static_cast<PyLogger&>(self).stderr_logger().min_severity(); },
          [](Logger& self, Logger::Severity s) {
            static_cast<PyLogger&>(self).stderr_logger().set_min_severity(s);
          })
      .def(
          "log",
          [](Logger& self, Logger::Severity severity, const std::string& message) {
            // The base behaviour: the stderr logger (a subclass's override replaces this).
            static_cast<PyLogger&>(self).stderr_logger().log(severity, message);
          },
          py::arg("severity"), py::arg("msg"));
  m.attr("ILogger") = logger;
}

}  // namespace int8rt::python
