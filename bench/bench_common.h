// The timing protocol shared by bench_fp32 and bench_int8: command-line options, an int8rt engine
// runner, the ONNX Runtime child process (bench/ort_bench.js's protocol: one JSON line per command
// and per reply), per-run statistics and progress on a terminal.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "int8rt/int8rt.h"

namespace bench {

using Clock = std::chrono::steady_clock;

// The flags both programs take; each adds its own through parse_args's `extra`.
struct CommonOptions {
  std::vector<int64_t> batches;
  int iterations = 200;
  int warmup = 20;
  int rounds = 10;
  int threads = 2;
  bool ort = true;
  bool layers = false;
  std::string ort_command = "node " INT8RT_BENCH_DIR "/ort_bench.js";
  std::vector<std::string> models;

  // Timed runs per round: iterations spread over the rounds, at least one.
  int per_round() const;
};

// Takes a flag; `next` returns the flag's value (empty when argv ends). Returns whether it knew
// the flag.
using ExtraFlag =
    std::function<bool(const std::string& arg, const std::function<std::string()>& next)>;

// Parses --batches/--iterations/--warmup/--rounds/--threads/--no-ort/--layers/--ort-command,
// then `extra`'s flags, the rest as model paths. Returns false for -h, --help or an unknown flag.
bool parse_args(int argc, char** argv, CommonOptions& options, const ExtraFlag& extra);

// A comma-separated list of integers ("1,8").
std::vector<int64_t> parse_list(const std::string& text);

struct Stats {
  double median = 0.0, p90 = 0.0;
  double best_round = 0.0;  // the lowest of the rounds' medians
};

// The q-quantile of `times` (the element at floor(q * n) of the sorted times), 0 when empty.
double quantile(std::vector<double> times, double q);

// `rounds` holds each round's per-run times.
Stats stats_of(const std::vector<std::vector<double>>& rounds);

bool progress_enabled();
// Rewrites the status line on stderr when it is a terminal.
void progress(const std::string& text);
// Clears the status line.
void progress_done();

// Lets both runtimes' worker threads stop spinning before the other one runs.
void settle();

// An int8rt engine (backend "cpu") with one seeded uniform [0,1) input and its outputs.
class Runner {
 public:
  // Builds the engine for [batch, ...] (the model's first input); `calibrator` non-null makes an
  // INT8 build.
  bool build(const std::string& path, int64_t batch, int8rt::Calibrator* calibrator,
             std::string& error);
  // Runs `iterations` times, appending each run's wall time in ms to `times` when non-null.
  bool run(int iterations, std::vector<double>* times, std::string& error);

  const int8rt::Engine& engine() const { return *engine_; }
  int8rt::ExecutionContext& context() { return *context_; }
  std::vector<float>& output(size_t i) { return outputs_[i]; }
  const std::vector<int64_t>& shape() const { return shape_; }
  const std::string& input_name() const { return input_name_; }

 private:
  int8rt::StderrLogger logger_{int8rt::Logger::Severity::kError};
  std::unique_ptr<int8rt::Engine> engine_;
  std::unique_ptr<int8rt::ExecutionContext> context_;
  std::vector<int64_t> shape_;
  std::string input_name_;
  std::vector<float> input_;
  std::vector<std::vector<float>> outputs_;
};

// The ONNX Runtime side: a process speaking one JSON line per command (bench/ort_bench.js).
class OrtServer {
 public:
  ~OrtServer() { stop(); }

  // Starts `command` through /bin/sh; `program` names the caller in exec failure messages.
  bool start(const std::string& command, const char* program, std::string& error);
  // Loads `model` with input `input_name` of `shape`, then runs it `warmup` times.
  bool load(const std::string& model, const std::string& input_name,
            const std::vector<int64_t>& shape, int threads, int warmup, std::string& error);
  // Runs the loaded model `iterations` times; returns the per-run times in ms.
  std::optional<std::vector<double>> run(int iterations, std::string& error);
  void stop();

 private:
  // Sends one command line; returns the reply line, or nullopt (with `error`) on failure.
  std::optional<std::string> call(const std::string& command, std::string& error);

  pid_t pid_ = -1;
  FILE* in_ = nullptr;
  FILE* out_ = nullptr;
};

}  // namespace bench
