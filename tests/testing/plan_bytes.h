// Plan files read as docs/engine-format.md lays them out, independently of the library: for the
// tests and the plan fuzzer that damage plans, then make their checksums right again so that the
// damage reaches the payload reader.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace int8rt::testing {

// Where the fields of a format-2 header are, and its strings.
struct PlanHeader {
  size_t version_at = 8, flags_at = 0, payload_size_at = 0, checksum_at = 0, payload_at = 0;
  std::string library_version, backend, target;
};

inline uint32_t plan_u32(std::string_view bytes, size_t at) {
  uint32_t value = 0;
  std::memcpy(&value, bytes.data() + at, 4);
  return value;
}

// The header of a format-2 plan; nullopt when its strings or fields run past the end.
inline std::optional<PlanHeader> parse_plan_header(std::string_view bytes) {
  PlanHeader h;
  size_t at = 12;
  std::string* strings[] = {&h.library_version, &h.backend, &h.target};
  for (std::string* field : strings) {
    if (at + 4 > bytes.size()) return std::nullopt;
    const uint64_t length = plan_u32(bytes, at);
    if (length > bytes.size() - at - 4) return std::nullopt;
    *field = std::string(bytes.substr(at + 4, length));
    at += 4 + length;
  }
  h.flags_at = at;
  h.payload_size_at = at + 4;
  h.checksum_at = at + 12;
  h.payload_at = at + 20;
  if (h.payload_at > bytes.size()) return std::nullopt;
  return h;
}

// FNV-1a 64 (offset basis 14695981039346656037, prime 1099511628211) of the header before the
// checksum, then of the payload.
inline uint64_t plan_checksum(std::string_view bytes, size_t checksum_at, size_t payload_at) {
  uint64_t hash = 14695981039346656037ull;
  auto add = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      hash ^= static_cast<unsigned char>(bytes[i]);
      hash *= 1099511628211ull;
    }
  };
  add(0, checksum_at);
  add(payload_at, bytes.size());
  return hash;
}

// Sets a format-2 plan's payload size to what follows its header, and its checksum; false (the
// bytes unchanged) when the header does not parse.
inline bool reseal_plan(std::string& bytes) {
  const std::optional<PlanHeader> h = parse_plan_header(bytes);
  if (!h) return false;
  const uint64_t payload = bytes.size() - h->payload_at;
  std::memcpy(bytes.data() + h->payload_size_at, &payload, 8);
  const uint64_t sum = plan_checksum(bytes, h->checksum_at, h->payload_at);
  std::memcpy(bytes.data() + h->checksum_at, &sum, 8);
  return true;
}

}  // namespace int8rt::testing
