// Plan files (src/serialize): load anything. A mutated plan almost never keeps a valid checksum,
// which would stop every input at the first check; so the checksum (and the payload size) are
// made right before loading, as docs/engine-format.md defines them, to reach the payload reader.
// What loads is run once on zeros.
#include "fuzz_util.h"
#include "int8rt/engine.h"
#include "testing/plan_bytes.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace int8rt;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  if (size > 12 && testing::plan_u32(bytes, 8) == 2) testing::reseal_plan(bytes);
  fuzz::QuietLogger logger;
  auto engine = Engine::deserialize(bytes, logger);
  if (!fuzz::succeeded(engine.status())) return 0;
  fuzz::run_once_on_zeros(**engine);
  return 0;
}
