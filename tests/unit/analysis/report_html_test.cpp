// The HTML report's renderer: escaping of names into the page, numbers, histogram downsampling,
// the KL curve's minimum, and the per-tensor fields the page draws.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "analysis/report_assets.h"
#include "analysis/report_json.h"
#include "int8rt/report.h"

namespace int8rt {
namespace {

size_t count_occurrences(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++count;
  return count;
}

std::string lowercase(std::string text) {
  for (char& c : text)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

TEST(ReportJson, StringsCannotCloseTheScriptElement) {
  EXPECT_EQ(report::json_string("</script><!--x"), "\"\\u003c/script\\u003e\\u003c!--x\"");
  EXPECT_EQ(report::json_string("a&b"), "\"a\\u0026b\"");
  EXPECT_EQ(report::json_string("q\"b\\s"), "\"q\\\"b\\\\s\"");
  EXPECT_EQ(report::json_string("\n\t\x01\x7f"), "\"\\n\\t\\u0001\\u007f\"");
  // U+2028 and U+2029 are line terminators in older JavaScript.
  EXPECT_EQ(report::json_string("a\xE2\x80\xA8"
                                "b\xE2\x80\xA9"),
            "\"a\\u2028b\\u2029\"");
}

TEST(ReportJson, KeepsValidUtf8AndReplacesInvalidBytes) {
  const std::string micro = "\xC2\xB5", euro = "\xE2\x82\xAC", emoji = "\xF0\x9F\x98\x80";
  EXPECT_EQ(report::json_string(micro + euro + emoji), "\"" + micro + euro + emoji + "\"");
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(report::valid_utf8("a\xFF"
                               "b"),
            "a" + fffd + "b");
  // A truncated sequence (E2 82 without its last byte) is one maximal subpart: one U+FFFD.
  EXPECT_EQ(report::valid_utf8("x\xE2\x82"), "x" + fffd);
  EXPECT_EQ(report::valid_utf8("x\xE2\x82y"), "x" + fffd + "y");
  // Overlong C0 AF: C0 is never a lead byte, AF a lone continuation byte.
  EXPECT_EQ(report::valid_utf8("\xC0\xAF"), fffd + fffd);
  // Surrogates (ED A0 80) and code points past U+10FFFF (F4 90 80 80) are not UTF-8.
  EXPECT_EQ(report::valid_utf8("\xED\xA0\x80"), fffd + fffd + fffd);
  EXPECT_EQ(report::valid_utf8("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd);
  EXPECT_EQ(report::html_escape("<a href='x'>&\"\xFF"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;" + fffd);
}

TEST(ReportJson, NumbersRoundTripAndNonFiniteAreStrings) {
  EXPECT_EQ(report::json_number(INFINITY), "\"Infinity\"");
  EXPECT_EQ(report::json_number(-INFINITY), "\"-Infinity\"");
  EXPECT_EQ(report::json_number(NAN), "\"NaN\"");
  EXPECT_EQ(report::json_number(0.0), "0");
  EXPECT_EQ(report::json_number(-2.5), "-2.5");
  for (float value : {0.1f, 3.14159274f, 1e-30f, 123456.789f, 6.0221e23f}) {
    const std::string text = report::json_number(value);
    EXPECT_EQ(std::strtof(text.c_str(), nullptr), value) << text;
  }
  EXPECT_EQ(std::strtod(report::json_number(0.1, 17).c_str(), nullptr), 0.1);
}

TensorHistogram histogram(const std::string& name, size_t bins, double bin_width) {
  TensorHistogram h;
  h.name = name;
  h.bin_width = bin_width;
  for (size_t b = 0; b < bins; ++b)
    h.counts.push_back((b * 7919) % 13);  // a fixed, uneven pattern
  h.max_abs = static_cast<float>(static_cast<double>(bins) * bin_width);
  h.thresholds = {{CalibrationAlgorithm::kEntropy2, 1.0f},
                  {CalibrationAlgorithm::kMinMax, h.max_abs}};
  h.amax = 1.0f;
  return h;
}

// The text of `"key": [` ... `]` after the first occurrence of `"name": <name>`.
std::string array_after(const std::string& json, const std::string& name_json,
                        const std::string& key) {
  const size_t at = json.find("\"name\": " + name_json);
  if (at == std::string::npos) return "<no tensor " + name_json + ">";
  const size_t open = json.find("\"" + key + "\": [", at);
  if (open == std::string::npos) return "<no " + key + ">";
  const size_t start = json.find('[', open) + 1;
  return json.substr(start, json.find(']', start) - start);
}

TEST(ReportJson, HistogramsAreSummedInGroupsOfAdjacentBins) {
  for (const auto& [bins, max_bars] :
       {std::pair<size_t, int>{2048, 512}, {1001, 512}, {100, 512}, {7, 3}}) {
    CalibrationAnalysis analysis;
    analysis.tensors.push_back(histogram("t", bins, 0.01));
    ReportInputs inputs;
    inputs.calibration = analysis;
    ReportOptions options;
    options.max_histogram_bins = max_bars;
    const std::string json = report_json(inputs, options);
    // Expected: groups of ceil(bins / max_bars), summed by a naive loop.
    const size_t group = (bins + static_cast<size_t>(max_bars) - 1) / static_cast<size_t>(max_bars);
    std::string expected;
    for (size_t start = 0; start < bins; start += group) {
      uint64_t sum = 0;
      for (size_t b = start; b < bins && b < start + group; ++b)
        sum += (b * 7919) % 13;
      expected += (start ? "," : "") + std::to_string(sum);
    }
    EXPECT_EQ(array_after(json, "\"t\"", "counts"), expected)
        << bins << " bins, at most " << max_bars << " bars";
    EXPECT_NE(json.find("\"group\": " + std::to_string(group)), std::string::npos)
        << bins << " bins, at most " << max_bars << " bars";
  }
}

TEST(ReportJson, KlCurveKeepsItsMinimumAndLastPoint) {
  TensorHistogram h = histogram("kl", 2048, 0.5);
  const size_t points = 1921, best = 777;  // thresholds (i + 0.5)·w for i = 128..2048
  for (size_t k = 0; k < points; ++k) {
    h.entropy_amax.push_back(static_cast<float>((128.0 + static_cast<double>(k) + 0.5) * 0.5));
    h.entropy_divergence.push_back(k == best ? 0.001 : 1.0 + static_cast<double>(k % 10));
  }
  h.entropy_divergence[5] = INFINITY;  // never the minimum
  CalibrationAnalysis analysis;
  analysis.tensors.push_back(h);
  ReportInputs inputs;
  inputs.calibration = analysis;
  ReportOptions options;
  options.max_curve_points = 400;
  const std::string json = report_json(inputs, options);
  const std::string best_amax = report::json_number(h.entropy_amax[best], 7);
  EXPECT_NE(json.find("\"best_amax\": " + report::json_number(h.entropy_amax[best])),
            std::string::npos);
  const std::string xs = array_after(json, "\"kl\"", "amax");
  const std::string ys = array_after(json, "\"kl\"", "divergence");
  EXPECT_NE(("," + xs + ",").find("," + best_amax + ","), std::string::npos) << xs;
  EXPECT_NE(("," + ys + ",").find(",0.001,"), std::string::npos);
  // step = ceil(1921 / 400) = 5: indices 0, 5, ..., 1920 (385 points), plus 777.
  EXPECT_EQ(count_occurrences(xs, ",") + 1, 386u);
  EXPECT_NE(xs.find(report::json_number(h.entropy_amax[points - 1], 7)), std::string::npos);
  EXPECT_NE(ys.find("\"Infinity\""), std::string::npos);  // index 5 is kept, as a string
}

TEST(ReportJson, ClippedFractionsAndTheEngineRange) {
  TensorHistogram h;
  h.name = "conv1_out";
  h.bin_width = 1.0;
  h.counts = {10, 10, 10, 10};  // 40 values spread over [0, 4)
  h.zero_count = 40;            // 80 values in all
  h.max_abs = 4.0f;
  h.thresholds = {{CalibrationAlgorithm::kPercentile, 2.0f}, {CalibrationAlgorithm::kMse, 2.5f}};
  h.amax = 3.0f;
  CalibrationAnalysis analysis;
  analysis.tensors.push_back(h);
  ReportInputs inputs;
  inputs.calibration = analysis;
  LayerInfo layer;
  layer.name = "conv1";
  layer.precision = DataType::kInt8;
  layer.int8_outputs = {{"conv1_out", 3.5f / 127.0f}};
  inputs.layers.push_back(layer);
  const std::string json = report_json(inputs);
  // Above 2.0: bins [2,3) and [3,4): 20 of 80. Above 2.5: half of [2,3) and all of [3,4): 15/80.
  EXPECT_NE(json.find("{\"algorithm\": \"percentile\", \"amax\": 2, \"clipped\": 0.25}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("{\"algorithm\": \"mse\", \"amax\": 2.5, \"clipped\": 0.1875}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"clipped_amax\": 0.125"), std::string::npos) << json;  // 10/80 above 3
  EXPECT_NE(json.find("\"engine_amax\": " + report::json_number(3.5f / 127.0f * 127.0f)),
            std::string::npos)
      << json;
  // Above the engine's 3.5 (3.5/127 · 127 in float): half of [3,4): 5 of 80.
  EXPECT_NE(json.find("\"clipped_engine\": 0.0625"), std::string::npos) << json;
}

// A tensor needed in both dtypes is read by INT8 layers as its copy "t:int8": the histogram of t
// still shows the engine's range.
TEST(ReportJson, EngineRangeOfAnInt8Copy) {
  TensorHistogram h;
  h.name = "norm";
  h.bin_width = 1.0;
  h.counts = {4, 4};
  h.max_abs = 2.0f;
  h.amax = 2.0f;
  CalibrationAnalysis analysis;
  analysis.tensors.push_back(h);
  ReportInputs inputs;
  inputs.calibration = analysis;
  LayerInfo layer;
  layer.name = "conv1";
  layer.precision = DataType::kInt8;
  layer.int8_inputs = {{"norm:int8", 1.5f / 127.0f}};
  inputs.layers.push_back(layer);
  const std::string json = report_json(inputs);
  EXPECT_NE(json.find("\"engine_amax\": " + report::json_number(1.5f / 127.0f * 127.0f)),
            std::string::npos)
      << json;
}

ReportInputs hostile_inputs() {
  ReportInputs inputs;
  inputs.model = "</title><script>alert(1)</script>.onnx";
  CalibrationAnalysis analysis;
  for (const char* name : {"</script><script>alert(1)</script>", "a\"b&c<!--", "plain", "\xFF\xFE"})
    analysis.tensors.push_back(histogram(name, 300, 0.02));
  inputs.calibration = analysis;
  Comparison comparison;
  comparison.samples = 10;
  TensorComparison exact;
  exact.name = "</SCRIPT >";
  exact.sqnr_db = INFINITY;
  exact.cosine = 1.0;
  comparison.tensors.push_back(exact);
  inputs.comparison = comparison;
  LayerInfo layer;
  layer.name = "</script>";
  layer.op = "Conv";
  layer.kernel = "reference.conv";
  inputs.layers.push_back(layer);
  return inputs;
}

TEST(ReportHtml, NamesNeverBreakOutOfTheirElements) {
  const std::string page = render_report_html(hostile_inputs());
  const std::string lower = lowercase(page);
  // Only the page's own two script elements close; no comment opens.
  EXPECT_EQ(count_occurrences(lower, "</script"), 2u);
  EXPECT_EQ(count_occurrences(lower, "<script"), 2u);
  EXPECT_EQ(count_occurrences(lower, "<!--"), 0u);
  EXPECT_EQ(count_occurrences(lower, "</title"), 1u);
  EXPECT_NE(page.find("<title>int8rt report: &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
                      ".onnx</title>"),
            std::string::npos);
  EXPECT_NE(page.find("\"sqnr_db\": \"Infinity\""), std::string::npos);
  EXPECT_EQ(page.find('\xFF'), std::string::npos);  // invalid UTF-8 replaced
}

TEST(ReportHtml, EmbedsEveryTensorAndTheAssets) {
  const ReportInputs inputs = hostile_inputs();
  const std::string page = render_report_html(inputs);
  EXPECT_NE(page.find("\"charts_per_tensor\": " + std::to_string(kReportChartsPerTensor)),
            std::string::npos);
  EXPECT_EQ(count_occurrences(page, "\"kl\": {"), inputs.calibration->tensors.size());
  EXPECT_EQ(count_occurrences(page, "\"source_bins\": 300"), inputs.calibration->tensors.size());
  EXPECT_NE(page.find(std::string(report::page_script())), std::string::npos);
  EXPECT_NE(page.find(std::string(report::page_style())), std::string::npos);
  EXPECT_GT(report::page_script().size(), 1000u);
  // The embedded sources themselves can't end their elements early, and load nothing.
  EXPECT_EQ(lowercase(std::string(report::page_script())).find("</script"), std::string::npos);
  EXPECT_EQ(lowercase(std::string(report::page_style())).find("</style"), std::string::npos);
  for (const char* remote : {"http://", "https://", "@import", "url("}) {
    EXPECT_EQ(page.find(remote), std::string::npos) << remote;
  }
  EXPECT_NE(page.find("Content-Security-Policy"), std::string::npos);
}

TEST(ReportHtml, SectionsWithoutDataAreNull) {
  ReportInputs inputs;
  inputs.model = "m.onnx";
  const std::string json = report_json(inputs);
  EXPECT_NE(json.find("\"calibration\": null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"comparison\": null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"layers\": []"), std::string::npos) << json;
}

}  // namespace
}  // namespace int8rt
