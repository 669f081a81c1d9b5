// Command-line flags shared by the int8rt subcommands.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "int8rt/status.h"

namespace int8rt::cli {

// One flag a subcommand accepts. A flag with an empty `value_name` is a switch (no value).
struct Flag {
  std::string name;        // "onnx" for --onnx
  std::string value_name;  // "FILE" in "--onnx FILE"; empty for a switch
  std::string help;
  bool repeated = false;  // may be given more than once
  char short_name = 0;    // 'v' for -v
};

// Flags as parsed: "--name value", "--name=value", switches, "-v". Anything else (a positional
// argument, an unknown flag, a missing value, a non-repeated flag given twice) is an error that
// names the argument.
class Args {
 public:
  static Result<Args> parse(const std::vector<std::string>& argv, const std::vector<Flag>& flags);

  bool has(std::string_view name) const { return count(name) > 0; }
  int count(std::string_view name) const;
  // The value of a flag given once (or the last one), or `fallback`.
  std::string get(std::string_view name, std::string_view fallback = "") const;
  const std::vector<std::string>& all(std::string_view name) const;

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
};

// "  --onnx FILE        the model\n" lines for --help.
std::string flags_help(const std::vector<Flag>& flags);

// True when argv asks for help (-h or --help anywhere).
bool wants_help(const std::vector<std::string>& argv);

// Parses a non-negative integer flag value; `flag` names it in the error.
Result<int64_t> parse_count(std::string_view flag, std::string_view text);

}  // namespace int8rt::cli
