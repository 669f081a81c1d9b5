#include "conformance/compare.h"

#include <cmath>
#include <cstring>
#include <sstream>

namespace int8rt::conformance {
namespace {

double load_real(DataType type, const void* data, size_t i) {
  if (type == DataType::kFloat) return static_cast<const float*>(data)[i];
  return 0.0;
}

int64_t load_int(DataType type, const void* data, size_t i) {
  switch (type) {
    case DataType::kInt8:
      return static_cast<const int8_t*>(data)[i];
    case DataType::kUInt8:
      return static_cast<const uint8_t*>(data)[i];
    case DataType::kInt32:
      return static_cast<const int32_t*>(data)[i];
    case DataType::kInt64:
      return static_cast<const int64_t*>(data)[i];
    case DataType::kBool: {
      uint8_t byte;  // read the byte, not a bool: an engine writing 2 must not be UB here
      std::memcpy(&byte, static_cast<const uint8_t*>(data) + i, 1);
      return byte;
    }
    case DataType::kFloat:
      break;
  }
  return 0;
}

std::string format_real(double v) {
  std::ostringstream out;
  out.precision(9);
  out << v;
  return out.str();
}

}  // namespace

bool values_close(double expected, double got, const Tolerance& tolerance) {
  if (std::isnan(expected) || std::isnan(got)) return std::isnan(expected) && std::isnan(got);
  if (expected == got) return true;  // also equal infinities
  if (std::isinf(expected) || std::isinf(got)) return false;
  return std::fabs(got - expected) <= tolerance.atol + tolerance.rtol * std::fabs(expected);
}

std::string format_index(const std::vector<int64_t>& dims, int64_t flat) {
  std::vector<int64_t> index(dims.size(), 0);
  for (size_t k = dims.size(); k-- > 0;) {
    if (dims[k] == 0) break;
    index[k] = flat % dims[k];
    flat /= dims[k];
  }
  std::string out = "[";
  for (size_t k = 0; k < index.size(); ++k) {
    if (k > 0) out += ",";
    out += std::to_string(index[k]);
  }
  return out + "]";
}

Comparison compare_tensor(const HostTensor& expected, DataType got_type, const Dims& got_dims,
                          const void* got, const Tolerance& tolerance) {
  Comparison result;
  const std::optional<DataType> want_type = to_int8rt_dtype(expected.onnx_dtype);
  if (!want_type || *want_type != got_type) {
    result.match = false;
    result.detail = "dtype: expected " + onnx_dtype_name(expected.onnx_dtype) + ", got " +
                    std::string(to_string(got_type));
    return result;
  }
  if (got_dims.extents() != expected.dims) {
    result.match = false;
    result.detail =
        "shape: expected " + Dims(expected.dims).to_string() + ", got " + got_dims.to_string();
    return result;
  }

  const int64_t n = expected.count();
  double max_abs_diff = 0.0;
  std::string first;
  for (int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<size_t>(i);
    bool same;
    std::string want_text, got_text;
    if (expected.floating) {
      const double want = expected.reals[k];
      const double have = load_real(got_type, got, k);
      same = values_close(want, have, tolerance);
      if (!same) {
        const double diff = std::fabs(have - want);
        if (!(diff <= max_abs_diff)) max_abs_diff = diff;  // NaN/inf propagate
        want_text = format_real(want);
        got_text = format_real(have);
      }
    } else {
      const int64_t want = expected.ints[k];
      const int64_t have = load_int(got_type, got, k);
      same = want == have;
      if (!same) {
        const double diff = std::fabs(static_cast<double>(have) - static_cast<double>(want));
        if (diff > max_abs_diff) max_abs_diff = diff;
        want_text = std::to_string(want);
        got_text = std::to_string(have);
      }
    }
    if (same) continue;
    if (result.mismatches++ == 0) {
      result.first_mismatch = i;
      first = "first at " + format_index(expected.dims, i) + ": expected " + want_text + ", got " +
              got_text;
    }
  }
  if (result.mismatches > 0) {
    result.match = false;
    std::ostringstream out;
    out << result.mismatches << " of " << n << " values differ";
    if (expected.floating) {
      out << " (rtol " << tolerance.rtol << ", atol " << tolerance.atol << ")";
    }
    out << "; " << first << "; max abs diff " << format_real(max_abs_diff);
    result.detail = out.str();
  }
  return result;
}

}  // namespace int8rt::conformance
