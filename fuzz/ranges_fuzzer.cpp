// Ranges files (sampleINT8API's "name: amax" lines): parse anything; what parses formats back to
// text that parses to the same ranges.
#include <cstdio>

#include "fuzz_util.h"
#include "int8rt/calibrator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace int8rt;
  auto ranges = parse_ranges(fuzz::as_text(data, size), "fuzz.ranges");
  if (!fuzz::succeeded(ranges.status())) return 0;
  const std::string text = format_ranges(*ranges);
  auto again = parse_ranges(text, "formatted");
  if (!again.is_ok() || format_ranges(*again) != text) {
    fuzz::violated("a parsed ranges file does not round-trip");
  }
  return 0;
}
