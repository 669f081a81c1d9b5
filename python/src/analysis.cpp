// analysis.h: top-1 evaluation and the FP32-vs-INT8 comparison, tensor by tensor. Data sources
// are SPEC strings, DataSource objects or numpy arrays (with `labels`).
#include "int8rt/analysis.h"

#include <string>

#include "bindings.h"

namespace int8rt::python {

void init_analysis(py::module_& m) {
  py::class_<Accuracy>(m, "Accuracy", "Top-1 accuracy: correct of total.")
      .def_readonly("correct", &Accuracy::correct)
      .def_readonly("total", &Accuracy::total)
      .def_property_readonly("value", &Accuracy::value)
      .def("__repr__", [](const Accuracy& a) {
        return "Accuracy(" + std::to_string(a.correct) + "/" + std::to_string(a.total) + ")";
      });
  py::class_<TensorComparison>(m, "TensorComparison",
                               "One tensor both engines compute; e = int8 - fp32.")
      .def_readonly("name", &TensorComparison::name)
      .def_readonly("layer", &TensorComparison::layer)
      .def_readonly("precision", &TensorComparison::precision)
      .def_property_readonly("shape",
                             [](const TensorComparison& t) { return dims_to_tuple(t.dims); })
      .def_readonly("count", &TensorComparison::count)
      .def_readonly("sqnr_db", &TensorComparison::sqnr_db)
      .def_readonly("cosine", &TensorComparison::cosine)
      .def_readonly("max_abs_error", &TensorComparison::max_abs_error)
      .def_readonly("nonfinite", &TensorComparison::nonfinite)
      .def_readonly("relative_l2", &TensorComparison::relative_l2)
      .def("__repr__", [](const TensorComparison& t) {
        return "TensorComparison(\"" + t.name + "\", sqnr_db=" + std::to_string(t.sqnr_db) + ")";
      });
  py::class_<Comparison>(m, "Comparison")
      .def_readonly("samples", &Comparison::samples)
      .def_readonly("tensors", &Comparison::tensors, "Worst first: ascending SQNR, then name.")
      .def_readonly("top1_agreement", &Comparison::top1_agreement)
      .def_readonly("labelled", &Comparison::labelled)
      .def_readonly("fp32_accuracy", &Comparison::fp32_accuracy)
      .def_readonly("int8_accuracy", &Comparison::int8_accuracy);

  m.def(
      "evaluate_top1",
      [](const Engine& engine, const py::object& data, const py::object& labels, int64_t batch_size,
         int64_t max_samples, ProgressMonitor* progress) {
        auto source = data_source_from(data, labels);
        return unwrap(without_gil([&] {
          return evaluate_top1(
              engine, *source,
              EvaluateOptions{
                  .batch_size = batch_size, .max_samples = max_samples, .progress = progress});
        }));
      },
      py::arg("engine"), py::arg("data"), py::arg("labels") = py::none(),
      py::arg("batch_size") = 32, py::arg("max_samples") = -1, py::arg("progress") = nullptr,
      "Top-1 accuracy of a classifier engine over a labelled source.");
  m.def(
      "compare_engines",
      [](const Engine& fp32, const Engine& int8, const py::object& data, const py::object& labels,
         int64_t batch_size, int64_t max_samples, ProgressMonitor* progress) {
        auto source = data_source_from(data, labels);
        return unwrap(without_gil([&] {
          return compare_engines(
              fp32, int8, *source,
              CompareOptions{
                  .batch_size = batch_size, .max_samples = max_samples, .progress = progress});
        }));
      },
      py::arg("fp32"), py::arg("int8"), py::arg("data"), py::arg("labels") = py::none(),
      py::arg("batch_size") = 32, py::arg("max_samples") = -1, py::arg("progress") = nullptr,
      "Runs both engines over the data and compares every tensor both compute.");
}

}  // namespace int8rt::python
