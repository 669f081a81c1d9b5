// The backend-consistency suite's op cases, written once as data: every registered backend that
// can run here builds each case into an engine and must compute what the reference backend
// computes on the same random inputs (tests/consistency/consistency_test.cpp).
//
// A case is a short chain of layers: step 0 reads the case's data inputs, each later step reads
// the previous step's output where an input says kPrevious. Weights and biases are random
// constants; parameter inputs (shapes, axes) are int64 constants. INT8 cases get dynamic ranges
// from an FP32 run of the reference engine (a little below each tensor's largest |value|, so that
// some values clip); FP16 cases set BuilderFlag::kFp16.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "int8rt/attrs.h"
#include "int8rt/network.h"

namespace int8rt::consistency {

enum class Precision : uint8_t { kFp32, kInt8, kFp16 };

struct InputSpec {
  enum class Kind : uint8_t {
    kData,      // a network input, random float32 in [lo, hi)
    kPrevious,  // the previous step's output
    kWeight,    // a random float32 constant in [lo, hi)
    kParam,     // an int64 constant holding `param`
    kValues,    // a float32 constant holding `values` (scales, clip bounds)
    kAbsent,    // an optional input left out
  };
  Kind kind = Kind::kData;
  Dims dims;
  float lo = -1.0f, hi = 1.0f;
  std::vector<int64_t> param;
  std::vector<float> values;
};

struct Step {
  OpType op = OpType::kIdentity;
  Attrs attrs = NoAttrs{};
  std::vector<InputSpec> inputs;
};

struct OpCase {
  std::string name;  // letters, digits and '_' (part of the test's name)
  Precision precision = Precision::kFp32;
  std::vector<Step> steps;
  uint32_t seed = 1;
  // INT8: how many quantization steps the output may differ by (0: bit for bit). Only a fused
  // sigmoid, whose exp is the library's, is allowed one.
  int int8_steps = 0;
  // The number of values each output is a sum of (a convolution's C/group · KH · KW, a Gemm's K):
  // float tolerances grow with it.
  int64_t reduction = 1;
  // Layers may run on a fallback backend (e.g. a configuration the GPU does not handle); without
  // it every layer must run on the backend under test.
  bool allow_fallback = false;
};

// How gtest prints a case (in test names and failures): its name.
inline void PrintTo(const OpCase& c, std::ostream* os) {
  *os << c.name;
}

// Every case, INT8 first.
std::vector<OpCase> int8_cases();
std::vector<OpCase> float_cases();

// Shorthands for writing cases.
inline InputSpec data(Dims dims, float lo = -1.0f, float hi = 1.0f) {
  return {InputSpec::Kind::kData, std::move(dims), lo, hi, {}};
}
inline InputSpec previous() {
  return {InputSpec::Kind::kPrevious, {}, 0.0f, 0.0f, {}};
}
inline InputSpec weight(Dims dims, float lo = -1.0f, float hi = 1.0f) {
  return {InputSpec::Kind::kWeight, std::move(dims), lo, hi, {}};
}
inline InputSpec param(std::vector<int64_t> values) {
  return {InputSpec::Kind::kParam, Dims{static_cast<int64_t>(values.size())}, 0.0f, 0.0f,
          std::move(values)};
}
inline InputSpec absent() {
  return {InputSpec::Kind::kAbsent, {}, 0.0f, 0.0f, {}};
}
inline InputSpec values(Dims dims, std::vector<float> v) {
  return {InputSpec::Kind::kValues, std::move(dims), 0.0f, 0.0f, {}, std::move(v)};
}

ConvAttrs conv_attrs(int64_t k, int64_t stride = 1, int64_t pad = 0, int64_t group = 1,
                     FusedActivation activation = {});
PoolAttrs pool_attrs(int64_t k, int64_t stride, int64_t pad, bool count_include_pad = false);
// Flatten(axis 1): an INT8 data-movement step that makes the step before it write int8.
Step flatten();

}  // namespace int8rt::consistency
