// status.h: a failed Status becomes int8rt.Error (a RuntimeError) carrying the StatusCode.
#include "int8rt/status.h"

#include "bindings.h"

namespace int8rt::python {

namespace {
PyObject* error_type = nullptr;
}

void raise_error(const Status& status, const py::object& cause) {
  py::object type = py::reinterpret_borrow<py::object>(error_type);
  py::object error = type(status.message());
  error.attr("code") = py::cast(status.code());
  if (!cause.is_none()) {
    error.attr("__cause__") = cause;
  }
  PyErr_SetObject(error_type, error.ptr());
  throw py::error_already_set();
}

void init_status(py::module_& m) {
  py::enum_<StatusCode>(m, "StatusCode", "Why an int8rt call failed (Error.code).")
      .value("OK", StatusCode::kOk)
      .value("INVALID_ARGUMENT", StatusCode::kInvalidArgument)
      .value("NOT_FOUND", StatusCode::kNotFound)
      .value("UNSUPPORTED", StatusCode::kUnsupported)
      .value("PARSE_ERROR", StatusCode::kParseError)
      .value("IO_ERROR", StatusCode::kIoError)
      .value("INTERNAL", StatusCode::kInternal)
      .value("RESOURCE_EXHAUSTED", StatusCode::kResourceExhausted);

  error_type = PyErr_NewExceptionWithDoc(
      "int8rt.Error",
      "A failed int8rt call. str(error) is the message (it names the file, node, tensor or input "
      "at fault); error.code is the StatusCode.",
      PyExc_RuntimeError, nullptr);
  m.attr("Error") = py::reinterpret_borrow<py::object>(error_type);
}

std::string describe_python_error(py::error_already_set& error) {
  std::string text;
  try {
    py::object trace =
        error.trace() ? py::reinterpret_borrow<py::object>(error.trace()) : py::none();
    py::object lines = py::module_::import("traceback")
                           .attr("format_exception")(error.type(), error.value(), trace);
    text = py::str("").attr("join")(lines).cast<std::string>();
  } catch (const std::exception&) {
    text = error.what();
  }
  while (!text.empty() && text.back() == '\n')
    text.pop_back();
  return std::string(py::str(error.type().attr("__name__"))) + ": " +
         std::string(py::str(error.value())) + "\n" + text;
}

}  // namespace int8rt::python
