// What this machine offers INT8 engines (Builder::platform_int8_speed), and the build-log line
// saying which path an engine takes.
#pragma once

#include <string>

#include "int8rt/builder.h"
#include "int8rt/logger.h"

namespace int8rt::detail {

struct Int8Platform {
  Int8Speed speed = Int8Speed::kNone;
  std::string isa;  // oneDNN's effective ISA: "avx512_core_vnni", "avx2", ...
};

// Detected once (oneDNN's ISA does not change while the process runs).
const Int8Platform& int8_platform();

// One kInfo line for a build with `backend`, e.g. "INT8 path: oneDNN avx512_core_vnni (fast:
// VNNI int8 dot products)"; for the reference backend, that its plain C++ kernels run.
void log_int8_platform(Logger& logger, Backend backend);

}  // namespace int8rt::detail
