// progress.h: ProgressMonitor (TensorRT 10's IProgressMonitor) for Python subclasses, and the
// terminal progress bar. A monitor method that raises is reported through sys.unraisablehook; in
// step_complete that also cancels the work (as returning False does).
#include "int8rt/progress.h"

#include <string>

#include "bindings.h"

namespace int8rt::python {

namespace {

class PyProgressMonitor : public ProgressMonitor {
 public:
  void phase_start(std::string_view phase, int64_t total) override {
    py::gil_scoped_acquire gil;
    call("phase_start", std::string(phase), total);
  }
  bool step_complete(std::string_view phase, int64_t done, int64_t items) override {
    py::gil_scoped_acquire gil;
    py::object result = call("step_complete", std::string(phase), done, items);
    if (!result) return false;  // raised
    return result.is_none() || result.cast<bool>();
  }
  void phase_finish(std::string_view phase) override {
    py::gil_scoped_acquire gil;
    call("phase_finish", std::string(phase));
  }

 private:
  // The override's result (None when the subclass does not define the method), or a null object
  // when it raised.
  template <typename... Args>
  py::object call(const char* name, Args&&... args) {
    try {
      py::function override = py::get_override(static_cast<const ProgressMonitor*>(this), name);
      if (!override) return py::none();
      return override(std::forward<Args>(args)...);
    } catch (py::error_already_set& error) {
      error.discard_as_unraisable(name);
    } catch (const py::cast_error&) {
    }
    return py::object();
  }
};

}  // namespace

void init_progress(py::module_& m) {
  py::class_<ProgressMonitor, PyProgressMonitor>(
      m, "IProgressMonitor",
      "Progress of long work (calibration, evaluation, comparison). Subclass it and define "
      "phase_start(phase, total), step_complete(phase, done, items) -> bool (False cancels; None "
      "continues) and phase_finish(phase).")
      .def(py::init_alias<>());
  py::class_<TerminalProgress, ProgressMonitor>(
      m, "TerminalProgress", "A one-line bar with rate and ETA on stderr, when it is a terminal.")
      .def(py::init<>());
}

}  // namespace int8rt::python
