#include "builder/platform.h"

#include <oneapi/dnnl/dnnl.hpp>

#include "core/log.h"

namespace int8rt {

namespace {

detail::Int8Platform detect() {
  using dnnl::cpu_isa;
  switch (dnnl::get_effective_cpu_isa()) {
    case cpu_isa::avx512_core_amx:
      return {Int8Speed::kFast, "avx512_core_amx"};
    case cpu_isa::avx512_core_bf16:  // Cooper Lake and later: VNNI included
      return {Int8Speed::kFast, "avx512_core_bf16"};
    case cpu_isa::avx512_core_vnni:
      return {Int8Speed::kFast, "avx512_core_vnni"};
    case cpu_isa::avx2_vnni:
      return {Int8Speed::kFast, "avx2_vnni"};
    case cpu_isa::avx512_core:
      return {Int8Speed::kSlower, "avx512_core"};
    case cpu_isa::avx512_mic:
      return {Int8Speed::kSlower, "avx512_mic"};
    case cpu_isa::avx512_mic_4ops:
      return {Int8Speed::kSlower, "avx512_mic_4ops"};
    case cpu_isa::avx2:
      return {Int8Speed::kSlower, "avx2"};
    case cpu_isa::avx:
      return {Int8Speed::kNone, "avx"};
    case cpu_isa::sse41:
      return {Int8Speed::kNone, "sse41"};
    case cpu_isa::all:
      break;
  }
  return {Int8Speed::kNone, "generic"};
}

std::string_view explain(Int8Speed speed) {
  switch (speed) {
    case Int8Speed::kFast:
      return "fast: VNNI/AMX int8 dot products";
    case Int8Speed::kSlower:
      return "slower: no VNNI, int8 dot products take three instructions, so INT8 gains less over "
             "FP32";
    case Int8Speed::kNone:
      return "no fast INT8: no int8 SIMD path, INT8 layers run no faster than FP32";
  }
  return "";
}

}  // namespace

std::string_view to_string(Int8Speed speed) {
  switch (speed) {
    case Int8Speed::kNone:
      return "none";
    case Int8Speed::kSlower:
      return "slower";
    case Int8Speed::kFast:
      return "fast";
  }
  return "unknown";
}

Int8Speed Builder::platform_int8_speed() const {
  return detail::int8_platform().speed;
}

const detail::Int8Platform& detail::int8_platform() {
  static const Int8Platform platform = detect();
  return platform;
}

void detail::log_int8_platform(Logger& logger, Backend backend) {
  if (backend == Backend::kReference) {
    log_info(logger, "INT8 path: reference kernels (plain C++, exact, not fast)");
    return;
  }
  const Int8Platform& platform = int8_platform();
  log_info(logger, "INT8 path: oneDNN ", platform.isa, " (", explain(platform.speed), ")");
}

}  // namespace int8rt
