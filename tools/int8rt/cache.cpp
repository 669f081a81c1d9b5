// int8rt cache show: decodes a calibration cache in TensorRT's text format.
#include <cstdio>
#include <cstring>

#include "commands.h"
#include "common.h"
#include "int8rt/calibrator.h"

namespace int8rt::cli {

namespace {

std::vector<Flag> show_flags() {
  return {{"cache", "FILE", "the cache file (or give it as the only argument)"},
          {"json", "", "print the cache as JSON"},
          {"help", "", "show this help", false, 'h'}};
}

constexpr char kUsage[] =
    "usage: int8rt cache show FILE [--json]\n"
    "       int8rt cache show --cache FILE [--json]\n"
    "\n"
    "Decodes a calibration cache in TensorRT's text format (written by TensorRT or by int8rt\n"
    "calibrate): the header's version and algorithm, then per tensor its scale as the cache's hex\n"
    "(the IEEE-754 bits of the float32 scale), the scale, and amax = scale * 127.\n"
    "\n"
    "flags:\n";

constexpr char kCacheUsage[] =
    "usage: int8rt cache <subcommand> [flags]\n"
    "\n"
    "subcommands:\n"
    "  show    decode a calibration cache file\n";

std::string hex8(float scale) {
  uint32_t bits = 0;
  std::memcpy(&bits, &scale, sizeof bits);
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%08x", bits);
  return buffer;
}

void print_json(const std::string& path, const CalibrationTable& table) {
  std::printf("{\"file\": %s, \"version\": %d, \"algorithm\": %s, ", json_string(path).c_str(),
              table.version, json_string(table.algorithm).c_str());
  if (table.legacy) {
    std::printf("\"legacy\": {\"regression_cutoff\": %s, \"quantile\": %s}, ",
                json_number(table.legacy->regression_cutoff).c_str(),
                json_number(table.legacy->quantile).c_str());
  }
  std::printf("\"tensors\": [");
  for (size_t i = 0; i < table.entries.size(); ++i) {
    const CacheEntry& range = table.entries[i];
    const float scale = range.scale;
    std::printf("%s\n  {\"name\": %s, \"hex\": \"%s\", \"scale\": %s, \"amax\": %s}", i ? "," : "",
                json_string(range.name).c_str(), hex8(scale).c_str(), json_number(scale).c_str(),
                json_number(range.amax()).c_str());
  }
  std::printf("\n]}\n");
}

void print_table(const std::string& path, const CalibrationTable& table) {
  if (table.version == 0) {
    std::printf("%s: no TRT- header (algorithm %s, %zu tensors)\n", path.c_str(),
                table.algorithm.c_str(), table.entries.size());
  } else {
    std::printf("%s: TRT-%d-%s (version %d, algorithm %s, %zu tensors)\n", path.c_str(),
                table.version, table.algorithm.c_str(), table.version, table.algorithm.c_str(),
                table.entries.size());
  }
  if (table.legacy) {
    std::printf("Legacy calibrator parameters: regression cutoff %.9g, quantile %.9g\n",
                table.legacy->regression_cutoff, table.legacy->quantile);
  }
  size_t width = std::strlen("tensor");
  for (const CacheEntry& range : table.entries)
    width = std::max(width, range.name.size());
  const int w = static_cast<int>(width);
  std::printf("%-*s  %-8s  %12s  %12s\n", w, "tensor", "hex", "scale", "amax");
  for (const CacheEntry& range : table.entries) {
    const float scale = range.scale;
    std::printf("%-*s  %-8s  %12s  %12s\n", w, range.name.c_str(), hex8(scale).c_str(),
                format_value(scale).c_str(), format_value(range.amax()).c_str());
  }
}

int show_command(const std::vector<std::string>& argv) {
  const std::vector<Flag> flags = show_flags();
  if (wants_help(argv)) {
    std::printf("%s%s", kUsage, flags_help(flags).c_str());
    return kExitOk;
  }
  // One positional argument (the file) among the flags.
  std::vector<std::string> rest;
  std::string path;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg == "--cache" && i + 1 < argv.size()) {  // the flag's value is not the positional file
      rest.insert(rest.end(), {arg, argv[++i]});
    } else if (!arg.starts_with("-") || arg == "-") {
      if (!path.empty()) {
        return report_error("cache show", invalid_argument("one cache file expected, got \"", path,
                                                           "\" and \"", arg, "\""));
      }
      path = arg;
    } else {
      rest.push_back(arg);
    }
  }
  auto args = Args::parse(rest, flags);
  if (!args.is_ok()) return report_error("cache show", args.status());
  if (args->has("cache")) {
    if (!path.empty()) {
      return report_error("cache show", invalid_argument("give the cache file once: \"", path,
                                                         "\" and --cache ", args->get("cache")));
    }
    path = args->get("cache");
  }
  if (path.empty()) {
    return report_error("cache show", invalid_argument("the cache file is missing: ",
                                                       "int8rt cache show FILE [--json]"));
  }
  auto table = read_calibration_cache_file(path);
  if (!table.is_ok()) return report_error("cache show", table.status());
  if (args->has("json")) {
    print_json(path, *table);
  } else {
    print_table(path, *table);
  }
  return kExitOk;
}

}  // namespace

int cache_command(const std::vector<std::string>& argv) {
  if (argv.empty()) {
    std::fprintf(stderr, "%s", kCacheUsage);
    return kExitUserError;
  }
  if (argv[0] == "-h" || argv[0] == "--help" || argv[0] == "help") {
    std::printf("%s", kCacheUsage);
    return kExitOk;
  }
  if (argv[0] == "show") return show_command({argv.begin() + 1, argv.end()});
  std::fprintf(stderr, "int8rt cache: unknown subcommand \"%s\" (subcommands: show)\n",
               argv[0].c_str());
  return kExitUserError;
}

}  // namespace int8rt::cli
