// What the C++ samples share (TensorRT's samples/common in int8rt): flag parsing, the
// "&&&& PASSED/FAILED" result lines, and a logger that writes to stdout.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "int8rt/analysis.h"
#include "int8rt/data.h"
#include "int8rt/engine.h"
#include "int8rt/logger.h"
#include "int8rt/status.h"

namespace int8rt::samples {

// One flag: its names ("-d", "--datadir") and the option it sets. A std::string or a positive
// int64_t takes the next argument as its value; a bool is a switch and takes none.
struct SampleFlag {
  std::initializer_list<std::string_view> names;
  std::variant<std::string*, int64_t*, bool*> target;
};

enum class ParseResult { kRun, kHelp, kError };

// Parses argv against `flags`. -h/--help prints the usage to stdout (kHelp); an unknown flag, a
// missing value or a count that is not a positive integer prints one line naming it to stderr
// (kError).
inline ParseResult parse_flags(std::string_view program, int argc, char** argv,
                               std::initializer_list<SampleFlag> flags,
                               void (*print_usage)(std::FILE*)) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      print_usage(stdout);
      return ParseResult::kHelp;
    }
    const SampleFlag* flag = nullptr;
    for (const SampleFlag& candidate : flags) {
      for (std::string_view name : candidate.names) {
        if (name == arg) flag = &candidate;
      }
    }
    const auto complain = [&](const char* what) {
      std::fprintf(stderr, "%.*s: %s %s; see --help\n", static_cast<int>(program.size()),
                   program.data(), argv[i], what);
      return ParseResult::kError;
    };
    if (flag == nullptr) return complain("is an unknown flag");
    if (auto* on = std::get_if<bool*>(&flag->target)) {
      **on = true;
      continue;
    }
    if (i + 1 >= argc) return complain("needs a value");
    const char* value = argv[++i];
    if (auto* text = std::get_if<std::string*>(&flag->target)) {
      **text = value;
      continue;
    }
    char* end = nullptr;
    const long long count = std::strtoll(value, &end, 10);
    if (end == value || *end != '\0' || count <= 0) {
      std::fprintf(stderr, "%.*s: %s expects a positive integer, got \"%s\"\n",
                   static_cast<int>(program.size()), program.data(), argv[i - 1], value);
      return ParseResult::kError;
    }
    **std::get_if<int64_t*>(&flag->target) = count;
  }
  return ParseResult::kRun;
}

inline double percent(int64_t part, int64_t whole) {
  return whole > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

// The lines TensorRT's samples print when they start and end: "&&&& RUNNING int8rt.<program>",
// then "&&&& PASSED ..." or "&&&& FAILED ...".
inline void report_status(std::string_view program, std::string_view status) {
  std::printf("&&&& %.*s int8rt.%.*s\n", static_cast<int>(status.size()), status.data(),
              static_cast<int>(program.size()), program.data());
}
inline void report_start(std::string_view program) {
  report_status(program, "RUNNING");
}
inline void report_result(std::string_view program, bool passed) {
  report_status(program, passed ? "PASSED" : "FAILED");
}

// Prints the error and the FAILED line; returns the exit code (1: the input's fault, else 2).
inline int fail(std::string_view program, const Status& status) {
  std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(program.size()), program.data(),
               status.to_string().c_str());
  report_result(program, false);
  return status.is_user_error() ? 1 : 2;
}

// Scores the FP32 and the INT8 engine on the first `limit` samples of a labelled source and
// prints "FP32 top-1 accuracy: ..." and "INT8 top-1 accuracy: ...". True when INT8 is at most
// `tolerance_points` below FP32 (else a line says by how much).
inline Result<bool> compare_top1(const Engine& fp32, const Engine& int8, DataSource& data,
                                 int64_t limit, double tolerance_points) {
  EvaluateOptions options;
  options.batch_size = fp32.input(0).dims[0];
  options.max_samples = limit;
  INT8RT_ASSIGN_OR_RETURN(Accuracy fp32_top1, evaluate_top1(fp32, data, options));
  INT8RT_ASSIGN_OR_RETURN(Accuracy int8_top1, evaluate_top1(int8, data, options));
  for (const auto& [name, top1] : {std::pair{"FP32", fp32_top1}, std::pair{"INT8", int8_top1}}) {
    std::printf("%s top-1 accuracy: %.2f%% (%lld/%lld)\n", name, 100.0 * top1.value(),
                static_cast<long long>(top1.correct), static_cast<long long>(top1.total));
  }
  const double drop = 100.0 * (fp32_top1.value() - int8_top1.value());
  if (drop > tolerance_points) {
    std::printf("INT8 top-1 is %.2f points below FP32 (tolerance %.2f)\n", drop, tolerance_points);
    return false;
  }
  return true;
}

// Writes the builder's messages to stdout, in order with the sample's own lines (TensorRT's
// sample logger does the same): "[E] ...", "[W] ...", "[I] ...".
class StdoutLogger final : public Logger {
 public:
  explicit StdoutLogger(Severity min_severity) : min_(min_severity) {}
  void log(Severity severity, std::string_view message) noexcept override {
    if (severity > min_) return;
    const char* tag = severity <= Severity::kError     ? "E"
                      : severity == Severity::kWarning ? "W"
                                                       : "I";
    std::printf("[%s] %.*s\n", tag, static_cast<int>(message.size()), message.data());
  }

 private:
  Severity min_;
};

}  // namespace int8rt::samples
