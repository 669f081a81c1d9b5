// Plan files: an engine's graph on disk (docs/engine-format.md describes every byte).
//
//   header:  "I8RTPLAN" | format version u32 | int8rt version | backend | target | flags u32 |
//            payload size u64 | checksum u64 (FNV-1a 64 of the header before it, then of the
//            payload); format 1 had neither target nor flags
//   payload: the optimized network: tensors (dtype, shape, range, constant data), layers (op name,
//            attributes field by field, precision request), inputs, outputs.
//
// The file holds the graph, not kernels: oneDNN primitives, GPU kernels and memory layouts depend
// on the machine that runs them, so a loader lowers the graph again (no optimization or
// calibration runs), for the target recorded and with the flags recorded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt::serialize {

inline constexpr std::string_view kMagic = "I8RTPLAN";
// The newest format this int8rt writes and reads. Its offset (8) never changes between formats,
// so any int8rt can say that a plan is too new for it.
inline constexpr uint32_t kFormatVersion = 2;
// int8rt's version, recorded in every plan (project(VERSION) in the top-level CMakeLists.txt).
inline constexpr std::string_view kLibraryVersion = "0.1.0";
inline constexpr size_t kMaxHeaderString = 256;

// PlanHeader::flags bits.
inline constexpr uint32_t kPlanFlagFp16 = 1u
                                          << 0;  // float layers may run FP16 (BuilderFlag::kFp16)

struct PlanHeader {
  uint32_t format_version = 0;
  std::string library_version;  // of the int8rt that wrote the plan
  std::string backend;          // Engine::backend() of the engine written: "cpu", "cuda", ...
  std::string target;           // the backend's plan_target() when written ("sm_90"), or empty
  uint32_t flags = 0;           // kPlanFlag* bits
  uint64_t payload_size = 0;
  uint64_t checksum = 0;
  size_t payload_offset = 0;
};

struct Plan {
  PlanHeader header;
  std::unique_ptr<Network> network;
};

// The plan of `network` (an engine's optimized graph: static shapes, dtypes and precisions final)
// for `backend` (its target and the flags as in PlanHeader). Fails only on a graph that no plan
// can hold (e.g. a layer whose attribute struct is not the one ops.inc gives its op).
Result<std::string> write_plan(const Network& network, std::string_view backend,
                               std::string_view target, uint32_t flags);

// Checks the magic, the format version, the sizes and the checksum; does not read the payload.
// Errors: "not an int8rt plan file", "truncated", "corrupted" (kParseError); a newer format
// (kUnsupported).
Result<PlanHeader> read_plan_header(std::string_view bytes);

// read_plan_header, then the network. A payload that breaks the format is a kParseError naming
// the record and the byte offset ("malformed plan: layer 3 ("conv1"): ... at byte 1234").
Result<Plan> read_plan(std::string_view bytes);

}  // namespace int8rt::serialize
