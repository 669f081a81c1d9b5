// The calibration and accuracy report: one self-contained HTML page (no network access, no
// libraries: inline CSS and a hand-written script drawing on <canvas>) showing, for each tensor,
// its |x| histogram with every calibrator's threshold and the KL-divergence curve behind the
// entropy choice; the layer-wise FP32-vs-INT8 error table; the engine's layers; and a summary
// (docs/report.md).
//
//   ReportInputs inputs;
//   inputs.model = "lenet5_mnist.onnx";
//   inputs.calibration = builder.analyze_calibration(*network, *config).value();
//   inputs.comparison = compare_engines(*fp32, *int8, *data).value();
//   inputs.layers = int8->layers();
//   std::string html = render_report_html(inputs);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "int8rt/analysis.h"
#include "int8rt/calibrator.h"
#include "int8rt/engine.h"

namespace int8rt {

struct ReportInputs {
  std::string title;             // the page title; "int8rt report: <model>" when empty
  std::string model;             // the model's file (shown as given)
  std::string calibration_data;  // the calibration data SPEC, or ""
  std::string comparison_data;   // the compared data SPEC, or ""
  std::string engine;            // the plan file the INT8 engine came from, or "" when built
  std::string backend;           // the INT8 engine's backend
  // Each section is shown when its data is there.
  std::optional<CalibrationAnalysis> calibration;
  std::optional<Comparison> comparison;
  std::vector<LayerInfo> layers;  // the INT8 engine's
  // Free-form "key: value" lines for the summary (calibration time, batch size, ...).
  std::vector<std::pair<std::string, std::string>> notes;
};

struct ReportOptions {
  // Histograms are drawn from at most this many bars: adjacent bins are summed in groups of
  // ceil(bins / max_histogram_bins). The thresholds are drawn at their exact values.
  int max_histogram_bins = 512;
  // The KL-divergence curve keeps every k-th point (k = ceil(points / max_curve_points)), and
  // always its minimum.
  int max_curve_points = 400;
};

// The data the page draws, as the JSON object embedded in it (see docs/report.md for its fields).
// Non-finite numbers are the strings "Infinity", "-Infinity" and "NaN"; strings are escaped so the
// text can sit inside a <script> element ('<', '>', '&' as \u escapes; invalid UTF-8 as U+FFFD).
std::string report_json(const ReportInputs& inputs, const ReportOptions& options = {});

// The whole page.
std::string render_report_html(const ReportInputs& inputs, const ReportOptions& options = {});
// The page written to `path` (write_file_atomic); its size in bytes.
Result<size_t> write_report_html(const std::string& path, const ReportInputs& inputs,
                                 const ReportOptions& options = {});

// Charts the page draws per tensor of inputs.calibration: the histogram and the KL curve.
inline constexpr int kReportChartsPerTensor = 2;

}  // namespace int8rt
