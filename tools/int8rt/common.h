// Pieces shared by the int8rt subcommands: exit codes, error reporting, model loading, JSON.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "args.h"
#include "int8rt/builder.h"
#include "int8rt/engine.h"
#include "int8rt/logger.h"
#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt::cli {

// 0: success; 1: the user's input was at fault (a flag, a file, a shape); 2: a bug in int8rt.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUserError = 1;
inline constexpr int kExitInternalError = 2;

// Prints "int8rt <command>: error: <message>" to stderr and returns the exit code for `status`.
int report_error(std::string_view command, const Status& status);

// The flags every subcommand that builds an engine accepts.
std::vector<Flag> engine_flags();
// --verbose once: kInfo, twice: kVerbose; kWarning otherwise.
Logger::Severity log_severity(const Args& args);
// --backend NAME (else `fallback`): a registered backend that can run here.
Result<std::string> parse_backend(const Args& args, std::string_view fallback = kDefaultBackend);

// Where and how a command's engines run: --backend and --fp16.
struct EngineTarget {
  std::string backend;
  bool fp16 = false;
  void apply(BuilderConfig& config) const {
    config.set_backend(backend);
    if (fp16) config.set_flag(BuilderFlag::kFp16);
  }
};
Result<EngineTarget> parse_engine_target(const Args& args,
                                         std::string_view fallback = kDefaultBackend);
// The registered backends, "cpu, reference, cuda", for help texts.
std::string backend_list();

// Parses the ONNX model at `path` into a new network.
Result<std::unique_ptr<Network>> load_onnx(const std::string& path, Logger& logger);

// The plan file of --engine; a --backend flag must match the plan's.
Result<std::unique_ptr<Engine>> load_engine(const Args& args, Logger& logger);

// --shapes name:1x3x224x224,other:1x10 (the flag may also be repeated) into the config.
Status apply_shapes(const std::vector<std::string>& values, BuilderConfig& config);

// JSON text for a string (quoted, escaped) and a number (null for NaN and infinities).
std::string json_string(std::string_view text);
std::string json_number(double value);

// A short form of a float for human-readable output ("12.4046", "-3.2e-05").
std::string format_value(double value);

}  // namespace int8rt::cli
