// TensorRT calibration caches (calibration_cache.cpp): parse anything; what parses formats back
// to text that parses to the same table.
#include <cstdio>

#include "fuzz_util.h"
#include "int8rt/calibrator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace int8rt;
  auto table = parse_calibration_cache(fuzz::as_text(data, size), "fuzz.cache");
  if (!fuzz::succeeded(table.status())) return 0;
  const std::string text = format_calibration_cache(*table);
  auto again = parse_calibration_cache(text, "formatted");
  if (!again.is_ok() || format_calibration_cache(*again) != text) {
    fuzz::violated("a parsed cache does not round-trip");
  }
  return 0;
}
