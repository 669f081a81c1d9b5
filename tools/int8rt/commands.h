// The int8rt subcommands; each takes the arguments after its name and returns the exit code.
#pragma once

#include <string>
#include <vector>

namespace int8rt::cli {

int run_command(const std::vector<std::string>& argv);
int eval_command(const std::vector<std::string>& argv);
int build_command(const std::vector<std::string>& argv);
int inspect_command(const std::vector<std::string>& argv);
int bench_command(const std::vector<std::string>& argv);
int calibrate_command(const std::vector<std::string>& argv);
int compare_command(const std::vector<std::string>& argv);
int report_command(const std::vector<std::string>& argv);
int repair_command(const std::vector<std::string>& argv);
// `int8rt cache show ...`: argv starts with the subcommand.
int cache_command(const std::vector<std::string>& argv);

}  // namespace int8rt::cli
