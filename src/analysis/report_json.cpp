// The report's data as JSON: what render_report_html embeds and the page's script draws.
#include "analysis/report_json.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "int8rt/report.h"
#include "ir/quantization.h"

namespace int8rt::report {

namespace {

// Length of the valid UTF-8 sequence at text[i], or 0 when the bytes there are not one. The
// second byte's range excludes overlong forms (E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and
// code points past U+10FFFF (F4 90..BF).
size_t utf8_sequence_length(std::string_view text, size_t i, size_t* invalid_prefix) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  *invalid_prefix = 1;
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  for (size_t k = 1; k < length; ++k) {
    if (i + k >= text.size()) return 0;
    const unsigned char c = byte(i + k);
    const unsigned char lo = k == 1 ? low : 0x80, hi = k == 1 ? high : 0xBF;
    if (c < lo || c > hi) return 0;
    *invalid_prefix = k + 1;  // a maximal subpart of an ill-formed sequence is one U+FFFD
  }
  return length;
}

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Calls emit(sequence) for each valid UTF-8 sequence of `text` and for U+FFFD in place of each
// invalid subpart.
template <typename Emit>
void for_each_code_point(std::string_view text, Emit emit) {
  size_t i = 0;
  while (i < text.size()) {
    size_t invalid = 1;
    const size_t length = utf8_sequence_length(text, i, &invalid);
    if (length == 0) {
      emit(kReplacement);
      i += std::max<size_t>(1, std::min(invalid, text.size() - i));
      continue;
    }
    emit(text.substr(i, length));
    i += length;
  }
}

}  // namespace

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for_each_code_point(text, [&](std::string_view sequence) { out += sequence; });
  return out;
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for_each_code_point(text, [&](std::string_view sequence) {
    char buffer[8];
    if (sequence.size() == 1) {
      const unsigned char c = static_cast<unsigned char>(sequence[0]);
      switch (c) {
        case '"':
          out += "\\\"";
          return;
        case '\\':
          out += "\\\\";
          return;
        case '\n':
          out += "\\n";
          return;
        case '\r':
          out += "\\r";
          return;
        case '\t':
          out += "\\t";
          return;
        default:
          break;
      }
      if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7F) {
        std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
        out += buffer;
        return;
      }
    } else if (sequence == "\xE2\x80\xA8" || sequence == "\xE2\x80\xA9") {
      out += sequence[2] == '\xA8' ? "\\u2028" : "\\u2029";
      return;
    }
    out += sequence;
  });
  return out + "\"";
}

std::string json_number(double value, int digits) {
  if (std::isnan(value)) return "\"NaN\"";
  if (std::isinf(value)) return value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, value);
  return buffer;
}

std::string html_escape(std::string_view text) {
  std::string out;
  for_each_code_point(text, [&](std::string_view sequence) {
    if (sequence.size() == 1) {
      switch (sequence[0]) {
        case '&':
          out += "&amp;";
          return;
        case '<':
          out += "&lt;";
          return;
        case '>':
          out += "&gt;";
          return;
        case '"':
          out += "&quot;";
          return;
        case '\'':
          out += "&#39;";
          return;
        default:
          break;
      }
    }
    out += sequence;
  });
  return out;
}

}  // namespace int8rt::report

namespace int8rt {

namespace {

using report::json_number;
using report::json_string;

std::string json_count(uint64_t value) {
  return std::to_string(value);
}

// Fraction of the binned values at or above `amax` (bins whose lower edge b·w is >= amax, and the
// fraction of the bin holding amax above it, assuming values spread evenly in a bin).
double clipped_fraction(const TensorHistogram& h, double amax) {
  double total = 0, above = 0;
  for (size_t b = 0; b < h.counts.size(); ++b) {
    const double count = static_cast<double>(h.counts[b]);
    total += count;
    const double lo = static_cast<double>(b) * h.bin_width, hi = lo + h.bin_width;
    if (lo >= amax) {
      above += count;
    } else if (hi > amax && h.bin_width > 0) {
      above += count * (hi - amax) / h.bin_width;
    }
  }
  total += static_cast<double>(h.zero_count);
  return total > 0 ? above / total : 0.0;
}

void append_histogram(std::string& out, const TensorHistogram& h,
                      const std::map<std::string, float, std::less<>>& engine_amax,
                      const ReportOptions& options) {
  const size_t bins = h.counts.size();
  const size_t max_bins = static_cast<size_t>(std::max(1, options.max_histogram_bins));
  const size_t group = bins == 0 ? 1 : (bins + max_bins - 1) / max_bins;
  out += "{\"name\": " + json_string(h.name);
  out += ", \"bin_width\": " + json_number(h.bin_width * static_cast<double>(group), 17);
  out += ", \"source_bins\": " + std::to_string(bins);
  out += ", \"source_bin_width\": " + json_number(h.bin_width, 17);
  out += ", \"group\": " + std::to_string(group);
  out += ", \"counts\": [";
  for (size_t start = 0; start < bins; start += group) {
    uint64_t sum = 0;
    for (size_t b = start; b < std::min(bins, start + group); ++b)
      sum += h.counts[b];
    out += (start ? "," : "") + json_count(sum);
  }
  uint64_t binned = 0;
  for (uint64_t count : h.counts)
    binned += count;
  out += "], \"binned\": " + json_count(binned);
  out += ", \"zero\": " + json_count(h.zero_count);
  out += ", \"nan\": " + json_count(h.nan_count);
  out += ", \"inf\": " + json_count(h.inf_count);
  out += ", \"max_abs\": " + json_number(h.max_abs);
  out += ", \"amax\": " + json_number(h.amax);
  out += ", \"clipped_amax\": " + json_number(clipped_fraction(h, h.amax), 4);
  const auto used = engine_amax.find(h.name);
  out += ", \"engine_amax\": " + (used != engine_amax.end() ? json_number(used->second) : "null");
  out += ", \"clipped_engine\": " +
         (used != engine_amax.end() ? json_number(clipped_fraction(h, used->second), 4) : "null");
  out += ", \"thresholds\": [";
  for (size_t i = 0; i < h.thresholds.size(); ++i) {
    const ThresholdCandidate& t = h.thresholds[i];
    out += std::string(i ? ", " : "") + "{\"algorithm\": " + json_string(to_string(t.algorithm)) +
           ", \"amax\": " + json_number(t.amax) +
           ", \"clipped\": " + json_number(clipped_fraction(h, t.amax), 4) + "}";
  }
  // The KL curve: every k-th point, the last one and the minimum.
  const size_t points = std::min(h.entropy_amax.size(), h.entropy_divergence.size());
  const size_t max_points = static_cast<size_t>(std::max(2, options.max_curve_points));
  const size_t step = points == 0 ? 1 : (points + max_points - 1) / max_points;
  size_t best = points;
  for (size_t i = 0; i < points; ++i) {
    const double d = h.entropy_divergence[i];
    if (std::isfinite(d) && (best == points || d < h.entropy_divergence[best])) best = i;
  }
  std::string xs, ys;
  size_t kept = 0;
  for (size_t i = 0; i < points; ++i) {
    if (i % step != 0 && i + 1 != points && i != best) continue;
    xs += (kept ? "," : "") + json_number(h.entropy_amax[i], 7);
    ys += (kept ? "," : "") + json_number(h.entropy_divergence[i], 6);
    ++kept;
  }
  out += "], \"kl\": {\"points\": " + std::to_string(points) + ", \"amax\": [" + xs +
         "], \"divergence\": [" + ys +
         "], \"best_amax\": " + (best < points ? json_number(h.entropy_amax[best]) : "null") + "}}";
}

void append_comparison(std::string& out, const Comparison& c) {
  const auto accuracy = [](const Accuracy& a) {
    return "{\"correct\": " + std::to_string(a.correct) +
           ", \"total\": " + std::to_string(a.total) + "}";
  };
  out += "{\"samples\": " + std::to_string(c.samples);
  out += ", \"top1_agreement\": " + std::to_string(c.top1_agreement);
  out += ", \"labelled\": " + std::string(c.labelled ? "true" : "false");
  out += ", \"fp32_accuracy\": " + accuracy(c.fp32_accuracy);
  out += ", \"int8_accuracy\": " + accuracy(c.int8_accuracy);
  out += ", \"tensors\": [";
  for (size_t i = 0; i < c.tensors.size(); ++i) {
    const TensorComparison& t = c.tensors[i];
    out += std::string(i ? ",\n" : "\n") + "{\"name\": " + json_string(t.name) +
           ", \"layer\": " + json_string(t.layer) +
           ", \"precision\": " + json_string(to_string(t.precision)) +
           ", \"dims\": " + json_string(t.dims.to_string()) +
           ", \"count\": " + std::to_string(t.count) +
           ", \"sqnr_db\": " + json_number(t.sqnr_db, 6) +
           ", \"cosine\": " + json_number(t.cosine, 9) +
           ", \"max_abs_error\": " + json_number(t.max_abs_error, 6) +
           ", \"relative_l2\": " + json_number(t.relative_l2, 6) + "}";
  }
  out += "]}";
}

void append_scales(std::string& out, const std::vector<TensorScale>& scales) {
  out += "[";
  for (size_t i = 0; i < scales.size(); ++i) {
    out += std::string(i ? ", " : "") + "{\"name\": " + json_string(scales[i].name) +
           ", \"scale\": " + json_number(scales[i].scale) + "}";
  }
  out += "]";
}

}  // namespace

std::string report_json(const ReportInputs& inputs, const ReportOptions& options) {
  // The amax each INT8 tensor of the engine was built with (scale · 127), by tensor name.
  // (An INT8 copy "t:int8" of a tensor needed in both dtypes carries t's range.)
  std::map<std::string, float, std::less<>> engine_amax;
  for (const LayerInfo& layer : inputs.layers) {
    for (const auto* scales : {&layer.int8_inputs, &layer.int8_outputs}) {
      for (const TensorScale& s : *scales)
        engine_amax.emplace(ir::network_tensor_name(s.name), s.scale * 127.0f);
    }
  }
  const std::string title = inputs.title.empty() ? "int8rt report: " + inputs.model : inputs.title;
  std::string out = "{\"title\": " + json_string(title);
  out += ", \"model\": " + json_string(inputs.model);
  out += ", \"calibration_data\": " + json_string(inputs.calibration_data);
  out += ", \"comparison_data\": " + json_string(inputs.comparison_data);
  out += ", \"engine\": " + json_string(inputs.engine);
  out += ", \"backend\": " + json_string(inputs.backend);
  out += ", \"charts_per_tensor\": " + std::to_string(kReportChartsPerTensor);
  out += ", \"notes\": [";
  for (size_t i = 0; i < inputs.notes.size(); ++i) {
    out += std::string(i ? ", " : "") + "[" + json_string(inputs.notes[i].first) + ", " +
           json_string(inputs.notes[i].second) + "]";
  }
  out += "],\n\"calibration\": ";
  if (inputs.calibration) {
    const CalibrationAnalysis& a = *inputs.calibration;
    out += "{\"algorithm\": " + json_string(to_string(a.algorithm)) +
           ", \"batches\": " + std::to_string(a.batches) +
           ", \"samples\": " + std::to_string(a.samples) + ", \"tensors\": [";
    for (size_t i = 0; i < a.tensors.size(); ++i) {
      out += i ? ",\n" : "\n";
      append_histogram(out, a.tensors[i], engine_amax, options);
    }
    out += "]}";
  } else {
    out += "null";
  }
  out += ",\n\"comparison\": ";
  if (inputs.comparison) {
    append_comparison(out, *inputs.comparison);
  } else {
    out += "null";
  }
  out += ",\n\"layers\": [";
  for (size_t i = 0; i < inputs.layers.size(); ++i) {
    const LayerInfo& layer = inputs.layers[i];
    out += std::string(i ? ",\n" : "\n") + "{\"name\": " + json_string(layer.name) +
           ", \"op\": " + json_string(layer.op) + ", \"kernel\": " + json_string(layer.kernel) +
           ", \"precision\": " + json_string(to_string(layer.precision)) + ", \"int8_inputs\": ";
    append_scales(out, layer.int8_inputs);
    out += ", \"int8_outputs\": ";
    append_scales(out, layer.int8_outputs);
    out += "}";
  }
  out += "]}";
  return out;
}

}  // namespace int8rt
