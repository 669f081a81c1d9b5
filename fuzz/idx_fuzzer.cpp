// IDX image files (MNIST's format; idx.cpp), plain or gzip-compressed: load anything; a data set
// that loads has as many values as its samples' shape says.
#include "fuzz_util.h"
#include "int8rt/data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace int8rt;
  // The file's first byte chooses the name, so both the plain and the .gz path are explored.
  const bool gz = size > 0 && (data[0] & 1) != 0;
  fuzz::ScratchFile file(data, size, gz ? "images.idx3-ubyte.gz" : "images.idx3-ubyte");
  auto dataset = load_idx(file.path());
  if (!fuzz::succeeded(dataset.status())) return 0;
  if (dataset->data.size() != static_cast<size_t>(dataset->size() * dataset->sample_dims.volume()))
    fuzz::violated("a data set whose values disagree with its shape");
  return 0;
}
