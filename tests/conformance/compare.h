// Comparing an engine output with the expected output of an ONNX backend test.
#pragma once

#include <cstdint>
#include <string>

#include "conformance/tensor_proto.h"
#include "int8rt/types.h"

namespace int8rt::conformance {

// numpy.testing.assert_allclose semantics: |got - expected| <= atol + rtol * |expected|.
struct Tolerance {
  double rtol = 0.0;
  double atol = 0.0;
};
// The tolerance of ONNX's backend test runner (onnx/backend/test/runner) for floating outputs.
inline constexpr Tolerance kOnnxBackendTolerance{1e-3, 1e-7};

// True when `got` is within tolerance of `expected`. NaN matches only NaN; an infinity matches
// only the same infinity.
bool values_close(double expected, double got, const Tolerance& tolerance);

struct Comparison {
  bool match = true;
  std::string detail;           // what differs, when !match
  int64_t mismatches = 0;       // number of differing elements (0 when shape/dtype differ)
  int64_t first_mismatch = -1;  // flat row-major index of the first one
};

// Compares `got` (dense row-major data of `got_type` and `got_dims`, as an engine output) with
// `expected`. The dtype must be the int8rt equivalent of the expected ONNX dtype and the shape the
// same (a scalar is not a 1-element vector). Floating values use `tolerance`; integer and bool
// values must be equal.
Comparison compare_tensor(const HostTensor& expected, DataType got_type, const Dims& got_dims,
                          const void* got, const Tolerance& tolerance = kOnnxBackendTolerance);

// "[1,0,2]": the multi-index of a flat row-major index.
std::string format_index(const std::vector<int64_t>& dims, int64_t flat);

}  // namespace int8rt::conformance
