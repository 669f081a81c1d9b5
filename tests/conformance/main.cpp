// conformance: runs ONNX's backend test data (libonnx-testdata) through int8rt and compares
// every output with ONNX's expected values. See README.md.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "conformance/isolation.h"
#include "conformance/test_case.h"

namespace {

namespace fs = std::filesystem;
using int8rt::conformance::Outcome;
using int8rt::conformance::Verdict;

// CTest treats this exit code as "skipped" (SKIP_RETURN_CODE).
constexpr int kExitNoTestData = 77;
constexpr int kExitUsage = 2;
constexpr const char* kDefaultRoots[] = {"node", "pytorch-converted", "pytorch-operator", "simple"};

struct Options {
  std::vector<std::string> filters;
  std::vector<fs::path> roots;
  int8rt::conformance::CaseOptions case_options;
  std::string list_failures;
  bool verbose = false;
  bool isolate = true;
  int timeout_seconds = 60;
};

void print_help(std::ostream& out) {
  out << "usage: conformance [options]\n"
         "Runs ONNX backend tests (model.onnx + test_data_set_*/) through int8rt.\n\n"
         "  --root DIR           a directory of test directories (repeatable); default: "
      << INT8RT_ONNX_TESTDATA_DIR
      << "/{node,pytorch-converted,pytorch-operator,simple}\n"
         "  --filter SUBSTRING   run only tests whose directory name contains it;\n"
         "                       with a '/', whose root/test_dir name does (repeatable, any may "
         "match)\n"
         "  --backend cpu|reference\n"
         "  --list-failures FILE write 'name<TAB>reason' of every failing test to FILE\n"
         "  --timeout SECONDS    fail a test still running after this long (default 60, 0: none)\n"
         "  --no-fork            run tests in this process (for a debugger; a crash ends the run)\n"
         "  --verbose            also print PASS and SKIP lines, and int8rt warnings\n"
         "  --help\n\n"
         "Ends with the skip reasons and the line 'N passed, M failed, K skipped'; exit code 0 iff "
         "no test failed, 77 when no test data is installed.\n";
}

// Returns an exit code when the run should stop here.
std::optional<int> parse_args(int argc, char** argv, Options& options) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size()) {
        std::cerr << "conformance: " << arg << " needs a value\n";
        return std::nullopt;
      }
      return args[++i];
    };
    if (arg == "--help" || arg == "-h") {
      print_help(std::cout);
      return 0;
    } else if (arg == "--verbose" || arg == "-v") {
      options.verbose = true;
      options.case_options.verbose = true;
    } else if (arg == "--no-fork") {
      options.isolate = false;
    } else if (arg == "--filter" || arg == "--root" || arg == "--backend" ||
               arg == "--list-failures" || arg == "--timeout") {
      std::optional<std::string> v = value();
      if (!v) return kExitUsage;
      if (arg == "--filter") {
        options.filters.push_back(*v);
      } else if (arg == "--root") {
        options.roots.emplace_back(*v);
      } else if (arg == "--list-failures") {
        options.list_failures = *v;
      } else if (arg == "--timeout") {
        char* end = nullptr;
        const long seconds = std::strtol(v->c_str(), &end, 10);
        if (end == v->c_str() || *end != '\0' || seconds < 0) {
          std::cerr << "conformance: --timeout takes a number of seconds, got \"" << *v << "\"\n";
          return kExitUsage;
        }
        options.timeout_seconds = static_cast<int>(seconds);
      } else if (*v == "cpu") {
        options.case_options.backend = "cpu";
      } else if (*v == "reference") {
        options.case_options.backend = "reference";
      } else {
        std::cerr << "conformance: --backend is cpu or reference, got \"" << *v << "\"\n";
        return kExitUsage;
      }
    } else {
      std::cerr << "conformance: unknown argument \"" << arg << "\" (see --help)\n";
      return kExitUsage;
    }
  }
  return std::nullopt;
}

struct TestDir {
  std::string name;  // "node/test_abs"
  fs::path path;
};

// "node" for /usr/share/libonnx-testdata/data/node/ (the last non-empty path component).
std::string root_label(const fs::path& root) {
  fs::path normal = fs::absolute(root).lexically_normal();
  if (normal.filename().empty()) normal = normal.parent_path();
  return normal.filename().string();
}

std::vector<TestDir> find_tests(const std::vector<fs::path>& roots,
                                const std::vector<std::string>& filters) {
  std::vector<TestDir> tests;
  for (const fs::path& root : roots) {
    std::vector<TestDir> in_root;
    for (const fs::directory_entry& entry : fs::directory_iterator(root)) {
      if (!fs::exists(entry.path() / "model.onnx")) continue;
      const std::string name = root_label(root) + "/" + entry.path().filename().string();
      // A filter with a '/' matches "root/test", any other the test directory's name alone.
      const std::string dir_name = entry.path().filename().string();
      const bool wanted =
          filters.empty() || std::any_of(filters.begin(), filters.end(), [&](const std::string& f) {
            const std::string& haystack = f.find('/') != std::string::npos ? name : dir_name;
            return haystack.find(f) != std::string::npos;
          });
      if (wanted) in_root.push_back({name, entry.path()});
    }
    std::sort(in_root.begin(), in_root.end(),
              [](const TestDir& a, const TestDir& b) { return a.name < b.name; });
    tests.insert(tests.end(), in_root.begin(), in_root.end());
  }
  return tests;
}

std::string op_list(const Outcome& outcome) {
  constexpr size_t kMaxOps = 4;
  std::string out;
  for (size_t k = 0; k < outcome.ops.size() && k < kMaxOps; ++k) {
    out += (k == 0 ? "" : ",") + outcome.ops[k];
  }
  if (outcome.ops.size() > kMaxOps) out += ",...";
  return out.empty() ? "" : " [" + out + "]";
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (std::optional<int> code = parse_args(argc, argv, options)) return *code;

  if (options.roots.empty()) {
    for (const char* root : kDefaultRoots) {
      const fs::path path = fs::path(INT8RT_ONNX_TESTDATA_DIR) / root;
      if (fs::is_directory(path)) options.roots.push_back(path);
    }
    if (options.roots.empty()) {
      std::cout << "conformance: no ONNX test data under " << INT8RT_ONNX_TESTDATA_DIR
                << " (apt-get install libonnx-testdata); nothing to run\n";
      return kExitNoTestData;
    }
  } else {
    for (const fs::path& root : options.roots) {
      if (!fs::is_directory(root)) {
        std::cerr << "conformance: --root " << root.string() << " is not a directory\n";
        return kExitUsage;
      }
    }
  }

  const std::vector<TestDir> tests = find_tests(options.roots, options.filters);
  int passed = 0, failed = 0, skipped = 0;
  std::map<std::string, int> skip_counts;
  std::vector<std::pair<std::string, std::string>> failures;
  for (const TestDir& test : tests) {
    auto body = [&] { return int8rt::conformance::run_test_case(test.path, options.case_options); };
    const Outcome outcome =
        options.isolate ? int8rt::conformance::run_isolated(body, options.timeout_seconds) : body();
    switch (outcome.verdict) {
      case Verdict::kPass:
        ++passed;
        if (options.verbose) std::cout << "PASS " << test.name << "\n";
        break;
      case Verdict::kFail:
        ++failed;
        failures.emplace_back(test.name, outcome.reason);
        std::cout << "FAIL " << test.name << op_list(outcome) << ": " << outcome.reason << "\n";
        break;
      case Verdict::kSkip:
        ++skipped;
        ++skip_counts[outcome.reason];
        if (options.verbose) {
          std::cout << "SKIP " << test.name << ": " << outcome.reason;
          const std::string& d = outcome.detail;
          const std::string& r = outcome.reason;
          const bool adds = d.size() < r.size() || d.compare(d.size() - r.size(), r.size(), r) != 0;
          if (!d.empty() && adds) {
            std::cout << " (" << outcome.detail << ")";
          }
          std::cout << "\n";
        }
        break;
    }
    std::cout.flush();
  }

  if (!options.list_failures.empty()) {
    std::ofstream out(options.list_failures);
    for (const auto& [name, reason] : failures)
      out << name << "\t" << reason << "\n";
    if (!out) std::cerr << "conformance: cannot write " << options.list_failures << "\n";
  }

  if (!skip_counts.empty()) {
    std::vector<std::pair<std::string, int>> reasons(skip_counts.begin(), skip_counts.end());
    std::stable_sort(reasons.begin(), reasons.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    std::cout << "Skipped, by reason:\n";
    for (const auto& [reason, count] : reasons) {
      std::cout << "  " << count << "  " << reason << "\n";
    }
  }
  std::cout << passed << " passed, " << failed << " failed, " << skipped << " skipped" << std::endl;
  return failed == 0 ? 0 : 1;
}
