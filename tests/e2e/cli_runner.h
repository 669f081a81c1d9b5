// Runs the built int8rt command-line tool for the end-to-end tests.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace int8rt::testing {

struct CliResult {
  int exit_code = -1;  // the tool's exit status; 124 when it ran past the time limit
  std::string out;     // stdout
  std::string err;     // stderr
  std::string command;
};

// Path of the built tool: <build dir>/bin/int8rt.
inline std::string cli_path() {
  return std::string(INT8RT_BINARY_DIR) + "/bin/int8rt";
}

inline std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text)
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The number after `"key": ` in the JSON a command printed, searching from `from`; NaN when the
// key is absent or its value is null.
inline double json_number(const std::string& json, const std::string& key, size_t from = 0) {
  const size_t at = json.find("\"" + key + "\": ", from);
  if (at == std::string::npos) return std::nan("");
  const char* text = json.c_str() + at + key.size() + 4;
  if (std::string_view(text).starts_with("null")) return std::nan("");
  return std::strtod(text, nullptr);
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `int8rt <args...>` under coreutils `timeout`, capturing stdout and stderr. A crash shows
// as exit code 128 + the signal number (as the shell reports it), a hang as 124 (or 137 when it
// ignored SIGTERM).
inline CliResult run_cli(const std::vector<std::string>& args, int timeout_seconds = 300) {
  static int counter = 0;
  const std::string stem =
      (std::filesystem::temp_directory_path() /
       ("int8rt_cli_" + std::to_string(::getpid()) + "_" + std::to_string(counter++)))
          .string();
  CliResult result;
  result.command = "int8rt";
  std::string line =
      "timeout -k 10 " + std::to_string(timeout_seconds) + " " + shell_quote(cli_path());
  for (const std::string& arg : args) {
    line += " " + shell_quote(arg);
    result.command += " " + shell_quote(arg);
  }
  line += " >" + shell_quote(stem + ".out") + " 2>" + shell_quote(stem + ".err");
  const int status = std::system(line.c_str());
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = slurp(stem + ".out");
  result.err = slurp(stem + ".err");
  std::filesystem::remove(stem + ".out");
  std::filesystem::remove(stem + ".err");
  return result;
}

}  // namespace int8rt::testing
