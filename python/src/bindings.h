// Shared by the binding files: one init function per public header, the Status -> int8rt.Error
// conversion, and numpy <-> int8rt type conversions.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "int8rt/status.h"
#include "int8rt/types.h"

namespace int8rt {
class Calibrator;
class DataSource;
}  // namespace int8rt

namespace int8rt::python {

namespace py = pybind11;

void init_status(py::module_& m);
void init_types(py::module_& m);
void init_backends(py::module_& m);
void init_logger(py::module_& m);
void init_attrs(py::module_& m);
void init_network(py::module_& m);
void init_engine(py::module_& m);
void init_calibrator(py::module_& m);
void init_data(py::module_& m);
void init_builder(py::module_& m);
void init_onnx_parser(py::module_& m);
void init_progress(py::module_& m);
void init_analysis(py::module_& m);
void init_repair(py::module_& m);
void init_report(py::module_& m);

// Raised for a failed Status as int8rt.Error("<message>"), with `.code` set to the StatusCode.
// Must be called with the GIL held.
// `cause`, when given, becomes the exception's __cause__ (e.g. the exception a Python calibrator
// raised during the build).
[[noreturn]] void raise_error(const Status& status, const py::object& cause = py::none());

// "<Type>: <message>" and the formatted traceback of a Python exception caught in C++, for a
// Status that stops the work Python code was called from. Needs the GIL.
std::string describe_python_error(py::error_already_set& error);

// fn() run without the GIL, which is taken back before returning or throwing. Used instead of
// py::gil_scoped_release: at interpreter exit, Python ends a daemon thread that asks for the GIL
// back by unwinding its stack (pthread_exit), and that unwinding must not pass through a
// destructor (noexcept: std::terminate, "terminate called without an active exception").
template <typename Fn>
auto without_gil(Fn&& fn) -> decltype(fn()) {
  PyThreadState* state = PyEval_SaveThread();
  std::optional<decltype(fn())> result;
  try {
    result.emplace(fn());
  } catch (...) {
    PyEval_RestoreThread(state);
    throw;
  }
  PyEval_RestoreThread(state);  // outside the try: the unwinding it may start must pass
  return std::move(*result);
}

inline void check(const Status& status) {
  if (!status.is_ok()) raise_error(status);
}
template <typename T>
T unwrap(Result<T>&& result) {
  if (!result.is_ok()) raise_error(result.status());
  return std::move(result).value();
}

// numpy dtype of an int8rt DataType, and back (an error naming `what` for dtypes int8rt lacks).
py::dtype to_numpy_dtype(DataType type);
DataType from_numpy_dtype(const py::dtype& dtype, const std::string& what);

// Dims <-> tuple of ints.
py::tuple dims_to_tuple(const Dims& dims);
Dims dims_from_sequence(const py::handle& sequence);

// A numpy array copying `weights` (owned by Python).
py::array weights_to_array(const Weights& weights);
// Weights copying a numpy array (any layout; converted to C order).
Weights weights_from_array(const py::array& array, const std::string& what);

// A DataSource from a SPEC string, a DataSource object (shared with Python) or a numpy array
// [N, sample...] (float32; float64 converted) with optional labels.
std::unique_ptr<DataSource> data_source_from(const py::object& source,
                                             const py::object& labels = py::none());

// The exception a Python calibrator raised inside the last C++ call (None when there is none)
// and the error Status made of it (message with the traceback); both are forgotten afterwards.
std::pair<py::object, Status> take_python_exception(Calibrator* calibrator);

}  // namespace int8rt::python
