// bench_int8: int8rt INT8 vs int8rt FP32 vs ONNX Runtime INT8 (QDQ), same machine, same run,
// same thread count, side by side.
//
//   bench_int8 [--batches 1,16] [--iterations 200] [--warmup 20] [--rounds 10] [--threads 2]
//              [--calibration-samples 500] [--cache-dir DIR] [--fmnist-dir DIR] [--no-ort]
//              [--no-accuracy] [--layers] [--ort-command CMD] MODEL.onnx...
//
// For each model and batch size: build an int8rt FP32 engine and an INT8 engine
// (BuilderFlag::kInt8, a StreamCalibrator with Entropy2 over `calibration-samples` samples: the
// first Fashion-MNIST training images for models whose input is [N,1,28,28], else seeded
// standard-normal tensors of the model's input shape), load MODEL_qdq.onnx (beside MODEL.onnx;
// bench/models/export_qdq.py writes both) in ONNX Runtime (bench/ort_bench.js over a pipe), warm
// the three up, then alternate `rounds` blocks of timed runs of each, as bench_fp32 does. Prints
// median, 90th percentile and best round median of each, the INT8 / FP32 speedup, the int8rt INT8 /
// ORT INT8 ratio and how many layers of the INT8 engine run in INT8. For Fashion-MNIST models it
// also prints the t10k accuracy of both int8rt engines.
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench_common.h"

namespace {

struct Options : bench::CommonOptions {
  Options() { batches = {1, 16}; }
  int64_t calibration_samples = 500;
  int64_t calibration_batch = 50;
  std::string cache_dir;
  std::string fmnist_dir = "/usr/share/datasets/fashion-mnist";
  bool accuracy = true;
};

bool is_fmnist_shape(const std::vector<int64_t>& shape) {
  return shape.size() == 4 && shape[1] == 1 && shape[2] == 28 && shape[3] == 28;
}

// The calibration samples: Fashion-MNIST training images (the first n, as export_qdq.py uses for
// PyTorch) for [N,1,28,28] inputs, else standard-normal tensors seeded by sample index.
int8rt::Result<std::unique_ptr<int8rt::DataSource>> calibration_source(
    const Options& options, const std::vector<int64_t>& shape) {
  if (is_fmnist_shape(shape)) {
    return int8rt::open_data_source(
        "idx:" + options.fmnist_dir +
        "/train-images-idx3-ubyte.gz,limit=" + std::to_string(options.calibration_samples));
  }
  const std::vector<int64_t> sample(shape.begin() + 1, shape.end());
  std::unique_ptr<int8rt::DataSource> source = std::make_unique<int8rt::CallbackSource>(
      "random-normal", options.calibration_samples, int8rt::Dims(sample),
      [](int64_t index, std::span<float> out) {
        std::mt19937 rng(static_cast<uint32_t>(1000 + index));
        std::normal_distribution<float> dist(0.0f, 1.0f);
        for (float& v : out)
          v = dist(rng);
        return int8rt::Status::ok();
      });
  return source;
}

// Whether a layer of an engine runs INT8: its reported precision when the engine reports any
// INT8 layer, else (engines built before precisions were recorded) its kernel's name: INT8
// reference kernels are "reference.int8.*", and oneDNN names the ISA it picked, where only its
// integer kernels report VNNI or AMX (int8rt builds no bf16 primitives).
bool runs_int8(const int8rt::LayerInfo& layer, bool precisions_reported) {
  if (precisions_reported) return layer.precision == int8rt::DataType::kInt8;
  const std::string& k = layer.kernel;
  return k.find("int8") != std::string::npos || k.find("vnni") != std::string::npos ||
         k.find("amx") != std::string::npos || k.find("jit_int:") != std::string::npos;
}

bool reports_precisions(const std::vector<int8rt::LayerInfo>& layers) {
  return std::any_of(layers.begin(), layers.end(), [](const int8rt::LayerInfo& layer) {
    return layer.precision == int8rt::DataType::kInt8;
  });
}

struct LayerCounts {
  int total = 0, int8 = 0, reformats = 0, reorders = 0;
  std::vector<std::string> fp32;  // the compute layers left in FP32 (not reformats)
};

LayerCounts layer_counts(const int8rt::Engine& engine) {
  LayerCounts counts;
  const auto layers = engine.layers();
  const bool reported = reports_precisions(layers);
  for (const auto& layer : layers) {
    if (layer.op == "Quantize" || layer.op == "Dequantize") {
      ++counts.reformats;
      continue;
    }
    if (layer.op == "Reorder") {
      ++counts.reorders;
      continue;
    }
    ++counts.total;
    if (runs_int8(layer, reported)) {
      ++counts.int8;
    } else {
      counts.fp32.push_back(layer.op + " \"" + layer.name + "\"");
    }
  }
  return counts;
}

void print_layers(const std::string& path, int64_t batch, bool int8, const int8rt::Engine& engine) {
  std::printf("%s batch %lld, %s engine:\n", path.c_str(), static_cast<long long>(batch),
              int8 ? "INT8" : "FP32");
  const auto layers = engine.layers();
  const bool reported = reports_precisions(layers);
  for (const auto& layer : layers) {
    std::printf("  %-5s %-12s %-44s %s\n", runs_int8(layer, reported) ? "int8" : "fp32",
                layer.op.c_str(), layer.name.c_str(), layer.kernel.c_str());
  }
}

// Top-1 accuracy of `runner`'s engine over `data` (labelled), in batches of its batch size.
std::optional<double> accuracy(bench::Runner& runner, int8rt::DataSource& data,
                               std::string& error) {
  const int64_t batch = runner.shape()[0];
  const int64_t classes = runner.engine().output(0).dims.volume() / batch;
  std::vector<float>& output = runner.output(0);
  int8rt::BatchStream stream(data, batch);
  int8rt::Batch b;
  int64_t correct = 0, seen = 0;
  while (true) {
    auto more = stream.next(b);
    if (!more.is_ok()) {
      error = more.status().to_string();
      return std::nullopt;
    }
    if (!more.value()) break;
    std::vector<const void*> in{b.data.data()};
    std::vector<void*> out{output.data()};
    int8rt::Status status = runner.context().execute(in, out);
    if (!status.is_ok()) {
      error = status.to_string();
      return std::nullopt;
    }
    for (int64_t i = 0; i < b.count; ++i) {
      const float* row = output.data() + i * classes;
      correct += (std::max_element(row, row + classes) - row) == b.labels[i] ? 1 : 0;
    }
    seen += b.count;
  }
  return seen > 0 ? std::optional<double>(100.0 * static_cast<double>(correct) /
                                          static_cast<double>(seen))
                  : std::nullopt;
}

struct Row {
  std::string model;
  int64_t batch = 0;
  bench::Stats fp32, int8, ort;
  bool has_fp32 = false, has_int8 = false, has_ort = false;
  LayerCounts layers;
  std::vector<std::string> notes;
  std::string accuracy;
};

int usage() {
  std::fprintf(stderr,
               "usage: bench_int8 [--batches 1,16] [--iterations N] [--warmup N] [--rounds N]\n"
               "                  [--threads N] [--calibration-samples N] [--cache-dir DIR]\n"
               "                  [--fmnist-dir DIR] [--no-ort] [--no-accuracy] [--layers]\n"
               "                  [--ort-command CMD] MODEL.onnx...\n"
               "ONNX Runtime runs MODEL_qdq.onnx from the same folder as MODEL.onnx.\n");
  return 2;
}

std::string qdq_path_of(const std::string& path) {
  std::filesystem::path p(path);
  return (p.parent_path() / (p.stem().string() + "_qdq.onnx")).string();
}

// Measures one model at one batch size.
Row measure(const Options& options, bench::OrtServer* ort, const std::string& path, int64_t batch,
            bool with_accuracy) {
  const std::string model = std::filesystem::path(path).stem().string();
  Row row{model, batch};
  std::string error;
  const std::string label = model + " batch " + std::to_string(batch);

  bench::progress(label + ": building FP32");
  bench::Runner fp32;
  row.has_fp32 = fp32.build(path, batch, nullptr, error);
  if (!row.has_fp32) {
    row.notes.push_back("int8rt FP32: " + error);
    return row;
  }
  if (options.layers) print_layers(path, batch, false, fp32.engine());

  bench::progress(label + ": calibrating and building INT8");
  bench::Runner int8;
  auto source = calibration_source(options, fp32.shape());
  if (!source.is_ok()) {
    row.notes.push_back("calibration data: " + source.status().to_string());
  } else {
    int8rt::StreamCalibratorOptions calib{.algorithm = int8rt::CalibrationAlgorithm::kEntropy2,
                                          .batch_size = options.calibration_batch};
    if (!options.cache_dir.empty()) {
      calib.cache_path = options.cache_dir + "/" + model + ".entropy2." +
                         std::to_string(options.calibration_samples) + ".cache";
    }
    int8rt::StreamCalibrator calibrator(std::move(source).value(), calib);
    row.has_int8 = int8.build(path, batch, &calibrator, error);
    if (!row.has_int8) {
      row.notes.push_back("int8rt INT8: " + error);
    } else {
      if (options.layers) print_layers(path, batch, true, int8.engine());
      row.layers = layer_counts(int8.engine());
      if (row.layers.int8 == 0) {
        row.notes.push_back(
            "int8rt INT8: the builder made no layer INT8 (INT8 kernels not available in this "
            "build): the INT8 engine runs FP32");
      }
    }
  }

  const std::string qdq = qdq_path_of(path);
  if (ort != nullptr && !std::filesystem::exists(qdq)) {
    row.notes.push_back("ORT INT8: no " + qdq + " (bench/models/export_qdq.py writes it)");
  } else if (ort != nullptr) {
    row.has_ort =
        ort->load(qdq, fp32.input_name(), fp32.shape(), options.threads, options.warmup, error);
    if (!row.has_ort) row.notes.push_back("ORT INT8: " + error);
  }

  if (!fp32.run(options.warmup, nullptr, error)) {
    row.has_fp32 = false;
    row.notes.push_back("int8rt FP32: " + error);
    return row;
  }
  if (row.has_int8 && !int8.run(options.warmup, nullptr, error)) {
    row.has_int8 = false;
    row.notes.push_back("int8rt INT8: " + error);
  }

  const int per_round = options.per_round();
  std::vector<std::vector<double>> t_fp32, t_int8, t_ort;
  for (int r = 0; r < options.rounds; ++r) {
    bench::progress(label + ": round " + std::to_string(r + 1) + "/" +
                    std::to_string(options.rounds));
    bench::settle();
    t_fp32.emplace_back();
    if (!fp32.run(per_round, &t_fp32.back(), error)) {
      row.has_fp32 = false;
      row.notes.push_back("int8rt FP32: " + error);
      break;
    }
    if (row.has_int8) {
      bench::settle();
      t_int8.emplace_back();
      if (!int8.run(per_round, &t_int8.back(), error)) {
        row.has_int8 = false;
        row.notes.push_back("int8rt INT8: " + error);
      }
    }
    if (row.has_ort) {
      bench::settle();
      auto times = ort->run(per_round, error);
      if (!times) {
        row.has_ort = false;
        row.notes.push_back("ORT INT8: " + error);
      } else {
        t_ort.push_back(std::move(*times));
      }
    }
  }
  row.fp32 = bench::stats_of(t_fp32);
  row.int8 = bench::stats_of(t_int8);
  row.ort = bench::stats_of(t_ort);

  if (with_accuracy && is_fmnist_shape(fp32.shape())) {
    bench::progress(label + ": t10k accuracy");
    auto test =
        int8rt::open_data_source("idx:" + options.fmnist_dir + "/t10k-images-idx3-ubyte.gz," +
                                 options.fmnist_dir + "/t10k-labels-idx1-ubyte.gz");
    if (!test.is_ok()) {
      row.notes.push_back("accuracy: " + test.status().to_string());
    } else {
      std::ostringstream text;
      auto a32 = accuracy(fp32, **test, error);
      text.setf(std::ios::fixed);
      text.precision(2);
      if (a32) text << "t10k top-1: int8rt FP32 " << *a32 << "%";
      if (row.has_int8) {
        auto a8 = accuracy(int8, **test, error);
        if (a8) text << ", int8rt INT8 " << *a8 << "%";
      }
      row.accuracy = text.str();
      if (row.accuracy.empty()) row.notes.push_back("accuracy: " + error);
    }
  }
  return row;
}

void print_rows(const Options& options, const std::vector<Row>& rows, int timed) {
  std::printf(
      "int8rt INT8 and FP32 (backend \"cpu\") vs ONNX Runtime INT8 (QDQ model), %d threads, "
      "%d timed runs each in %d interleaved rounds, ms per run (p50 / best round median)\n",
      options.threads, timed, options.rounds);
  std::printf("%-20s %5s  %19s  %19s  %9s  %19s  %15s  %15s  %s\n", "model", "batch", "int8rt FP32",
              "int8rt INT8", "INT8 p90", "ORT INT8", "INT8/FP32 spdup", "INT8/ORT ratio",
              "int8 layers");
  auto pair = [](bool has, double a, double b) {
    char text[64];
    if (has) {
      std::snprintf(text, sizeof text, "%9.3f /%9.3f", a, b);
    } else {
      std::snprintf(text, sizeof text, "%19s", "-");
    }
    return std::string(text);
  };
  auto ratio = [](bool has, double a, double b, double c, double d) {
    char text[64];
    if (has && b > 0 && d > 0) {
      std::snprintf(text, sizeof text, "%6.2fx / %5.2fx", a / b, c / d);
    } else {
      std::snprintf(text, sizeof text, "%15s", "-");
    }
    return std::string(text);
  };
  for (const Row& row : rows) {
    char p90[32] = "        -";
    if (row.has_int8) std::snprintf(p90, sizeof p90, "%9.3f", row.int8.p90);
    char layers[64] = "-";
    if (row.has_int8) {
      std::snprintf(layers, sizeof layers, "%d/%d, %d Q/DQ, %d reorders", row.layers.int8,
                    row.layers.total, row.layers.reformats, row.layers.reorders);
    }
    std::printf("%-20s %5lld  %s  %s  %s  %s  %s  %s  %s\n", row.model.c_str(),
                static_cast<long long>(row.batch),
                pair(row.has_fp32, row.fp32.median, row.fp32.best_round).c_str(),
                pair(row.has_int8, row.int8.median, row.int8.best_round).c_str(), p90,
                pair(row.has_ort, row.ort.median, row.ort.best_round).c_str(),
                ratio(row.has_int8 && row.has_fp32, row.fp32.median, row.int8.median,
                      row.fp32.best_round, row.int8.best_round)
                    .c_str(),
                ratio(row.has_int8 && row.has_ort, row.int8.median, row.ort.median,
                      row.int8.best_round, row.ort.best_round)
                    .c_str(),
                layers);
  }
  for (const Row& row : rows) {
    const std::string head = row.model + " batch " + std::to_string(row.batch) + ": ";
    if (!row.accuracy.empty()) std::printf("%s%s\n", head.c_str(), row.accuracy.c_str());
    if (row.has_int8 && !row.layers.fp32.empty() && row.layers.int8 > 0) {
      std::printf("%sFP32 in the INT8 engine:", head.c_str());
      for (const auto& name : row.layers.fp32)
        std::printf(" %s", name.c_str());
      std::printf("\n");
    }
    for (const auto& note : row.notes)
      std::printf("%s%s\n", head.c_str(), note.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (const char* dir = std::getenv("INT8RT_FMNIST_DIR")) options.fmnist_dir = dir;
  const auto extra = [&](const std::string& arg, const std::function<std::string()>& next) {
    if (arg == "--calibration-samples") {
      options.calibration_samples = std::stoll(next());
    } else if (arg == "--cache-dir") {
      options.cache_dir = next();
    } else if (arg == "--fmnist-dir") {
      options.fmnist_dir = next();
    } else if (arg == "--no-accuracy") {
      options.accuracy = false;
    } else {
      return false;
    }
    return true;
  };
  if (!bench::parse_args(argc, argv, options, extra) || options.models.empty() ||
      options.batches.empty() || options.iterations <= 0 || options.calibration_samples <= 0) {
    return usage();
  }
  options.calibration_batch = std::min<int64_t>(50, options.calibration_samples);
  omp_set_num_threads(options.threads);

  bench::OrtServer ort;
  std::string error;
  if (options.ort && !ort.start(options.ort_command, "bench_int8", error)) {
    std::fprintf(stderr, "bench_int8: cannot start ONNX Runtime; use --no-ort\n");
    return 1;
  }
  std::vector<Row> rows;
  const int64_t largest = *std::max_element(options.batches.begin(), options.batches.end());
  for (const std::string& path : options.models) {
    for (int64_t batch : options.batches) {
      rows.push_back(measure(options, options.ort ? &ort : nullptr, path, batch,
                             options.accuracy && batch == largest));
    }
  }
  bench::progress_done();
  ort.stop();
  print_rows(options, rows, options.per_round() * options.rounds);
  return 0;
}
