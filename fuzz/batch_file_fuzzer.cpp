// TensorRT batch files (batch_file.cpp; sampleINT8's calibration data): open anything as
// PREFIX0, then read every sample and label it claims.
#include <vector>

#include "fuzz_util.h"
#include "int8rt/data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace int8rt;
  fuzz::ScratchFile file(data, size, "batch0");
  auto source = open_batch_files(file.directory() + "/batch");
  if (!fuzz::succeeded(source.status())) return 0;
  std::vector<float> sample(static_cast<size_t>((*source)->sample_dims().volume()));
  for (int64_t i = 0; i < (*source)->size(); ++i) {
    if (!(*source)->read(i, sample.data()).is_ok()) break;
    (void)(*source)->label(i);
  }
  return 0;
}
