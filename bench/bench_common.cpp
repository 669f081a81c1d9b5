#include "bench_common.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <sstream>
#include <thread>

namespace bench {

namespace {

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

std::string run_command(int iterations) {
  return "{\"cmd\":\"run\",\"iterations\":" + std::to_string(iterations) + "}";
}

}  // namespace

int CommonOptions::per_round() const {
  return std::max(1, iterations / rounds);
}

bool parse_args(int argc, char** argv, CommonOptions& options, const ExtraFlag& extra) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const std::function<std::string()> next = [&]() -> std::string {
      return i + 1 < argc ? argv[++i] : "";
    };
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
    } else if (extra(arg, next)) {
      continue;
    } else if (arg == "-h" || arg == "--help" || arg.rfind("--", 0) == 0) {
      return false;
    } else {
      options.models.push_back(arg);
    }
  }
  return true;
}

std::vector<int64_t> parse_list(const std::string& text) {
  std::vector<int64_t> values;
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    values.push_back(std::stoll(item));
  return values;
}

double quantile(std::vector<double> times, double q) {
  if (times.empty()) return 0.0;
  std::sort(times.begin(), times.end());
  return times[std::min(times.size() - 1,
                        static_cast<size_t>(q * static_cast<double>(times.size())))];
}

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

void progress_done() {
  progress("");
}

void settle() {
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
}

bool Runner::build(const std::string& path, int64_t batch, int8rt::Calibrator* calibrator,
                   std::string& error) {
  int8rt::Builder builder(logger_);
  auto network = builder.create_network();
  int8rt::OnnxParser parser(*network, logger_);
  int8rt::Status status = parser.parse_from_file(path);
  if (!status.is_ok()) {
    error = status.to_string();
    return false;
  }
  const int8rt::Tensor* input = network->input(0);
  shape_ = input->dims().extents();
  shape_[0] = batch;
  input_name_ = input->name();
  auto config = builder.create_config();
  config->set_backend("cpu");
  config->set_input_shape(input_name_, int8rt::Dims(shape_));
  if (calibrator != nullptr) {
    config->set_flag(int8rt::BuilderFlag::kInt8);
    config->set_int8_calibrator(calibrator);
  }
  auto engine = builder.build(*network, *config);
  if (!engine.is_ok()) {
    error = engine.status().to_string();
    return false;
  }
  engine_ = std::move(engine).value();
  context_ = engine_->create_execution_context();
  std::mt19937 rng(12345);
  std::uniform_real_distribution<float> dist(0.0f, 1.0f);
  input_.resize(static_cast<size_t>(engine_->input(0).dims.volume()));
  for (float& v : input_)
    v = dist(rng);
  outputs_.clear();
  for (int i = 0; i < engine_->num_outputs(); ++i)
    outputs_.emplace_back(static_cast<size_t>(engine_->output(i).dims.volume()));
  return true;
}

bool Runner::run(int iterations, std::vector<double>* times, std::string& error) {
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

bool OrtServer::start(const std::string& command, const char* program, std::string& error) {
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
    std::perror((std::string(program) + ": cannot run the ONNX Runtime server").c_str());
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  in_ = fdopen(to_child[1], "w");
  out_ = fdopen(from_child[0], "r");
  return pid_ > 0 && in_ != nullptr && out_ != nullptr;
}

bool OrtServer::load(const std::string& model, const std::string& input_name,
                     const std::vector<int64_t>& shape, int threads, int warmup,
                     std::string& error) {
  std::ostringstream load;
  load << "{\"cmd\":\"load\",\"model\":" << json_string(std::filesystem::absolute(model).string())
       << ",\"input\":" << json_string(input_name) << ",\"shape\":[";
  for (size_t d = 0; d < shape.size(); ++d)
    load << (d ? "," : "") << shape[d];
  load << "],\"threads\":" << threads << "}";
  return call(load.str(), error).has_value() && call(run_command(warmup), error).has_value();
}

std::optional<std::vector<double>> OrtServer::run(int iterations, std::string& error) {
  auto reply = call(run_command(iterations), error);
  if (!reply) return std::nullopt;
  return parse_times(*reply);
}

std::optional<std::string> OrtServer::call(const std::string& command, std::string& error) {
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

void OrtServer::stop() {
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

}  // namespace bench
