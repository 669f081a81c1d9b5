// Backends: where an engine runs. Each is registered once under a name ("cpu", "reference",
// "cuda"); builds, plans, the CLI and Python choose one by that name.
//
//   for (const std::string& name : int8rt::backend_names()) {
//     const int8rt::BackendInfo info = int8rt::get_backend_info(name).value();
//     std::printf("%s: %s\n", name.c_str(), info.available ? info.device.c_str() :
//     info.reason.c_str());
//   }
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "int8rt/status.h"

namespace int8rt {

// The backend a BuilderConfig starts with: the fastest kernels this CPU has (oneDNN), with the
// reference kernels for anything else.
inline constexpr std::string_view kDefaultBackend = "cpu";

// Where a tensor's memory is (TensorRT's TensorLocation): host memory, or the memory of the
// backend's device (a GPU's).
enum class TensorLocation : uint8_t { kHost, kDevice };
std::string_view to_string(TensorLocation location);  // "host", "device"

// How fast a backend runs INT8 kernels. kFast: markedly faster than its float kernels (a CPU with
// one-instruction int8 dot products: AVX-512 VNNI, AVX-VNNI, AMX; a GPU with DP4A or INT8 tensor
// cores). kSlower: INT8 runs but gains less (AVX2 or AVX-512 without VNNI: int8 dot products take
// three instructions). kNone: INT8 engines run, no faster than FP32.
enum class Int8Speed : uint8_t { kNone, kSlower, kFast };
std::string_view to_string(Int8Speed speed);  // "none", "slower", "fast"

struct BackendInfo {
  std::string name;
  bool available = false;  // it can run on this machine
  std::string reason;      // why not, when it can't ("no CUDA device: ...")
  std::string device;      // what runs the kernels: "oneDNN avx512_core_vnni", "NVIDIA H100 ..."
  TensorLocation location = TensorLocation::kHost;  // where its tensors live
  Int8Speed int8 = Int8Speed::kNone;
  std::string int8_path;   // one line on how INT8 layers run, for build logs
  bool fast_fp16 = false;  // FP16 kernels markedly faster than FP32 ones (TensorRT's kFP16)
};

// The registered backends, in registry order (those this build of int8rt has; see
// BackendInfo::available for whether each can run here).
std::vector<std::string> backend_names();
// What `name` is and whether it runs here; an error naming the registered backends otherwise.
Result<BackendInfo> get_backend_info(std::string_view name);

}  // namespace int8rt
