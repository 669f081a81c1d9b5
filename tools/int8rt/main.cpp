// int8rt: the command-line tool. One subcommand per file (build.cpp, inspect.cpp, run.cpp,
// eval.cpp, bench.cpp, calibrate.cpp, cache.cpp).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "commands.h"
#include "common.h"

namespace {

constexpr char kUsage[] =
    "usage: int8rt <command> [flags]\n"
    "\n"
    "commands:\n"
    "  build       build an FP32 or INT8 engine; print its layers, save the plan file\n"
    "  inspect     list the layers, precisions and kernels of a plan file, or the layers and\n"
    "              tensors of an ONNX model\n"
    "  run         run a network once on .npy inputs; print or save its outputs\n"
    "  eval        top-1 accuracy of a classifier on a labelled data set\n"
    "  bench       latency and throughput of an engine on random inputs\n"
    "  calibrate   INT8 ranges of every tensor: calibrate on data, write the cache\n"
    "  cache show  decode a calibration cache (TensorRT's text format)\n"
    "  compare     FP32 vs INT8 engine tensor by tensor: SQNR, cosine, top-1 agreement\n"
    "  report      an HTML page of histograms, thresholds and per-tensor INT8 error\n"
    "  repair      layers to keep in FP32 so INT8 meets an accuracy target\n"
    "\n"
    "`int8rt <command> --help` lists the command's flags; `int8rt --version` the version.\n"
    "Exit status: 0 success, 1 bad input (flags, files, shapes), 2 internal error\n"
    "(3: repair ran but could not meet its accuracy target).\n";

// The command's exit status, or a user error when what it printed could not all be written (a
// full disk or /dev/full behind the redirection, a closed pipe): output that was lost is never a
// success.
int after_flushing_stdout(std::string_view command, int status) {
  using namespace int8rt::cli;
  errno = 0;
  const bool lost = std::fflush(stdout) != 0 || std::ferror(stdout) != 0 || std::cout.fail();
  if (!lost) return status;
  std::fprintf(stderr, "int8rt %.*s: cannot write to standard output: %s\n",
               static_cast<int>(command.size()), command.data(),
               errno != 0 ? std::strerror(errno) : "write error");
  return status == kExitOk ? kExitUserError : status;
}

int run_command_line(int argc, char** argv) {
  using namespace int8rt::cli;
  if (argc < 2) {
    std::fprintf(stderr, "%s", kUsage);
    return kExitUserError;
  }
  const std::string_view command = argv[1];
  if (command == "-h" || command == "--help" || command == "help") {
    std::printf("%s", kUsage);
    return kExitOk;
  }
  if (command == "--version" || command == "version") {
    // The version, then each backend this build has and whether it can run here.
    std::printf("int8rt %s\n", INT8RT_VERSION);
    for (const std::string& name : int8rt::backend_names()) {
      const int8rt::BackendInfo info = int8rt::get_backend_info(name).value();
      if (info.available) {
        std::printf("backend %s: %s, INT8 %s%s\n", name.c_str(), info.device.c_str(),
                    std::string(int8rt::to_string(info.int8)).c_str(),
                    info.fast_fp16 ? ", fast FP16" : "");
      } else {
        std::printf("backend %s: can't run here: %s\n", name.c_str(), info.reason.c_str());
      }
    }
    return kExitOk;
  }
  const std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (command == "build") return build_command(args);
    if (command == "inspect") return inspect_command(args);
    if (command == "run") return run_command(args);
    if (command == "eval") return eval_command(args);
    if (command == "bench") return bench_command(args);
    if (command == "calibrate") return calibrate_command(args);
    if (command == "cache") return cache_command(args);
    if (command == "compare") return compare_command(args);
    if (command == "report") return report_command(args);
    if (command == "repair") return repair_command(args);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "int8rt %s: internal error: %s\n", argv[1], error.what());
    return kExitInternalError;
  }
  std::fprintf(stderr, "int8rt: unknown command \"%s\" (int8rt --help lists the commands)\n",
               argv[1]);
  return kExitUserError;
}

}  // namespace

int main(int argc, char** argv) {
  return after_flushing_stdout(argc > 1 ? argv[1] : "", run_command_line(argc, argv));
}
