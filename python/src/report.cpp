// report.h: the calibration and accuracy report page (render_report_html) and its JSON, from the
// objects the other bindings return: Builder.analyze_calibration, compare_engines, Engine.layers.
#include "int8rt/report.h"

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bindings.h"

namespace int8rt::python {

namespace {

using Notes = std::vector<std::pair<std::string, std::string>>;

// {key: value} (in its order) or [(key, value)], values turned into text with str().
Notes notes_from(const py::object& notes) {
  Notes result;
  if (notes.is_none()) return result;
  if (py::isinstance<py::dict>(notes)) {
    for (const auto& [key, value] : notes.cast<py::dict>())
      result.emplace_back(py::str(key), py::str(value));
    return result;
  }
  for (const py::handle& item : notes.cast<py::iterable>()) {
    auto pair = item.cast<py::sequence>();
    if (pair.size() != 2) throw py::value_error("ReportInputs.notes: expected (key, value) pairs");
    result.emplace_back(py::str(pair[0]), py::str(pair[1]));
  }
  return result;
}

ReportOptions report_options(int max_histogram_bins, int max_curve_points) {
  if (max_histogram_bins < 1 || max_curve_points < 1) {
    raise_error(invalid_argument("report: max_histogram_bins (", max_histogram_bins,
                                 ") and max_curve_points (", max_curve_points,
                                 ") must be at least 1"));
  }
  return ReportOptions{.max_histogram_bins = max_histogram_bins,
                       .max_curve_points = max_curve_points};
}

std::string render(const ReportInputs& inputs, int max_histogram_bins, int max_curve_points) {
  const ReportOptions options = report_options(max_histogram_bins, max_curve_points);
  return without_gil([&] { return render_report_html(inputs, options); });
}

}  // namespace

void init_report(py::module_& m) {
  py::class_<ReportInputs>(m, "ReportInputs",
                           "What the report shows; each section appears when its data is set.")
      .def(py::init([](std::string title, std::string model, std::string calibration_data,
                       std::string comparison_data, std::string engine, std::string backend,
                       std::optional<CalibrationAnalysis> calibration,
                       std::optional<Comparison> comparison, std::vector<LayerInfo> layers,
                       const py::object& notes) {
             ReportInputs inputs;
             inputs.title = std::move(title);
             inputs.model = std::move(model);
             inputs.calibration_data = std::move(calibration_data);
             inputs.comparison_data = std::move(comparison_data);
             inputs.engine = std::move(engine);
             inputs.backend = std::move(backend);
             inputs.calibration = std::move(calibration);
             inputs.comparison = std::move(comparison);
             inputs.layers = std::move(layers);
             inputs.notes = notes_from(notes);
             return inputs;
           }),
           py::kw_only(), py::arg("title") = "", py::arg("model") = "",
           py::arg("calibration_data") = "", py::arg("comparison_data") = "",
           py::arg("engine") = "", py::arg("backend") = "", py::arg("calibration") = py::none(),
           py::arg("comparison") = py::none(), py::arg("layers") = std::vector<LayerInfo>{},
           py::arg("notes") = py::none(),
           "calibration: Builder.analyze_calibration(...); comparison: compare_engines(...); "
           "layers: the INT8 engine's layers(); notes: {key: value} or [(key, value)] for the "
           "summary; engine: the plan file the INT8 engine came from, if any.")
      .def_readwrite("title", &ReportInputs::title)
      .def_readwrite("model", &ReportInputs::model)
      .def_readwrite("calibration_data", &ReportInputs::calibration_data)
      .def_readwrite("comparison_data", &ReportInputs::comparison_data)
      .def_readwrite("engine", &ReportInputs::engine)
      .def_readwrite("backend", &ReportInputs::backend)
      .def_readwrite("calibration", &ReportInputs::calibration)
      .def_readwrite("comparison", &ReportInputs::comparison)
      .def_readwrite("layers", &ReportInputs::layers, "A copy: assign a new list to change it.")
      .def_property(
          "notes", [](const ReportInputs& r) { return r.notes; },
          [](ReportInputs& r, const py::object& notes) { r.notes = notes_from(notes); },
          "[(key, value)]; assign a dict or a list of pairs.");

  m.def(
      "render_report_html",
      [](const ReportInputs& inputs, int max_histogram_bins, int max_curve_points) {
        return render(inputs, max_histogram_bins, max_curve_points);
      },
      py::arg("inputs"), py::arg("max_histogram_bins") = 512, py::arg("max_curve_points") = 400,
      "The self-contained HTML page (docs/report.md); its data is the JSON in the element "
      "<script id=\"report-data\">.");
  m.def(
      "report_json",
      [](const ReportInputs& inputs, int max_histogram_bins, int max_curve_points) {
        const ReportOptions options = report_options(max_histogram_bins, max_curve_points);
        return without_gil([&] { return report_json(inputs, options); });
      },
      py::arg("inputs"), py::arg("max_histogram_bins") = 512, py::arg("max_curve_points") = 400,
      "The data the page draws, as JSON text.");
  m.def(
      "write_report",
      [](const std::string& path, const ReportInputs& inputs, int max_histogram_bins,
         int max_curve_points) {
        const ReportOptions options = report_options(max_histogram_bins, max_curve_points);
        Result<size_t> written =
            without_gil([&] { return write_report_html(path, inputs, options); });
        check(written.status());
        return *written;
      },
      py::arg("path"), py::arg("inputs"), py::arg("max_histogram_bins") = 512,
      py::arg("max_curve_points") = 400,
      "render_report_html(inputs) written to `path` (atomically); returns its size in bytes.");
  m.attr("REPORT_CHARTS_PER_TENSOR") = kReportChartsPerTensor;
}

}  // namespace int8rt::python
