// Plan files (src/serialize): load anything. A mutated plan almost never keeps a valid checksum,
// which would stop every input at the first check; so the checksum (and the payload size) are
// made right before loading, as docs/engine-format.md defines them, to reach the payload reader.
// What loads is run once on zeros.
#include <cstring>
#include <vector>

#include "fuzz_util.h"
#include "int8rt/engine.h"

namespace {

uint32_t read_u32(const std::string& bytes, size_t at) {
  uint32_t value = 0;
  std::memcpy(&value, bytes.data() + at, 4);
  return value;
}

// Sets the payload size and the checksum of a format-2 plan; false when the header's strings run
// past the end.
bool reseal(std::string& bytes) {
  size_t at = 12;
  for (int field = 0; field < 3; ++field) {  // version, backend, target strings
    if (at + 4 > bytes.size()) return false;
    const uint64_t length = read_u32(bytes, at);
    if (length > bytes.size() - at - 4) return false;
    at += 4 + length;
  }
  at += 4;  // flags
  if (at + 16 > bytes.size()) return false;
  const uint64_t payload = bytes.size() - at - 16;
  std::memcpy(bytes.data() + at, &payload, 8);
  uint64_t hash = 14695981039346656037ull;
  auto add = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      hash ^= static_cast<unsigned char>(bytes[i]);
      hash *= 1099511628211ull;
    }
  };
  add(0, at + 8);
  add(at + 16, bytes.size());
  std::memcpy(bytes.data() + at + 8, &hash, 8);
  return true;
}

class Quiet : public int8rt::Logger {
 public:
  void log(Severity, std::string_view) noexcept override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace int8rt;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  if (size > 12 && read_u32(bytes, 8) == 2) reseal(bytes);
  Quiet logger;
  auto engine = Engine::deserialize(bytes, logger);
  if (!engine.is_ok()) {
    if (engine.status().message().empty()) fuzz::violated("an error without a message");
    return 0;
  }
  auto context = (*engine)->create_execution_context();
  std::vector<std::vector<std::byte>> inputs, outputs;
  std::vector<const void*> in;
  std::vector<void*> out;
  for (int i = 0; i < (*engine)->num_inputs(); ++i) {
    const IoTensor& io = (*engine)->input(i);
    if (io.dims.volume() > (1 << 22)) return 0;
    inputs.emplace_back(static_cast<size_t>(io.dims.volume()) * element_size(io.dtype));
    in.push_back(inputs.back().data());
  }
  for (int i = 0; i < (*engine)->num_outputs(); ++i) {
    const IoTensor& io = (*engine)->output(i);
    if (io.dims.volume() > (1 << 22)) return 0;
    outputs.emplace_back(static_cast<size_t>(io.dims.volume()) * element_size(io.dtype));
    out.push_back(outputs.back().data());
  }
  (void)context->execute(in, out);
  return 0;
}
