// bench_fp32: int8rt FP32 (Backend::kCpu) vs ONNX Runtime on the same ONNX models, same machine,
// same run, same thread count, side by side.
//
//   bench_fp32 [--batches 1,8] [--iterations 200] [--warmup 20] [--rounds 10] [--threads 2]
//              [--no-ort] [--layers] [--ort-command CMD] MODEL.onnx...
//
// For each model and batch size: build an int8rt engine (input shape [batch, ...] from the
// model's first input), load the same model in ONNX Runtime (bench/ort_bench.js, a Node.js
// process driven over a pipe), warm both up, then alternate `rounds` blocks of iterations/rounds
// timed runs of each, so that both see the same machine load. Reports the median and 90th
// percentile of the per-run wall times, the lowest round median ("best": on a shared machine the
// round least disturbed by other processes) and the ratios int8rt / ORT of both. --ort-command
// replaces the ORT server (default: node bench/ort_bench.js; bench/ort_bench.py speaks the same
// protocol through Python's onnxruntime).
#include <omp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "int8rt/int8rt.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::vector<int64_t> batches = {1, 8};
  int iterations = 200;
  int warmup = 20;
  int rounds = 10;
  int threads = 2;
  bool ort = true;
  bool layers = false;
  std::string ort_command = "node " INT8RT_BENCH_DIR "/ort_bench.js";
  std::vector<std::string> models;
};

struct Stats {
  double median = 0.0, p90 = 0.0;
  double best_round = 0.0;  // the lowest of the rounds' medians
};

double quantile(std::vector<double> times, double q) {
  if (times.empty()) return 0.0;
  std::sort(times.begin(), times.end());
  return times[std::min(times.size() - 1,
                        static_cast<size_t>(q * static_cast<double>(times.size())))];
}

// `rounds` holds each round's per-run times.
Stats stats_of(const std::vector<std::vector<double>>& rounds) {
  std::vector<double> all;
  Stats stats;
  for (const auto& round : rounds) {
    all.insert(all.end(), round.begin(), round.end());
    const double median = quantile(round, 0.5);
    if (!round.empty() && (stats.best_round == 0.0 || median < stats.best_round)) {
      stats.best_round = median;
    }
  }
  stats.median = quantile(all, 0.5);
  stats.p90 = quantile(all, 0.9);
  return stats;
}

bool progress_enabled() {
  static const bool enabled = isatty(fileno(stderr)) != 0;
  return enabled;
}

void progress(const std::string& text) {
  if (progress_enabled()) std::fprintf(stderr, "\r\033[K%s", text.c_str());
}

// The ONNX Runtime side: a Node.js process speaking one JSON line per command (ort_bench.js).
class OrtServer {
 public:
  ~OrtServer() { stop(); }

  bool start(const std::string& command, std::string& error) {
    int to_child[2], from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) {
      error = "pipe failed";
      return false;
    }
    pid_ = fork();
    if (pid_ == 0) {
      dup2(to_child[0], STDIN_FILENO);
      dup2(from_child[1], STDOUT_FILENO);
      close(to_child[1]);
      close(from_child[0]);
      execl("/bin/sh", "sh", "-c", ("exec " + command).c_str(), static_cast<char*>(nullptr));
      std::perror("bench_fp32: cannot run the ONNX Runtime server");
      _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    in_ = fdopen(to_child[1], "w");
    out_ = fdopen(from_child[0], "r");
    return pid_ > 0 && in_ != nullptr && out_ != nullptr;
  }

  // Sends one command line; returns the reply line, or nullopt (with `error`) on failure.
  std::optional<std::string> call(const std::string& command, std::string& error) {
    if (in_ == nullptr) return std::nullopt;
    std::fprintf(in_, "%s\n", command.c_str());
    std::fflush(in_);
    std::string line;
    int c;
    while ((c = std::fgetc(out_)) != EOF && c != '\n')
      line.push_back(static_cast<char>(c));
    if (line.find("\"ok\":true") == std::string::npos) {
      error = line.empty() ? "ONNX Runtime process exited" : line;
      return std::nullopt;
    }
    return line;
  }

  void stop() {
    if (in_ != nullptr) {
      std::fprintf(in_, "{\"cmd\":\"quit\"}\n");
      std::fclose(in_);
      in_ = nullptr;
    }
    if (out_ != nullptr) {
      std::fclose(out_);
      out_ = nullptr;
    }
    if (pid_ > 0) {
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

 private:
  pid_t pid_ = -1;
  FILE* in_ = nullptr;
  FILE* out_ = nullptr;
};

// The numbers of the "times_ms" array of a reply.
std::vector<double> parse_times(const std::string& reply) {
  std::vector<double> times;
  const size_t open = reply.find('[');
  const size_t close = reply.find(']', open);
  if (open == std::string::npos || close == std::string::npos) return times;
  std::istringstream in(reply.substr(open + 1, close - open - 1));
  std::string item;
  while (std::getline(in, item, ','))
    times.push_back(std::stod(item));
  return times;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

struct Row {
  std::string model;
  int64_t batch = 0;
  Stats int8rt, ort;
  bool has_ort = false;
  std::string note;
};

class Int8rtRunner {
 public:
  bool build(const std::string& path, int64_t batch, bool print_layers, std::string& error,
             std::string& input_name, std::vector<int64_t>& shape) {
    int8rt::Builder builder(logger_);
    auto network = builder.create_network();
    int8rt::OnnxParser parser(*network, logger_);
    int8rt::Status status = parser.parse_from_file(path);
    if (!status.is_ok()) {
      error = status.to_string();
      return false;
    }
    const int8rt::Tensor* input = network->input(0);
    shape = input->dims().extents();
    shape[0] = batch;
    input_name = input->name();
    auto config = builder.create_config();
    config->set_backend(int8rt::Backend::kCpu);
    config->set_input_shape(input_name, int8rt::Dims(shape));
    auto engine = builder.build(*network, *config);
    if (!engine.is_ok()) {
      error = engine.status().to_string();
      return false;
    }
    engine_ = std::move(engine).value();
    if (print_layers) {
      std::printf("%s batch %lld:\n", path.c_str(), static_cast<long long>(batch));
      for (const auto& layer : engine_->layers()) {
        std::printf("  %-14s %-48s %s\n", layer.op.c_str(), layer.name.c_str(),
                    layer.kernel.c_str());
      }
    }
    context_ = engine_->create_execution_context();
    std::mt19937 rng(12345);
    std::uniform_real_distribution<float> dist(0.0f, 1.0f);
    input_.resize(static_cast<size_t>(engine_->input(0).dims.volume()));
    for (float& v : input_)
      v = dist(rng);
    outputs_.clear();
    for (int i = 0; i < engine_->num_outputs(); ++i) {
      outputs_.emplace_back(static_cast<size_t>(engine_->output(i).dims.volume()));
    }
    return true;
  }

  bool run(int iterations, std::vector<double>* times, std::string& error) {
    std::vector<const void*> in{input_.data()};
    std::vector<void*> out;
    for (auto& o : outputs_)
      out.push_back(o.data());
    for (int i = 0; i < iterations; ++i) {
      const auto start = Clock::now();
      int8rt::Status status = context_->execute(in, out);
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      if (!status.is_ok()) {
        error = status.to_string();
        return false;
      }
      if (times != nullptr) times->push_back(ms);
    }
    return true;
  }

 private:
  int8rt::StderrLogger logger_{int8rt::Logger::Severity::kError};
  std::unique_ptr<int8rt::Engine> engine_;
  std::unique_ptr<int8rt::ExecutionContext> context_;
  std::vector<float> input_;
  std::vector<std::vector<float>> outputs_;
};

std::vector<int64_t> parse_list(const std::string& text) {
  std::vector<int64_t> values;
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    values.push_back(std::stoll(item));
  return values;
}

int usage() {
  std::fprintf(stderr,
               "usage: bench_fp32 [--batches 1,8] [--iterations N] [--warmup N] [--rounds N]\n"
               "                  [--threads N] [--no-ort] [--layers] [--ort-command CMD] "
               "MODEL.onnx...\n");
  return 2;
}

// Lets both runtimes' worker threads stop spinning before the other one runs.
void settle() {
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--batches") {
      options.batches = parse_list(next());
    } else if (arg == "--iterations") {
      options.iterations = std::stoi(next());
    } else if (arg == "--warmup") {
      options.warmup = std::stoi(next());
    } else if (arg == "--rounds") {
      options.rounds = std::max(1, std::stoi(next()));
    } else if (arg == "--threads") {
      options.threads = std::stoi(next());
    } else if (arg == "--no-ort") {
      options.ort = false;
    } else if (arg == "--layers") {
      options.layers = true;
    } else if (arg == "--ort-command") {
      options.ort_command = next();
    } else if (arg == "-h" || arg == "--help" || arg.rfind("--", 0) == 0) {
      return usage();
    } else {
      options.models.push_back(arg);
    }
  }
  if (options.models.empty() || options.batches.empty() || options.iterations <= 0) return usage();
  omp_set_num_threads(options.threads);

  OrtServer ort;
  std::string error;
  if (options.ort && !ort.start(options.ort_command, error)) {
    std::fprintf(stderr, "bench_fp32: cannot start ONNX Runtime (%s); use --no-ort\n",
                 error.c_str());
    return 1;
  }

  std::vector<Row> rows;
  const int per_round = std::max(1, options.iterations / options.rounds);
  for (const std::string& path : options.models) {
    const std::string model = std::filesystem::path(path).stem().string();
    for (int64_t batch : options.batches) {
      Row row{model, batch};
      progress(model + " batch " + std::to_string(batch) + ": building");
      Int8rtRunner runner;
      std::string input_name;
      std::vector<int64_t> shape;
      if (!runner.build(path, batch, options.layers, error, input_name, shape)) {
        row.note = "int8rt: " + error;
        rows.push_back(row);
        continue;
      }
      if (options.ort) {
        std::ostringstream load;
        load << "{\"cmd\":\"load\",\"model\":" << json_string(std::filesystem::absolute(path))
             << ",\"input\":" << json_string(input_name) << ",\"shape\":[";
        for (size_t d = 0; d < shape.size(); ++d)
          load << (d ? "," : "") << shape[d];
        load << "],\"threads\":" << options.threads << "}";
        row.has_ort =
            ort.call(load.str(), error).has_value() &&
            ort.call("{\"cmd\":\"run\",\"iterations\":" + std::to_string(options.warmup) + "}",
                     error)
                .has_value();
        if (!row.has_ort) row.note = "ORT: " + error;
      }
      if (!runner.run(options.warmup, nullptr, error)) {
        row.note = "int8rt: " + error;
        rows.push_back(row);
        continue;
      }
      std::vector<std::vector<double>> ours, theirs;
      bool ok = true;
      for (int r = 0; r < options.rounds && ok; ++r) {
        progress(model + " batch " + std::to_string(batch) + ": round " + std::to_string(r + 1) +
                 "/" + std::to_string(options.rounds));
        settle();
        ours.emplace_back();
        ok = runner.run(per_round, &ours.back(), error);
        if (!ok) row.note = "int8rt: " + error;
        if (ok && row.has_ort) {
          settle();
          auto reply =
              ort.call("{\"cmd\":\"run\",\"iterations\":" + std::to_string(per_round) + "}", error);
          if (!reply) {
            row.has_ort = false;
            row.note = "ORT: " + error;
          } else {
            theirs.push_back(parse_times(*reply));
          }
        }
      }
      row.int8rt = stats_of(ours);
      row.ort = stats_of(theirs);
      rows.push_back(row);
    }
  }
  progress("");
  if (progress_enabled()) std::fprintf(stderr, "\r\033[K");
  ort.stop();

  std::printf(
      "int8rt FP32 (Backend::kCpu) vs ONNX Runtime, %d threads, %d timed runs each in "
      "%d interleaved rounds, ms per run\n",
      options.threads, per_round * options.rounds, options.rounds);
  std::printf("(best: the lowest round median, the least disturbed by other processes)\n");
  std::printf("%-20s %5s  %9s %9s %9s  %9s %9s %9s  %7s %7s\n", "model", "batch", "int8rt p50",
              "p90", "best", "ORT p50", "p90", "best", "ratio", "(best)");
  for (const Row& row : rows) {
    if (!row.note.empty() && row.int8rt.median == 0.0) {
      std::printf("%-20s %5lld  %s\n", row.model.c_str(), static_cast<long long>(row.batch),
                  row.note.c_str());
      continue;
    }
    std::printf("%-20s %5lld  %9.3f %9.3f %9.3f", row.model.c_str(),
                static_cast<long long>(row.batch), row.int8rt.median, row.int8rt.p90,
                row.int8rt.best_round);
    if (row.has_ort) {
      std::printf("  %9.3f %9.3f %9.3f  %6.2fx %6.2fx\n", row.ort.median, row.ort.p90,
                  row.ort.best_round, row.int8rt.median / row.ort.median,
                  row.int8rt.best_round / row.ort.best_round);
    } else {
      std::printf("  %9s %9s %9s  %7s %7s  %s\n", "-", "-", "-", "-", "-", row.note.c_str());
    }
  }
  return 0;
}
