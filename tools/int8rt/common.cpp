#include "common.h"

#include <cmath>
#include <cstdio>

#include "int8rt/onnx_parser.h"

namespace int8rt::cli {

int report_error(std::string_view command, const Status& status) {
  std::fprintf(stderr, "int8rt %.*s: %s%s\n", static_cast<int>(command.size()), command.data(),
               status.is_user_error() ? "error: " : "internal error: ", status.message().c_str());
  return status.is_user_error() ? kExitUserError : kExitInternalError;
}

std::vector<Flag> engine_flags() {
  return {
      {"onnx", "FILE", "the ONNX model (required)"},
      {"backend", "NAME",
       "where the engine runs: cpu (default: oneDNN, reference fallback), reference, or cuda "
       "(an NVIDIA GPU, where this int8rt has it)"},
      {"fp16", "",
       "layers that don't run INT8 may run FP16 (on a GPU; the CPU backends\nignore it)"},
      {"verbose", "", "log what the builder does; twice (-v -v) for per-layer detail", true, 'v'},
      {"help", "", "show this help", false, 'h'},
  };
}

Logger::Severity log_severity(const Args& args) {
  switch (args.count("verbose")) {
    case 0:
      return Logger::Severity::kWarning;
    case 1:
      return Logger::Severity::kInfo;
    default:
      return Logger::Severity::kVerbose;
  }
}

std::string backend_list() {
  std::string list;
  for (const std::string& name : backend_names())
    list += (list.empty() ? "" : ", ") + name;
  return list;
}

Result<std::string> parse_backend(const Args& args, std::string_view fallback) {
  const std::string name = args.get("backend", std::string(fallback));
  auto info = get_backend_info(name);
  if (!info.is_ok()) {
    return invalid_argument("--backend \"", name, "\" is not a backend (", backend_list(), ")");
  }
  if (!info->available) {
    return invalid_argument("--backend ", name, ": it can't run here: ", info->reason);
  }
  return name;
}

Result<EngineTarget> parse_engine_target(const Args& args, std::string_view fallback) {
  EngineTarget target;
  INT8RT_ASSIGN_OR_RETURN(target.backend, parse_backend(args, fallback));
  target.fp16 = args.has("fp16");
  return target;
}

Result<std::unique_ptr<Network>> load_onnx(const std::string& path, Logger& logger) {
  auto network = std::make_unique<Network>();
  OnnxParser parser(*network, logger);
  INT8RT_RETURN_IF_ERROR(parser.parse_from_file(path));
  return network;
}

Result<std::unique_ptr<Engine>> load_engine(const Args& args, Logger& logger) {
  const std::string path = args.get("engine");
  std::string backend;
  if (args.has("backend")) {
    INT8RT_ASSIGN_OR_RETURN(backend, parse_backend(args));
  }
  return Engine::load(path, logger, backend);
}

Status apply_shapes(const std::vector<std::string>& values, BuilderConfig& config) {
  for (const std::string& value : values) {
    std::string_view rest = value;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      std::string_view entry = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      // The name may itself contain ':' (some exporters use "input:0"); the shape follows the
      // last one.
      const size_t colon = entry.rfind(':');
      if (colon == std::string_view::npos || colon == 0 || colon + 1 == entry.size()) {
        return invalid_argument("--shapes \"", entry,
                                "\": expected NAME:DIMS, e.g. input:1x3x224x224");
      }
      auto dims = Dims::parse(entry.substr(colon + 1));
      if (!dims.is_ok()) {
        return invalid_argument("--shapes \"", entry, "\": ", dims.status().message());
      }
      std::string name(entry.substr(0, colon));
      if (config.input_shapes().count(name) != 0) {
        return invalid_argument("--shapes: input \"", name, "\" given twice");
      }
      config.set_input_shape(std::move(name), std::move(dims).value());
    }
  }
  return Status::ok();
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string json_number(double value) {
  if (!std::isfinite(value)) return "null";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.9g", value);
  return buffer;
}

std::string format_value(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.6g", value);
  return buffer;
}

}  // namespace int8rt::cli
