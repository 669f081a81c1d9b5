// int8rt bench: latency and throughput of an engine (trtexec's timing) on seeded random inputs.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "commands.h"
#include "common.h"
#include "int8_build.h"
#include "int8rt/engine.h"
#include "int8rt/progress.h"

namespace int8rt::cli {

namespace {

std::vector<Flag> bench_flags() {
  std::vector<Flag> flags = engine_flags();
  flags[0].help = "the ONNX model (or --engine)";
  std::vector<Flag> own = {
      {"engine", "FILE", "a plan file (int8rt build --save-engine) instead of --onnx"},
      {"shapes", "NAME:DIMS,...", "build shapes of inputs with dynamic axes", true},
      {"batch", "B",
       "batch size: axis 0 of every input (with --engine: 1 to its built batch; default: the "
       "built one)"},
      {"warmup", "N", "untimed runs first (default 20)"},
      {"iterations", "N", "timed runs (default 200)"},
      {"threads", "T", "CPU threads (sets OMP_NUM_THREADS for this run)"},
      {"json", "", "print the result as JSON"}};
  add_command_flags(flags, std::move(own), "data");
  return flags;
}

constexpr char kUsage[] =
    "usage: int8rt bench (--onnx MODEL.onnx | --engine FILE.plan) [--shapes NAME:DIMS,...]\n"
    "                    [--batch B] [--warmup N] [--iterations N] [--threads T] [--json]\n"
    "                    [--int8 [--data SPEC --cache FILE --calibrator NAME] [--ranges FILE]]\n"
    "\n"
    "Times one execution context running the engine on seeded random inputs: --warmup untimed\n"
    "runs, then --iterations timed ones (each one execute(), inputs to outputs; on a GPU\n"
    "backend, each one enqueue() on device buffers timed by CUDA events, without the copies to\n"
    "and from the host). Prints the\n"
    "latency (min, median, p90, p99, max, mean) and the throughput in samples per second\n"
    "(batch / mean latency). With --int8 the engine is built INT8 as int8rt build does.\n"
    "\n"
    "flags:\n";

struct Timing {
  int64_t batch = 0;
  std::vector<double> milliseconds;  // sorted
  int int8_layers = 0;
  size_t layers = 0;
  std::string backend;
  bool device_timed = false;  // GPU time per run (CUDA events), not host wall time
};

double percentile(const std::vector<double>& sorted, double p) {
  const auto index = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

Result<std::unique_ptr<Engine>> build_engine(const Args& args, Logger& logger, int64_t& batch) {
  INT8RT_ASSIGN_OR_RETURN(std::unique_ptr<Network> network, load_onnx(args.get("onnx"), logger));
  INT8RT_ASSIGN_OR_RETURN(EngineTarget target, parse_engine_target(args));
  Builder builder(logger);
  auto config = builder.create_config();
  target.apply(*config);
  INT8RT_RETURN_IF_ERROR(apply_shapes(args.all("shapes"), *config));
  // The batch axis: --batch, else the --shapes / declared one, else the default.
  for (int i = 0; i < network->num_inputs(); ++i) {
    const Tensor* input = network->input(i);
    auto given = config->input_shapes().find(input->name());
    Dims dims = given != config->input_shapes().end() ? given->second : input->dims();
    if (dims.rank() == 0) continue;
    if (batch == 0) batch = dims[0] != Dims::kDynamic ? dims[0] : kDefaultBatch;
    dims[0] = batch;
    for (int64_t& extent : dims.extents()) {
      if (extent == Dims::kDynamic) {
        return invalid_argument("input \"", input->name(), "\" has dynamic shape ",
                                input->dims().to_string(), ": give it with --shapes ",
                                input->name(), ":<d0>x<d1>x...");
      }
    }
    config->set_input_shape(input->name(), dims);
  }
  Int8Setup setup;
  INT8RT_RETURN_IF_ERROR(configure_int8(args, "data", batch, *network, *config, setup));
  return builder.build(*network, *config);
}

Result<Timing> time_engine(const Args& args, Logger& logger) {
  if (args.has("onnx") == args.has("engine")) {
    return invalid_argument(args.has("onnx") ? "give --onnx or --engine, not both"
                                             : "--onnx is required (or --engine FILE)");
  }
  int64_t batch = 0, warmup = 20, iterations = 200;
  if (args.has("batch")) {
    INT8RT_ASSIGN_OR_RETURN(batch, parse_count("batch", args.get("batch")));
    if (batch == 0) return invalid_argument("--batch must be at least 1");
  }
  if (args.has("warmup")) {
    INT8RT_ASSIGN_OR_RETURN(warmup, parse_count("warmup", args.get("warmup")));
  }
  if (args.has("iterations")) {
    INT8RT_ASSIGN_OR_RETURN(iterations, parse_count("iterations", args.get("iterations")));
    if (iterations == 0) return invalid_argument("--iterations must be at least 1");
  }
  std::unique_ptr<Engine> engine;
  if (args.has("engine")) {
    INT8RT_ASSIGN_OR_RETURN(engine, load_built_engine(args, "data", logger));
  } else {
    INT8RT_ASSIGN_OR_RETURN(engine, build_engine(args, logger, batch));
  }

  auto context = engine->create_execution_context();
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::vector<std::vector<std::byte>> inputs;
  std::vector<const void*> input_pointers;
  for (int i = 0; i < engine->num_inputs(); ++i) {
    const IoTensor& input = engine->input(i);
    Dims dims = input.dims;
    if (args.has("engine") && batch != 0 && dims.rank() > 0) {
      if (batch > dims[0]) {
        return invalid_argument("--batch ", batch, ": ", args.get("engine"),
                                " was built for batch ", dims[0], " (input \"", input.name, "\")");
      }
      dims[0] = batch;
      INT8RT_RETURN_IF_ERROR(context->set_input_shape(input.name, dims));
    }
    if (input.dtype != DataType::kFloat) {
      return invalid_argument("input \"", input.name, "\" is ", to_string(input.dtype),
                              "; bench feeds float32 data");
    }
    std::vector<std::byte> bytes(static_cast<size_t>(dims.volume()) * sizeof(float));
    auto* values = reinterpret_cast<float*>(bytes.data());
    for (int64_t k = 0; k < dims.volume(); ++k)
      values[k] = uniform(rng);
    inputs.push_back(std::move(bytes));
    input_pointers.push_back(inputs.back().data());
  }
  if (batch == 0)
    batch =
        engine->num_inputs() > 0 && engine->input(0).dims.rank() > 0 ? engine->input(0).dims[0] : 1;
  std::vector<std::vector<std::byte>> outputs;
  std::vector<void*> output_pointers;
  for (int i = 0; i < engine->num_outputs(); ++i) {
    INT8RT_ASSIGN_OR_RETURN(Dims dims, context->output_shape(i));
    outputs.emplace_back(static_cast<size_t>(dims.volume()) *
                         element_size(engine->output(i).dtype));
    output_pointers.push_back(outputs.back().data());
  }

  Timing timing;
  timing.batch = batch;
  timing.backend = engine->backend();
  for (const LayerInfo& layer : engine->layers()) {
    timing.int8_layers += layer.precision == DataType::kInt8;
    ++timing.layers;
  }
  if (engine->io_location() == TensorLocation::kDevice) {
    // A GPU engine: inputs and outputs stay in device memory, and each run is timed on the device
    // (CUDA events), as trtexec's GPU compute time.
    INT8RT_RETURN_IF_ERROR(context->bind_owned_buffers(input_pointers));
    INT8RT_RETURN_IF_ERROR(context->time_runs(warmup).status());
    INT8RT_ASSIGN_OR_RETURN(timing.milliseconds, context->time_runs(iterations));
    timing.device_timed = true;
  } else {
    // A bar on a terminal (stderr), nothing when piped.
    TerminalProgress progress;
    progress.phase_start("bench", warmup + iterations);
    for (int64_t i = 0; i < warmup + iterations; ++i) {
      const auto start = std::chrono::steady_clock::now();
      INT8RT_RETURN_IF_ERROR(context->execute(input_pointers, output_pointers));
      const auto end = std::chrono::steady_clock::now();
      if (i >= warmup) {
        timing.milliseconds.push_back(
            std::chrono::duration<double, std::milli>(end - start).count());
      }
      progress.step_complete("bench", i + 1, (i + 1) * batch);
    }
    progress.phase_finish("bench");
  }
  std::sort(timing.milliseconds.begin(), timing.milliseconds.end());
  return timing;
}

}  // namespace

int bench_command(const std::vector<std::string>& argv) {
  const std::vector<Flag> flags = bench_flags();
  if (wants_help(argv)) {
    std::printf("%s%s", kUsage, flags_help(flags).c_str());
    return kExitOk;
  }
  auto args = Args::parse(argv, flags);
  if (!args.is_ok()) return report_error("bench", args.status());
  if (args->has("threads")) {
    // OpenMP reads OMP_NUM_THREADS once, when the program starts: run again with it set.
    auto threads = parse_count("threads", args->get("threads"));
    if (!threads.is_ok()) return report_error("bench", threads.status());
    // Each OpenMP thread takes a stack; far more than any machine's cores only exhausts memory.
    constexpr int64_t kMaxThreads = 1024;
    if (*threads == 0 || *threads > kMaxThreads) {
      return report_error(
          "bench", invalid_argument("--threads must be in 1..", kMaxThreads, ", got ", *threads));
    }
    const std::string wanted = std::to_string(*threads);
    const char* current = std::getenv("OMP_NUM_THREADS");
    if (current == nullptr || wanted != current) {
      ::setenv("OMP_NUM_THREADS", wanted.c_str(), 1);
      std::vector<char*> exec_argv;
      std::vector<std::string> all = {"int8rt", "bench"};
      all.insert(all.end(), argv.begin(), argv.end());
      for (std::string& arg : all)
        exec_argv.push_back(arg.data());
      exec_argv.push_back(nullptr);
      ::execv("/proc/self/exe", exec_argv.data());
      return report_error("bench", io_error("cannot restart with OMP_NUM_THREADS=", wanted));
    }
  }
  StderrLogger logger(log_severity(*args));
  auto result = time_engine(*args, logger);
  if (!result.is_ok()) return report_error("bench", result.status());
  const Timing& t = *result;
  double mean = 0.0;
  for (double ms : t.milliseconds)
    mean += ms;
  mean /= static_cast<double>(t.milliseconds.size());
  const double throughput = 1000.0 * static_cast<double>(t.batch) / mean;
  const char* threads = std::getenv("OMP_NUM_THREADS");
  if (args->has("json")) {
    std::printf(
        "{\"model\": %s, \"backend\": %s, \"batch\": %lld, \"threads\": %s, \"int8_layers\": %d, "
        "\"layers\": %zu, \"iterations\": %zu, \"timed_on\": %s, \"latency_ms\": {\"min\": %s, "
        "\"median\": %s, "
        "\"p90\": %s, \"p99\": %s, \"max\": %s, \"mean\": %s}, \"samples_per_second\": %s}\n",
        json_string(args->has("onnx") ? args->get("onnx") : args->get("engine")).c_str(),
        json_string(t.backend).c_str(), static_cast<long long>(t.batch),
        threads ? json_string(threads).c_str() : "null", t.int8_layers, t.layers,
        t.milliseconds.size(), t.device_timed ? "\"device\"" : "\"host\"",
        json_number(t.milliseconds.front()).c_str(),
        json_number(percentile(t.milliseconds, 50)).c_str(),
        json_number(percentile(t.milliseconds, 90)).c_str(),
        json_number(percentile(t.milliseconds, 99)).c_str(),
        json_number(t.milliseconds.back()).c_str(), json_number(mean).c_str(),
        json_number(throughput).c_str());
    return kExitOk;
  }
  std::printf("engine: backend %s, batch %lld, %d of %zu layers INT8, threads %s\n",
              t.backend.c_str(), static_cast<long long>(t.batch), t.int8_layers, t.layers,
              threads ? threads : "(OpenMP default)");
  std::printf(
      "latency (ms, %s) over %zu runs: min %.4f  median %.4f  p90 %.4f  p99 %.4f  max %.4f  "
      "mean %.4f\n",
      t.device_timed ? "GPU time" : "host time", t.milliseconds.size(), t.milliseconds.front(),
      percentile(t.milliseconds, 50), percentile(t.milliseconds, 90),
      percentile(t.milliseconds, 99), t.milliseconds.back(), mean);
  std::printf("throughput: %.1f samples/s\n", throughput);
  return kExitOk;
}

}  // namespace int8rt::cli
