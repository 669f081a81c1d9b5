// ONNX models: import anything (onnx_parser.cpp and the op importers); what imports is built on
// the reference backend (shape inference, constant folding, fusion, lowering) and run once on
// zeros. Errors must carry messages; nothing may crash, hang or leak.
#include <vector>

#include "fuzz_util.h"
#include "int8rt/builder.h"
#include "int8rt/engine.h"
#include "int8rt/onnx_parser.h"

namespace {

class Quiet : public int8rt::Logger {
 public:
  void log(Severity, std::string_view) noexcept override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace int8rt;
  Quiet logger;
  Builder builder(logger);
  auto network = builder.create_network();
  const Status parsed = OnnxParser(*network, logger).parse(data, size, "fuzz.onnx");
  if (!parsed.is_ok()) {
    if (parsed.message().empty()) fuzz::violated("an error without a message");
    return 0;
  }
  // Inputs past a few million elements make every run slow without exploring more code.
  for (int i = 0; i < network->num_inputs(); ++i) {
    auto volume = network->input(i)->dims().checked_volume();
    if (!volume.is_ok() || *volume > (1 << 22)) return 0;
  }
  auto config = builder.create_config();
  config->set_backend("reference");
  auto engine = builder.build(*network, *config);
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
