// PNG (libpng) and JPEG (libjpeg-turbo) decoding and encoding in memory.
//
// Both libraries report errors by longjmp back to a setjmp. The functions that call setjmp keep
// only trivially destructible locals and take their state (including the C++ objects they fill)
// from the caller, so a longjmp skips no destructor and clobbers no local.
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <png.h>

// jpeglib.h needs size_t and FILE declared before it.
#include <jpeglib.h>

#include <jerror.h>

#include "core/file_io.h"
#include "data/image_codec.h"

namespace int8rt {

namespace {

// Larger images are refused before any pixel memory is allocated (a corrupt header can claim
// billions of pixels).
constexpr uint64_t kMaxPixels = uint64_t{1} << 28;

constexpr unsigned char kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

void copy_message(char* out, size_t size, const char* message) {
  std::snprintf(out, size, "%s", message);
}

// ------------------------------------------------------------------------------------- PNG

struct PngState {
  const unsigned char* data = nullptr;
  size_t size = 0;
  size_t offset = 0;
  Image* image = nullptr;                       // decoding
  std::string* out = nullptr;                   // encoding
  std::vector<unsigned char*>* rows = nullptr;  // encoding
  char message[256] = {};
};

[[noreturn]] void png_error_callback(png_structp png, png_const_charp message) {
  auto* state = static_cast<PngState*>(png_get_error_ptr(png));
  copy_message(state->message, sizeof(state->message), message);
  png_longjmp(png, 1);
}

void png_warning_callback(png_structp /*png*/, png_const_charp /*message*/) {}

void png_read_callback(png_structp png, png_bytep out, png_size_t length) {
  auto* state = static_cast<PngState*>(png_get_io_ptr(png));
  if (state->size - state->offset < length) png_error(png, "unexpected end of file (truncated)");
  std::memcpy(out, state->data + state->offset, length);
  state->offset += length;
}

void png_write_callback(png_structp png, png_bytep data, png_size_t length) {
  auto* state = static_cast<PngState*>(png_get_io_ptr(png));
  state->out->append(reinterpret_cast<const char*>(data), length);
}

void png_flush_callback(png_structp /*png*/) {}

bool decode_png_raw(PngState& state) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, png_error_callback,
                                           png_warning_callback);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (info == nullptr) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    copy_message(state.message, sizeof(state.message), "out of memory");
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  png_set_read_fn(png, &state, png_read_callback);
  png_read_info(png, info);
  const png_uint_32 width = png_get_image_width(png, info);
  const png_uint_32 height = png_get_image_height(png, info);
  const int color_type = png_get_color_type(png, info);
  const int bit_depth = png_get_bit_depth(png, info);
  if (uint64_t{width} * height > kMaxPixels) png_error(png, "image is too large");
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (bit_depth == 16) png_set_scale_16(png);
  // Palette expansion also turns a tRNS chunk into an alpha channel; strip that too.
  if ((color_type & PNG_COLOR_MASK_ALPHA) != 0 || png_get_valid(png, info, PNG_INFO_tRNS) != 0) {
    png_set_strip_alpha(png);
  }
  const int passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const int channels = png_get_channels(png, info);
  const size_t row_bytes = png_get_rowbytes(png, info);
  if ((channels != 1 && channels != 3) || row_bytes != size_t{width} * channels) {
    png_error(png, "unexpected pixel layout after conversion to 8-bit gray or RGB");
  }
  Image& image = *state.image;
  image.height = height;
  image.width = width;
  image.channels = channels;
  image.pixels.resize(row_bytes * height);
  // With interlacing, every pass reads every row; libpng merges the pass into the row.
  for (int pass = 0; pass < passes; ++pass) {
    for (png_uint_32 y = 0; y < height; ++y)
      png_read_row(png, image.pixels.data() + y * row_bytes, nullptr);
  }
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

bool encode_png_raw(PngState& state, const Image& image) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, png_error_callback,
                                            png_warning_callback);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    copy_message(state.message, sizeof(state.message), "out of memory");
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  static constexpr int kColorTypes[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                        PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
  png_set_write_fn(png, &state, png_write_callback, png_flush_callback);
  png_set_IHDR(png, info, static_cast<png_uint_32>(image.width),
               static_cast<png_uint_32>(image.height), 8, kColorTypes[image.channels - 1],
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_rows(png, info, state.rows->data());
  png_write_png(png, info, PNG_TRANSFORM_IDENTITY, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

// ------------------------------------------------------------------------------------ JPEG

struct JpegError {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

struct JpegDecodeState {
  jpeg_decompress_struct info;
  JpegError error;
  const unsigned char* data = nullptr;
  size_t size = 0;
  Image* image = nullptr;
};

struct JpegEncodeState {
  jpeg_compress_struct info;
  JpegError error;
  unsigned char* buffer = nullptr;  // malloc'ed by jpeg_mem_dest
  unsigned long size = 0;           // NOLINT(runtime/int): the libjpeg API type
};

[[noreturn]] void jpeg_error_callback(j_common_ptr info) {
  auto* error = reinterpret_cast<JpegError*>(info->err);
  (*info->err->format_message)(info, error->message);
  std::longjmp(error->jump, 1);
}

// Warnings are ignored, except running out of data: libjpeg would pad the image with gray and
// carry on, which hides a truncated file.
void jpeg_message_callback(j_common_ptr info, int level) {
  if (level < 0 && info->err->msg_code == JWRN_JPEG_EOF) jpeg_error_callback(info);
}

bool decode_jpeg_raw(JpegDecodeState& state) {
  state.info.err = jpeg_std_error(&state.error.manager);
  state.error.manager.error_exit = jpeg_error_callback;
  state.error.manager.emit_message = jpeg_message_callback;
  if (setjmp(state.error.jump)) {
    jpeg_destroy_decompress(&state.info);
    return false;
  }
  jpeg_create_decompress(&state.info);
  jpeg_mem_src(&state.info, state.data, static_cast<unsigned long>(state.size));
  jpeg_read_header(&state.info, TRUE);
  switch (state.info.jpeg_color_space) {
    case JCS_GRAYSCALE:
      state.info.out_color_space = JCS_GRAYSCALE;
      break;
    case JCS_YCbCr:
    case JCS_RGB:
      state.info.out_color_space = JCS_RGB;
      break;
    default:
      copy_message(state.error.message, sizeof(state.error.message),
                   "unsupported JPEG color space (CMYK or YCCK); convert it to RGB");
      jpeg_destroy_decompress(&state.info);
      return false;
  }
  if (uint64_t{state.info.image_width} * state.info.image_height > kMaxPixels) {
    copy_message(state.error.message, sizeof(state.error.message), "image is too large");
    jpeg_destroy_decompress(&state.info);
    return false;
  }
  jpeg_start_decompress(&state.info);
  Image& image = *state.image;
  image.height = state.info.output_height;
  image.width = state.info.output_width;
  image.channels = state.info.output_components;
  const size_t row_bytes = static_cast<size_t>(image.width) * image.channels;
  image.pixels.resize(row_bytes * static_cast<size_t>(image.height));
  while (state.info.output_scanline < state.info.output_height) {
    JSAMPROW row = image.pixels.data() + state.info.output_scanline * row_bytes;
    jpeg_read_scanlines(&state.info, &row, 1);
  }
  jpeg_finish_decompress(&state.info);
  jpeg_destroy_decompress(&state.info);
  return true;
}

bool encode_jpeg_raw(JpegEncodeState& state, const Image& image, int quality) {
  state.info.err = jpeg_std_error(&state.error.manager);
  state.error.manager.error_exit = jpeg_error_callback;
  if (setjmp(state.error.jump)) {
    jpeg_destroy_compress(&state.info);
    return false;
  }
  jpeg_create_compress(&state.info);
  jpeg_mem_dest(&state.info, &state.buffer, &state.size);
  state.info.image_width = static_cast<JDIMENSION>(image.width);
  state.info.image_height = static_cast<JDIMENSION>(image.height);
  state.info.input_components = image.channels;
  state.info.in_color_space = image.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&state.info);
  jpeg_set_quality(&state.info, quality, TRUE);
  jpeg_start_compress(&state.info, TRUE);
  const size_t row_bytes = static_cast<size_t>(image.width) * image.channels;
  while (state.info.next_scanline < state.info.image_height) {
    // libjpeg does not write through the row pointer; its API lacks const.
    auto row = const_cast<JSAMPROW>(image.pixels.data() + state.info.next_scanline * row_bytes);
    jpeg_write_scanlines(&state.info, &row, 1);
  }
  jpeg_finish_compress(&state.info);
  jpeg_destroy_compress(&state.info);
  return true;
}

Status check_encodable(const Image& image, int max_channels) {
  if (image.height <= 0 || image.width <= 0 || image.channels < 1 ||
      image.channels > max_channels ||
      image.pixels.size() != static_cast<size_t>(image.height * image.width * image.channels)) {
    return invalid_argument("cannot encode an image of ", image.height, "x", image.width, "x",
                            image.channels, " with ", image.pixels.size(), " pixel bytes");
  }
  return Status::ok();
}

}  // namespace

Result<Image> decode_image(std::string_view bytes, std::string_view source) {
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  Image image;
  if (bytes.size() >= 8 && std::memcmp(data, kPngSignature, 8) == 0) {
    PngState state;
    state.data = data;
    state.size = bytes.size();
    state.image = &image;
    if (!decode_png_raw(state)) return parse_error(source, ": corrupt PNG file: ", state.message);
    return image;
  }
  if (bytes.size() >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) {
    JpegDecodeState state;
    std::memset(&state.info, 0, sizeof(state.info));
    state.data = data;
    state.size = bytes.size();
    state.image = &image;
    if (!decode_jpeg_raw(state)) {
      return parse_error(source, ": corrupt or unsupported JPEG file: ", state.error.message);
    }
    return image;
  }
  return parse_error(source, ": not a PNG or JPEG file (",
                     bytes.size() < 8 ? "too short" : "unknown signature", ")");
}

Result<Image> read_image(const std::string& path) {
  INT8RT_ASSIGN_OR_RETURN(std::string bytes, read_file(path));
  return decode_image(bytes, path);
}

Result<std::string> encode_png(const Image& image) {
  INT8RT_RETURN_IF_ERROR(check_encodable(image, 4));
  std::vector<unsigned char*> rows(static_cast<size_t>(image.height));
  auto* pixels = const_cast<unsigned char*>(image.pixels.data());  // libpng only reads them
  for (int64_t y = 0; y < image.height; ++y)
    rows[static_cast<size_t>(y)] = pixels + y * image.width * image.channels;
  std::string out;
  PngState state;
  state.out = &out;
  state.rows = &rows;
  if (!encode_png_raw(state, image)) return internal_error("PNG encoding failed: ", state.message);
  return out;
}

Result<std::string> encode_jpeg(const Image& image, int quality) {
  INT8RT_RETURN_IF_ERROR(check_encodable(image, 3));
  if (image.channels == 2) return invalid_argument("JPEG has no gray + alpha images");
  if (quality < 1 || quality > 100) {
    return invalid_argument("JPEG quality ", quality, " is outside [1, 100]");
  }
  JpegEncodeState state;
  std::memset(&state.info, 0, sizeof(state.info));
  const bool ok = encode_jpeg_raw(state, image, quality);
  std::string out;
  if (ok) out.assign(reinterpret_cast<const char*>(state.buffer), state.size);
  std::free(state.buffer);
  if (!ok) return internal_error("JPEG encoding failed: ", state.error.message);
  return out;
}

}  // namespace int8rt
