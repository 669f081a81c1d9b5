// Writes a report page whose names try every way out of their place in the page (closing the
// data's <script> element, opening a comment, markup, quotes, invalid UTF-8, line separators),
// for escaping_test.mjs to open in Chromium. Prints the names, as the page should show them, as
// JSON lines: {"tensor": ...} per histogram, then {"title": ...}.
//
//   report_hostile_page OUT.html > expected.jsonl
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "int8rt/report.h"

namespace {

// The names, and what the page must show for each (invalid UTF-8 becomes U+FFFD).
struct Name {
  std::string raw;
  std::string shown;
};

const std::vector<Name> kNames = {
    {"</script><script>window.pwned = 1</script>", "</script><script>window.pwned = 1</script>"},
    {"<img src=x onerror=\"window.pwned = 2\">", "<img src=x onerror=\"window.pwned = 2\">"},
    {"<!-- a\"b'c&amp;d \\ -->", "<!-- a\"b'c&amp;d \\ -->"},
    {"bad \xFF\xFE utf-8 \xE2\x82", "bad \xEF\xBF\xBD\xEF\xBF\xBD utf-8 \xEF\xBF\xBD"},
    {"\xC2\xB5 \xE2\x82\xAC \xF0\x9F\x98\x80 line\xE2\x80\xA8sep",
     "\xC2\xB5 \xE2\x82\xAC \xF0\x9F\x98\x80 line\xE2\x80\xA8sep"},
};

std::string json(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", u);
      out += buffer;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: report_hostile_page OUT.html\n");
    return 1;
  }
  using namespace int8rt;
  ReportInputs inputs;
  inputs.model = "</title><script>window.pwned = 3</script>.onnx";
  CalibrationAnalysis analysis;
  Comparison comparison;
  comparison.samples = 4;
  for (size_t i = 0; i < kNames.size(); ++i) {
    TensorHistogram h;
    h.name = kNames[i].raw;
    h.bin_width = 0.01;
    for (size_t b = 0; b < 300; ++b)
      h.counts.push_back(1 + (b * 31 + i) % 17);
    h.max_abs = 3.0f;
    h.thresholds = {{CalibrationAlgorithm::kEntropy2, 2.0f}, {CalibrationAlgorithm::kMinMax, 3.0f}};
    for (size_t k = 0; k < 173; ++k) {
      h.entropy_amax.push_back(static_cast<float>((128.0 + static_cast<double>(k) + 0.5) * 0.01));
      h.entropy_divergence.push_back(1.0 / (1.0 + static_cast<double>(k)));
    }
    h.amax = 2.0f;
    analysis.tensors.push_back(h);
    TensorComparison t;
    t.name = kNames[i].raw;
    t.layer = kNames[i].raw;
    t.sqnr_db = i == 0 ? INFINITY : 10.0 * static_cast<double>(i);
    t.cosine = 1.0;
    comparison.tensors.push_back(t);
    LayerInfo layer;
    layer.name = kNames[i].raw;
    layer.op = "Conv";
    layer.kernel = "reference.conv";
    layer.precision = DataType::kInt8;
    layer.int8_outputs = {{kNames[i].raw, 2.5f / 127.0f}};
    inputs.layers.push_back(layer);
  }
  inputs.calibration = analysis;
  inputs.comparison = comparison;
  std::ofstream(argv[1], std::ios::binary) << render_report_html(inputs);
  for (const Name& name : kNames)
    std::printf("{\"tensor\": %s}\n", json(name.shown).c_str());
  std::printf("{\"title\": %s}\n", json("int8rt report: " + inputs.model).c_str());
  return 0;
}
