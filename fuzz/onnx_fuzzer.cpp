// ONNX models: import anything (onnx_parser.cpp and the op importers); what imports is built on
// the reference backend (shape inference, constant folding, fusion, lowering) and run once on
// zeros. Errors must carry messages; nothing may crash, hang or leak.
#include "fuzz_util.h"
#include "int8rt/builder.h"
#include "int8rt/engine.h"
#include "int8rt/onnx_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace int8rt;
  fuzz::QuietLogger logger;
  Builder builder(logger);
  auto network = builder.create_network();
  const Status parsed = OnnxParser(*network, logger).parse(data, size, "fuzz.onnx");
  if (!fuzz::succeeded(parsed)) return 0;
  // Inputs past a few million elements make every run slow without exploring more code.
  for (int i = 0; i < network->num_inputs(); ++i) {
    auto volume = network->input(i)->dims().checked_volume();
    if (!volume.is_ok() || *volume > (1 << 22)) return 0;
  }
  auto config = builder.create_config();
  config->set_backend("reference");
  auto engine = builder.build(*network, *config);
  if (!fuzz::succeeded(engine.status())) return 0;
  fuzz::run_once_on_zeros(**engine);
  return 0;
}
