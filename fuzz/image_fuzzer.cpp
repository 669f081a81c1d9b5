// PNG and JPEG files through the image codec the image data source uses (libpng, libjpeg).
#include "data/image_codec.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace int8rt;
  auto image = decode_image(fuzz::as_text(data, size), "fuzz.img");
  if (!fuzz::succeeded(image.status())) return 0;
  if (image->pixels.size() != static_cast<size_t>(image->height * image->width * image->channels))
    fuzz::violated("an image whose pixel count disagrees with its size");
  return 0;
}
