// Layer-precisions files (builder.h): parse anything, never crash; errors have messages.
#include "fuzz_util.h"
#include "int8rt/builder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto precisions = int8rt::parse_layer_precisions(int8rt::fuzz::as_text(data, size), "fuzz.txt");
  (void)int8rt::fuzz::succeeded(precisions.status());
  return 0;
}
