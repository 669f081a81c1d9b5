// bench_calibration: what calibration costs next to running the network, and whether its memory
// stays flat as the calibration set grows.
//
//   bench_calibration [--model models/resnet_fmnist.onnx] [--images 500] [--grow 500,5000]
//                     [--batch 50] [--rounds 3] [--backend cpu|reference]
//
// Threads: OMP_NUM_THREADS (the children inherit it).
//                     [--data .../train-images-idx3-ubyte.gz]
//
// 1. Time: Builder::calibrate (Entropy2, no cache) on the first --images Fashion-MNIST training
//    images, and one plain FP32 pass over the same images (an engine built for [batch, 1, 28, 28],
//    execute per batch), alternated for --rounds rounds; medians and the fastest round. Calibration
//    is split into its phases through a ProgressMonitor: setup (data fingerprint, graph passes,
//    building the FP32 engine that observes every tensor), batches (FP32 runs + histograms) and
//    thresholds. Target: calibration <= 2x the FP32 pass.
// 2. Memory: for each size in --grow, a fresh process (this program re-executed, so that peaks
//    don't mix) calibrates on that many images and reports its resident set before calibrating
//    and its peak (VmHWM) after. Two sources: a file read one sample at a time (what the
//    calibrator itself holds) and the images held in memory as float32 (as the idx:/npy: SPECs
//    do). Target: flat for the streamed source.
#include <fcntl.h>
#include <omp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "int8rt/builder.h"
#include "int8rt/calibrator.h"
#include "int8rt/data.h"
#include "int8rt/int8rt.h"
#include "int8rt/progress.h"

namespace {

using Clock = std::chrono::steady_clock;
using int8rt::Result;
using int8rt::Status;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Options {
  std::string model = INT8RT_SOURCE_DIR "/models/resnet_fmnist.onnx";
  std::string data = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
  int64_t images = 500;
  std::vector<int64_t> grow = {500, 5000};
  int64_t batch = 50;
  int rounds = 3;
  std::string backend = "cpu";
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "bench_calibration: %s\n", message.c_str());
  std::exit(1);
}

template <typename T>
T check(Result<T> result, const char* what) {
  if (!result.is_ok()) die(std::string(what) + ": " + result.status().message());
  return std::move(result).value();
}

void check(const Status& status, const char* what) {
  if (!status.is_ok()) die(std::string(what) + ": " + status.message());
}

// Samples of a file of raw u8 images (count x 28 x 28), read one at a time: the source keeps no
// data in memory.
class RawFileSource final : public int8rt::DataSource {
 public:
  RawFileSource(const std::string& path, int64_t count)
      : name_("raw:" + path), count_(count), fd_(::open(path.c_str(), O_RDONLY)) {
    if (fd_ < 0) die("cannot open " + path);
  }
  ~RawFileSource() override { ::close(fd_); }
  const std::string& name() const override { return name_; }
  int64_t size() const override { return count_; }
  const int8rt::Dims& sample_dims() const override { return dims_; }
  bool has_labels() const override { return false; }
  int64_t label(int64_t) const override { return -1; }
  Status read(int64_t index, float* out) override {
    uint8_t pixels[784];
    if (::pread(fd_, pixels, sizeof pixels, static_cast<off_t>(index) * 784) != 784) {
      return int8rt::io_error(name_, ": short read of sample ", index);
    }
    for (int i = 0; i < 784; ++i)
      out[i] = static_cast<float>(pixels[i]) / 255.0f;
    return Status::ok();
  }

 private:
  std::string name_;
  int64_t count_;
  int fd_;
  int8rt::Dims dims_{1, 28, 28};
};

// The first `count` images of the raw file as an in-memory data set.
int8rt::Dataset load_raw(const std::string& path, int64_t count) {
  int8rt::Dataset dataset;
  dataset.name = "memory:" + path;
  dataset.sample_dims = int8rt::Dims{1, 28, 28};
  dataset.data.resize(static_cast<size_t>(count * 784));
  RawFileSource file(path, count);
  for (int64_t i = 0; i < count; ++i)
    check(file.read(i, dataset.data.data() + i * 784), "read");
  return dataset;
}

// Timestamps of the calibration phase.
class PhaseClock final : public int8rt::ProgressMonitor {
 public:
  void phase_start(std::string_view, int64_t) override { start = Clock::now(); }
  bool step_complete(std::string_view, int64_t, int64_t) override { return true; }
  void phase_finish(std::string_view) override { finish = Clock::now(); }
  Clock::time_point start, finish;
};

struct CalibrationTiming {
  double total = 0, setup = 0, batches = 0, thresholds = 0;
  int64_t samples = 0;
};

CalibrationTiming calibrate(const int8rt::Network& network,
                            std::unique_ptr<int8rt::DataSource> source, const Options& options) {
  int8rt::Logger& logger = int8rt::default_logger();
  int8rt::Builder builder(logger);
  int8rt::BuilderConfig config;
  config.set_backend(options.backend);
  int8rt::StreamCalibratorOptions calib;
  calib.algorithm = int8rt::CalibrationAlgorithm::kEntropy2;
  calib.batch_size = options.batch;
  int8rt::StreamCalibrator calibrator(std::move(source), calib);
  PhaseClock phases;
  config.set_int8_calibrator(&calibrator);
  config.set_progress_monitor(&phases);
  const auto start = Clock::now();
  int8rt::CalibrationReport report = check(builder.calibrate(network, config), "calibrate");
  const auto end = Clock::now();
  auto span = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  };
  return {span(start, end), span(start, phases.start), span(phases.start, phases.finish),
          span(phases.finish, end), report.samples};
}

struct PassTiming {
  double build = 0, execute = 0;
};

// One FP32 pass over the full batches of `source`. With `observe_all`, every activation is made a
// network output first, as calibration does to see them (no fusion across them, every one
// written out): the pass calibration runs, without the histograms.
PassTiming fp32_pass(const int8rt::Network& network, int8rt::DataSource& source,
                     const Options& options, bool observe_all) {
  auto net = network.clone();
  if (observe_all) {
    for (int i = 0; i < net->num_tensors(); ++i) {
      int8rt::Tensor* t = net->tensor(i);
      if (!t->is_constant() && t->dtype() == int8rt::DataType::kFloat && !t->is_network_output()) {
        check(net->mark_output(t), "mark_output");
      }
    }
  }
  int8rt::Builder builder(int8rt::default_logger());
  int8rt::BuilderConfig config;
  config.set_backend(options.backend);
  config.set_input_shape(net->input(0)->name(), int8rt::Dims{options.batch, 1, 28, 28});
  auto start = Clock::now();
  auto engine = check(builder.build(*net, config), "build");
  PassTiming timing;
  timing.build = seconds_since(start);
  auto context = engine->create_execution_context();
  std::vector<std::vector<float>> buffers;
  std::vector<void*> outputs;
  for (int i = 0; i < engine->num_outputs(); ++i) {
    buffers.emplace_back(static_cast<size_t>(engine->output(i).dims.volume()));
    outputs.push_back(buffers.back().data());
  }
  // Only full batches, as calibration uses.
  int8rt::BatchStream stream(source, options.batch, source.size() / options.batch * options.batch);
  int8rt::Batch batch;
  start = Clock::now();
  while (check(stream.next(batch), "batch")) {
    const void* inputs[] = {batch.data.data()};
    check(context->execute(inputs, outputs), "execute");
  }
  timing.execute = seconds_since(start);
  return timing;
}

double minimum(const std::vector<double>& values) {
  return *std::min_element(values.begin(), values.end());
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

int64_t status_kib(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0)
      return std::strtoll(line.c_str() + std::strlen(field), nullptr, 10);
  }
  return -1;
}

// The child of the memory measurement: prints "rss_before_kib peak_kib seconds samples".
int memory_child(const Options& options, const std::string& raw, int64_t count, bool streamed) {
  auto network = std::make_unique<int8rt::Network>();
  int8rt::OnnxParser parser(*network, int8rt::default_logger());
  check(parser.parse_from_file(options.model), "parse");
  std::unique_ptr<int8rt::DataSource> source;
  if (streamed) {
    source = std::make_unique<RawFileSource>(raw, count);
  } else {
    source = std::make_unique<int8rt::DatasetSource>(load_raw(raw, count));
  }
  const int64_t before = status_kib("VmRSS:");
  CalibrationTiming timing = calibrate(*network, std::move(source), options);
  std::printf("%lld %lld %.6f %lld\n", static_cast<long long>(before),
              static_cast<long long>(status_kib("VmHWM:")), timing.total,
              static_cast<long long>(timing.samples));
  return 0;
}

std::string run_child(const std::vector<std::string>& args) {
  int out[2];
  if (pipe(out) != 0) die("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) die("fork failed");
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    std::vector<char*> argv;
    for (const std::string& arg : args)
      argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  close(out[1]);
  std::string text;
  char buffer[256];
  ssize_t n;
  while ((n = read(out[0], buffer, sizeof buffer)) > 0)
    text.append(buffer, static_cast<size_t>(n));
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("a memory child failed");
  return text;
}

std::vector<int64_t> parse_list(const std::string& text) {
  std::vector<int64_t> values;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    values.push_back(std::stoll(item));
  return values;
}

Options parse_options(int argc, char** argv, std::vector<std::string>& child) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--model") {
      options.model = value();
    } else if (arg == "--data") {
      options.data = value();
    } else if (arg == "--images") {
      options.images = std::stoll(value());
    } else if (arg == "--grow") {
      options.grow = parse_list(value());
    } else if (arg == "--batch") {
      options.batch = std::stoll(value());
    } else if (arg == "--rounds") {
      options.rounds = std::stoi(value());
    } else if (arg == "--backend") {
      const std::string name = value();
      if (name == "reference") {
        options.backend = "reference";
      } else if (name != "cpu") {
        die("--backend: cpu or reference");
      }
    } else if (arg == "--child") {  // internal: RAW COUNT streamed|memory
      child = {value(), value(), value()};
    } else {
      die("unknown argument " + arg +
          " (--model, --data, --images, --grow, --batch, --rounds, --backend)");
    }
  }
  if (options.batch <= 0 || options.images < options.batch || options.rounds <= 0) {
    die("need --batch > 0, --images >= --batch and --rounds > 0");
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> child;
  const Options options = parse_options(argc, argv, child);
  if (!child.empty())
    return memory_child(options, child[0], std::stoll(child[1]), child[2] == "streamed");

  // The training images, once, as a raw u8 file for the children.
  const int64_t largest =
      std::max(options.images, *std::max_element(options.grow.begin(), options.grow.end()));
  int8rt::Dataset all = check(int8rt::load_idx(options.data), "load");
  if (all.size() < largest) die(options.data + " has fewer images than asked for");
  const std::string raw = (std::filesystem::temp_directory_path() /
                           ("bench_calibration_" + std::to_string(getpid()) + ".u8"))
                              .string();
  {
    std::vector<uint8_t> pixels(static_cast<size_t>(largest * 784));
    for (size_t i = 0; i < pixels.size(); ++i)
      pixels[i] = static_cast<uint8_t>(std::lround(all.data[i] * 255.0f));
    std::ofstream out(raw, std::ios::binary);
    out.write(reinterpret_cast<const char*>(pixels.data()),
              static_cast<std::streamsize>(pixels.size()));
    if (!out) die("cannot write " + raw);
  }
  all = {};

  auto network = std::make_unique<int8rt::Network>();
  int8rt::OnnxParser parser(*network, int8rt::default_logger());
  check(parser.parse_from_file(options.model), "parse");
  const int8rt::Dataset images = load_raw(raw, options.images);

  // 1. Time, alternating so that both see the same machine load.
  std::vector<double> total, setup, batches, thresholds, execute, build, observed;
  int64_t samples = 0;
  for (int round = 0; round < options.rounds; ++round) {
    int8rt::DatasetSource pass_source(images);
    PassTiming pass = fp32_pass(*network, pass_source, options, false);
    execute.push_back(pass.execute);
    build.push_back(pass.build);
    observed.push_back(fp32_pass(*network, pass_source, options, true).execute);
    CalibrationTiming c =
        calibrate(*network, std::make_unique<int8rt::DatasetSource>(images), options);
    total.push_back(c.total);
    setup.push_back(c.setup);
    batches.push_back(c.batches);
    thresholds.push_back(c.thresholds);
    samples = c.samples;
  }
  std::printf("calibration vs one FP32 pass: %s\n", options.model.c_str());
  std::printf(
      "  %lld Fashion-MNIST training images, batch %lld, backend %s, %d threads (OpenMP), %d "
      "rounds "
      "(each round runs every row once)\n\n",
      static_cast<long long>(samples), static_cast<long long>(options.batch),
      options.backend.c_str(), omp_get_max_threads(), options.rounds);
  std::printf("  %-50s %21s   %21s\n", "", "median of the rounds", "fastest round");
  std::printf("  %-50s %9s %11s   %9s %11s\n", "", "seconds", "x FP32 pass", "seconds",
              "x FP32 pass");
  auto row_of = [&](const char* name, double mid, double fast) {
    std::printf("  %-50s %9.3f %11.2f   %9.3f %11.2f\n", name, mid, mid / median(execute), fast,
                fast / minimum(execute));
  };
  auto row = [&](const char* name, const std::vector<double>& times) {
    row_of(name, median(times), minimum(times));
  };
  row("FP32 pass (engine execute)", execute);
  row("calibration, Entropy2 (Builder::calibrate)", total);
  row("  setup: fingerprint, passes, observed build", setup);
  row("  batches: FP32, every tensor out + histograms", batches);
  row("  thresholds: entropy search", thresholds);
  row("FP32 pass, every tensor an output (no histograms)", observed);
  row_of("  histograms (batches minus the row above)", median(batches) - median(observed),
         minimum(batches) - minimum(observed));
  row("FP32 engine build (not in the pass)", build);
  const double ratio = median(total) / median(execute);
  std::printf("\n  calibration / FP32 pass = %.2f (median), %.2f (fastest) -- target <= 2: %s\n\n",
              ratio, minimum(total) / minimum(execute), ratio <= 2.0 ? "met" : "NOT met");

  // 2. Peak memory, one fresh process per configuration.
  std::printf("peak memory while calibrating (Entropy2, batch %lld), one process per row\n\n",
              static_cast<long long>(options.batch));
  std::printf("  %-24s %8s %9s %14s %14s %14s\n", "source", "images", "seconds", "RSS before MiB",
              "peak MiB", "peak-before");
  for (const char* mode : {"streamed", "memory"}) {
    std::vector<double> growth;
    for (int64_t count : options.grow) {
      std::istringstream result(
          run_child({argv[0], "--model", options.model, "--batch", std::to_string(options.batch),
                     std::string("--backend"), options.backend, "--child", raw,
                     std::to_string(count), mode}));
      long long before = 0, peak = 0, used = 0;
      double secs = 0;
      result >> before >> peak >> secs >> used;
      growth.push_back(static_cast<double>(peak) / 1024.0);
      std::printf(
          "  %-24s %8lld %9.2f %14.1f %14.1f %14.1f\n",
          std::string(mode) == "streamed" ? "file, one sample a read" : "in memory, float32", used,
          secs, before / 1024.0, peak / 1024.0, (peak - before) / 1024.0);
    }
    std::printf("  %-24s peak %lld -> %lld images: %+.1f MiB\n\n", "",
                static_cast<long long>(options.grow.front()),
                static_cast<long long>(options.grow.back()), growth.back() - growth.front());
  }
  std::filesystem::remove(raw);
  return 0;
}
