// .npy arrays (npy.cpp): parse anything; an array that parses has as many bytes as its shape and
// dtype say.
#include "fuzz_util.h"
#include "int8rt/data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace int8rt;
  auto array = parse_npy(data, size, "fuzz.npy");
  if (!fuzz::succeeded(array.status())) return 0;
  if (array->byte_size() !=
      static_cast<size_t>(array->dims().volume()) * element_size(array->dtype()))
    fuzz::violated("an array whose size disagrees with its shape");
  if (array->byte_size() > size) fuzz::violated("an array larger than the file");
  return 0;
}
