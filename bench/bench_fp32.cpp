// bench_fp32: int8rt FP32 (backend \"cpu\") vs ONNX Runtime on the same ONNX models, same machine,
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

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_common.h"

namespace {

struct Row {
  std::string model;
  int64_t batch = 0;
  bench::Stats int8rt, ort;
  bool has_ort = false;
  std::string note;
};

int usage() {
  std::fprintf(stderr,
               "usage: bench_fp32 [--batches 1,8] [--iterations N] [--warmup N] [--rounds N]\n"
               "                  [--threads N] [--no-ort] [--layers] [--ort-command CMD] "
               "MODEL.onnx...\n");
  return 2;
}

void print_layers(const std::string& path, int64_t batch, const int8rt::Engine& engine) {
  std::printf("%s batch %lld:\n", path.c_str(), static_cast<long long>(batch));
  for (const auto& layer : engine.layers()) {
    std::printf("  %-14s %-48s %s\n", layer.op.c_str(), layer.name.c_str(), layer.kernel.c_str());
  }
}

// Builds, warms up and times one model at one batch size, int8rt and ORT in alternate rounds.
Row measure(const bench::CommonOptions& options, bench::OrtServer& ort, const std::string& path,
            int64_t batch) {
  const std::string model = std::filesystem::path(path).stem().string();
  Row row{model, batch};
  std::string error;
  bench::progress(model + " batch " + std::to_string(batch) + ": building");
  bench::Runner runner;
  if (!runner.build(path, batch, nullptr, error)) {
    row.note = "int8rt: " + error;
    return row;
  }
  if (options.layers) print_layers(path, batch, runner.engine());
  if (options.ort) {
    row.has_ort =
        ort.load(path, runner.input_name(), runner.shape(), options.threads, options.warmup, error);
    if (!row.has_ort) row.note = "ORT: " + error;
  }
  if (!runner.run(options.warmup, nullptr, error)) {
    row.note = "int8rt: " + error;
    return row;
  }
  const int per_round = options.per_round();
  std::vector<std::vector<double>> ours, theirs;
  bool ok = true;
  for (int r = 0; r < options.rounds && ok; ++r) {
    bench::progress(model + " batch " + std::to_string(batch) + ": round " + std::to_string(r + 1) +
                    "/" + std::to_string(options.rounds));
    bench::settle();
    ours.emplace_back();
    ok = runner.run(per_round, &ours.back(), error);
    if (!ok) row.note = "int8rt: " + error;
    if (ok && row.has_ort) {
      bench::settle();
      auto times = ort.run(per_round, error);
      if (!times) {
        row.has_ort = false;
        row.note = "ORT: " + error;
      } else {
        theirs.push_back(std::move(*times));
      }
    }
  }
  row.int8rt = bench::stats_of(ours);
  row.ort = bench::stats_of(theirs);
  return row;
}

void print_rows(const bench::CommonOptions& options, const std::vector<Row>& rows) {
  std::printf(
      "int8rt FP32 (backend \"cpu\") vs ONNX Runtime, %d threads, %d timed runs each in "
      "%d interleaved rounds, ms per run\n",
      options.threads, options.per_round() * options.rounds, options.rounds);
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
}

}  // namespace

int main(int argc, char** argv) {
  bench::CommonOptions options;
  options.batches = {1, 8};
  const auto no_extra = [](const std::string&, const std::function<std::string()>&) {
    return false;
  };
  if (!bench::parse_args(argc, argv, options, no_extra) || options.models.empty() ||
      options.batches.empty() || options.iterations <= 0) {
    return usage();
  }
  omp_set_num_threads(options.threads);

  bench::OrtServer ort;
  std::string error;
  if (options.ort && !ort.start(options.ort_command, "bench_fp32", error)) {
    std::fprintf(stderr, "bench_fp32: cannot start ONNX Runtime (%s); use --no-ort\n",
                 error.c_str());
    return 1;
  }
  std::vector<Row> rows;
  for (const std::string& path : options.models) {
    for (int64_t batch : options.batches)
      rows.push_back(measure(options, ort, path, batch));
  }
  bench::progress_done();
  ort.stop();
  print_rows(options, rows);
  return 0;
}
