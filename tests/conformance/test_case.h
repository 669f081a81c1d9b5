// Running one ONNX backend test directory (model.onnx + test_data_set_*/{input,output}_*.pb)
// through int8rt: import, build, execute, compare.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "int8rt/builder.h"

namespace int8rt::conformance {

enum class Verdict : uint8_t { kPass, kFail, kSkip };

struct Outcome {
  Verdict verdict = Verdict::kFail;
  std::string reason;            // FAIL: what went wrong; SKIP: the grouped reason (skip_reason.h)
  std::string detail;            // SKIP: the full message behind the reason
  std::vector<std::string> ops;  // the model's distinct op types, for grouping failures by op

  static Outcome pass() { return {Verdict::kPass, "", "", {}}; }
};

struct CaseOptions {
  std::string backend = "cpu";
  bool verbose = false;                // forward int8rt warnings to stderr
  int64_t max_input_bytes = 64 << 20;  // skip tests whose inputs (one data set) are larger
};

// Never throws: every error becomes a FAIL or SKIP outcome.
Outcome run_test_case(const std::filesystem::path& dir, const CaseOptions& options);

}  // namespace int8rt::conformance
