#include "calib/calibration_cache.h"

#include "core/file_io.h"
#include "ir/quantization.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <unordered_set>

namespace int8rt {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Calls fn(line_number, line) for each line (without its newline).
template <typename Fn>
Status for_each_line(std::string_view text, Fn&& fn) {
  int number = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    INT8RT_RETURN_IF_ERROR(fn(++number, line));
  }
  return Status::ok();
}

// Splits "name: value" at the last ':'.
Result<std::pair<std::string_view, std::string_view>> split_entry(std::string_view line,
                                                                  std::string_view source,
                                                                  int number) {
  size_t colon = line.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return parse_error(source, ":", number, ": expected \"<tensor name>: <value>\", got \"", line,
                       "\"");
  }
  return std::make_pair(line.substr(0, colon), trim(line.substr(colon + 1)));
}

Status check_unique(std::unordered_set<std::string>& seen, const std::string& name,
                    std::string_view source, int number) {
  if (!seen.insert(name).second) {
    return parse_error(source, ":", number, ": tensor \"", name, "\" appears twice");
  }
  return Status::ok();
}

}  // namespace

namespace calib {

uint32_t float_bits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

float float_from_bits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

}  // namespace calib

std::string format_calibration_cache(const CalibrationTable& cache) {
  std::string text;
  if (cache.legacy) {
    uint64_t cutoff = 0, quantile = 0;
    std::memcpy(&cutoff, &cache.legacy->regression_cutoff, sizeof cutoff);
    std::memcpy(&quantile, &cache.legacy->quantile, sizeof quantile);
    // TensorRT prints each bit pattern with a leading 0.
    char line[48];
    std::snprintf(line, sizeof line, "0%016llx 0%016llx\n", static_cast<unsigned long long>(cutoff),
                  static_cast<unsigned long long>(quantile));
    text += line;
  }
  // A Legacy cache read without a TRT- header (version 0) is written back without one.
  if (!cache.legacy || cache.version != 0)
    text += "TRT-" + std::to_string(cache.version) + "-" + cache.algorithm + "\n";
  char hex[16];
  for (const CacheEntry& entry : cache.entries) {
    std::snprintf(hex, sizeof hex, "%08x", calib::float_bits(entry.scale));
    text += entry.name + ": " + hex + "\n";
  }
  return text;
}

namespace {

// The value of a hex token of at most 17 digits (TensorRT prints a float64 bit pattern with a
// leading 0 at times), or nullopt.
std::optional<uint64_t> hex_u64(std::string_view token) {
  while (token.size() > 16 && token.front() == '0')
    token.remove_prefix(1);
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), value, 16);
  if (token.empty() || ec != std::errc() || ptr != token.data() + token.size()) return std::nullopt;
  return value;
}

// A Legacy calibrator's parameter line: two hex float64 bit patterns, cutoff then quantile.
std::optional<LegacyParameters> legacy_parameters(std::string_view line) {
  const size_t space = line.find_first_of(" \t");
  if (space == std::string_view::npos) return std::nullopt;
  const auto first = hex_u64(line.substr(0, space));
  const auto second = hex_u64(trim(line.substr(space + 1)));
  if (!first || !second) return std::nullopt;
  LegacyParameters p;
  std::memcpy(&p.regression_cutoff, &*first, sizeof(double));
  std::memcpy(&p.quantile, &*second, sizeof(double));
  // Both are fractions; anything else is not a parameter line (and then not a cache).
  auto fraction = [](double v) { return v >= 1e-6 && v <= 1.0; };
  if (!fraction(p.regression_cutoff) || !fraction(p.quantile)) return std::nullopt;
  return p;
}

}  // namespace

namespace {

struct CacheHeader {
  int version;
  std::string_view algorithm;
};

// "TRT-<version>-<Algorithm>": a positive version, an algorithm name without ':' or spaces, so
// that no entry line (which always has ": ") reads as a header.
std::optional<CacheHeader> parse_header_line(std::string_view line) {
  if (line.substr(0, 4) != "TRT-") return std::nullopt;
  const size_t dash = line.find('-', 4);
  if (dash == std::string_view::npos || dash + 1 >= line.size()) return std::nullopt;
  int version = 0;
  auto [ptr, ec] = std::from_chars(line.data() + 4, line.data() + dash, version);
  if (ec != std::errc() || ptr != line.data() + dash || version <= 0) return std::nullopt;
  const std::string_view algorithm = line.substr(dash + 1);
  if (algorithm.find_first_of(": \t") != std::string_view::npos) return std::nullopt;
  return CacheHeader{version, algorithm};
}

}  // namespace

Result<CalibrationTable> parse_calibration_cache(std::string_view text, std::string_view source) {
  CalibrationTable cache;
  std::unordered_set<std::string> seen;
  bool have_header = false;
  Status status = for_each_line(text, [&](int number, std::string_view line) -> Status {
    line = trim(line);
    if (line.empty()) return Status::ok();
    if (!have_header && !cache.legacy && line.substr(0, 4) != "TRT-") {
      if (auto legacy = legacy_parameters(line)) {
        cache.legacy = legacy;
        cache.version = 0;
        cache.algorithm = "LegacyCalibration";
        return Status::ok();
      }
    }
    if (!have_header) {
      const std::optional<CacheHeader> header = parse_header_line(line);
      // The Legacy calibrator's entries may follow its parameters directly.
      if (!header && cache.legacy) {
        have_header = true;
      } else if (!header) {
        return parse_error(source, ":", number,
                           ": not a calibration cache: expected a header like "
                           "\"TRT-8601-EntropyCalibration2\", got \"",
                           line.substr(0, 60), "\"");
      } else {
        cache.version = header->version;
        cache.algorithm = std::string(header->algorithm);
        have_header = true;
        return Status::ok();
      }
    }
    INT8RT_ASSIGN_OR_RETURN(auto entry, split_entry(line, source, number));
    auto [name, value] = entry;
    uint32_t bits = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), bits, 16);
    const float scale = calib::float_from_bits(bits);
    if (value.empty() || value.size() > 8 || ec != std::errc() ||
        ptr != value.data() + value.size()) {
      return parse_error(source, ":", number, ": tensor \"", name,
                         "\": expected the scale as 8 hex digits, got \"", value, "\"");
    }
    if (const std::string reason = ir::invalid_scale_reason(scale); !reason.empty()) {
      return parse_error(source, ":", number, ": tensor \"", name, "\": scale ", value, " (", scale,
                         ") ", reason);
    }
    std::string tensor(name);
    INT8RT_RETURN_IF_ERROR(check_unique(seen, tensor, source, number));
    cache.entries.push_back({std::move(tensor), scale});
    return Status::ok();
  });
  if (!status.is_ok()) return status;
  if (!have_header && !cache.legacy) return parse_error(source, ": empty calibration cache");
  return cache;
}

std::string format_ranges(const std::vector<TensorRange>& ranges) {
  std::string text;
  char value[32];
  for (const TensorRange& range : ranges) {
    std::snprintf(value, sizeof value, "%.9g", static_cast<double>(range.amax));
    text += range.name + ": " + value + "\n";
  }
  return text;
}

Result<std::vector<TensorRange>> parse_ranges(std::string_view text, std::string_view source) {
  std::vector<TensorRange> ranges;
  std::unordered_set<std::string> seen;
  Status status = for_each_line(text, [&](int number, std::string_view line) -> Status {
    if (trim(line).empty() || trim(line).front() == '#') return Status::ok();
    INT8RT_ASSIGN_OR_RETURN(auto entry, split_entry(line, source, number));
    auto [name, value] = entry;
    std::string number_text(value);
    char* end = nullptr;
    float amax = std::strtof(number_text.c_str(), &end);
    if (number_text.empty() || end != number_text.c_str() + number_text.size() ||
        !std::isfinite(amax) || amax < 0.0f) {
      return parse_error(source, ":", number, ": tensor \"", name,
                         "\": expected a finite non-negative range (amax), got \"", value, "\"");
    }
    if (const std::string reason = ir::invalid_amax_reason(amax); !reason.empty()) {
      return parse_error(source, ":", number, ": tensor \"", name, "\": range ", value, " ",
                         reason);
    }
    std::string tensor(trim(name));
    if (tensor.empty()) {
      return parse_error(source, ":", number, ": expected \"<tensor name>: <value>\", got \"", line,
                         "\" (no name)");
    }
    INT8RT_RETURN_IF_ERROR(check_unique(seen, tensor, source, number));
    ranges.push_back({std::move(tensor), amax});
    return Status::ok();
  });
  if (!status.is_ok()) return status;
  return ranges;
}

Result<CalibrationTable> read_calibration_cache_file(const std::string& path) {
  INT8RT_ASSIGN_OR_RETURN(std::string text, read_file(path));
  return parse_calibration_cache(text, path);
}

Result<std::vector<TensorRange>> read_ranges_file(const std::string& path) {
  INT8RT_ASSIGN_OR_RETURN(std::string text, read_file(path));
  return parse_ranges(text, path);
}

Status write_ranges_file(const std::string& path, const std::vector<TensorRange>& ranges) {
  return write_file_atomic(path, format_ranges(ranges));
}

Status set_dynamic_ranges(Network& network, const std::vector<TensorRange>& ranges) {
  for (const TensorRange& range : ranges) {
    if (network.find_tensor(range.name) == nullptr) {
      return not_found("ranges: the network has no tensor \"", range.name, "\"");
    }
    if (!std::isfinite(range.amax) || range.amax < 0.0f) {
      return invalid_argument("ranges: tensor \"", range.name, "\": amax ", range.amax,
                              " must be finite and non-negative");
    }
  }
  for (const TensorRange& range : ranges) {
    INT8RT_RETURN_IF_ERROR(
        network.find_tensor(range.name)->set_dynamic_range(-range.amax, range.amax));
  }
  return Status::ok();
}

}  // namespace int8rt
