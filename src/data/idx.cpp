// IDX files (http://yann.lecun.com/exdb/mnist/): a big-endian header
//   uint8 0, uint8 0, uint8 type (0x08 = unsigned byte), uint8 rank, uint32 extent[rank]
// followed by the row-major data. Images are [N,H,W] (magic 0x00000803), labels [N] (0x00000801).
#include <cstdio>
#include <string>
#include <vector>

#include "data/gzip_file.h"
#include "data/normalization.h"
#include "int8rt/data.h"

namespace int8rt {

namespace {

struct IdxArray {
  std::vector<int64_t> dims;
  std::string bytes;  // the whole file; the data starts at `offset`
  size_t offset = 0;
};

std::string hex32(uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof(text), "0x%08x", value);
  return text;
}

std::string_view idx_type_name(int code) {
  switch (code) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "short";
    case 0x0C:
      return "int";
    case 0x0D:
      return "float";
    case 0x0E:
      return "double";
    default:
      return "unknown";
  }
}

// Reads an unsigned-byte IDX file of rank `rank`; `what` ("images", "labels") names it in errors.
Result<IdxArray> read_idx_u8(const std::string& path, int rank, std::string_view what) {
  IdxArray array;
  INT8RT_ASSIGN_OR_RETURN(array.bytes, read_maybe_gzip_file(path));
  const auto* p = reinterpret_cast<const unsigned char*>(array.bytes.data());
  const size_t size = array.bytes.size();
  if (size < 4) {
    return parse_error(path, ": truncated IDX file (", size, " bytes, the header needs 4)");
  }
  const uint32_t magic =
      (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
  const uint32_t expected_magic = 0x800u | static_cast<uint32_t>(rank);
  if (p[0] != 0 || p[1] != 0) {
    return parse_error(path, ": not an IDX file (magic ", hex32(magic), ", expected ",
                       hex32(expected_magic), " for ", what, ")");
  }
  if (p[2] != 0x08) {
    return unsupported(path, ": IDX element type 0x", hex32(p[2]).substr(8), " (",
                       idx_type_name(p[2]), ") is not supported for ", what,
                       ", expected 0x08 (unsigned byte)");
  }
  if (p[3] != rank) {
    return invalid_argument(path, ": IDX ", what, " file must have ", rank, " dims (magic ",
                            hex32(expected_magic), "), this one has ", int{p[3]}, " (magic ",
                            hex32(magic), ")");
  }
  array.offset = 4 + 4 * static_cast<size_t>(rank);
  if (size < array.offset) {
    return parse_error(path, ": truncated IDX header (", size, " bytes, expected ", array.offset,
                       ")");
  }
  for (int axis = 0; axis < rank; ++axis) {
    const unsigned char* e = p + 4 + 4 * axis;
    const uint32_t extent =
        (uint32_t{e[0]} << 24) | (uint32_t{e[1]} << 16) | (uint32_t{e[2]} << 8) | uint32_t{e[3]};
    array.dims.push_back(extent);
  }
  // Bounded before anything is multiplied, a sample's shape of an empty file included.
  auto checked = Dims(array.dims).checked_volume();
  if (!checked.is_ok()) {
    return parse_error(path, ": IDX ", what,
                       " shape is implausibly large: ", checked.status().message());
  }
  const auto volume = static_cast<uint64_t>(*checked);
  const uint64_t data_size = size - array.offset;
  if (data_size != volume) {
    std::string shape = Dims(array.dims).to_string();
    if (data_size < volume) {
      return parse_error(path, ": truncated IDX ", what, " file: shape ", shape, " needs ", volume,
                         " bytes of data, the file has ", data_size);
    }
    return parse_error(path, ": IDX ", what, " file has ", data_size - volume,
                       " bytes after the data of shape ", shape);
  }
  return array;
}

}  // namespace

Result<Dataset> load_idx(const std::string& images_path, const std::string& labels_path,
                         const Normalization& normalization) {
  INT8RT_RETURN_IF_ERROR(check_normalization(normalization, 1, images_path));
  INT8RT_ASSIGN_OR_RETURN(IdxArray images, read_idx_u8(images_path, 3, "images"));
  Dataset dataset;
  dataset.name = "idx:" + images_path + (labels_path.empty() ? "" : "," + labels_path);
  const int64_t count = images.dims[0];
  dataset.sample_dims = Dims{1, images.dims[1], images.dims[2]};
  const auto* pixels = reinterpret_cast<const unsigned char*>(images.bytes.data() + images.offset);
  dataset.data.resize(static_cast<size_t>(count * dataset.sample_volume()));
  const std::vector<float> table = Normalizer(normalization).table(0);
  for (size_t i = 0; i < dataset.data.size(); ++i)
    dataset.data[i] = table[pixels[i]];
  if (!labels_path.empty()) {
    INT8RT_ASSIGN_OR_RETURN(IdxArray labels, read_idx_u8(labels_path, 1, "labels"));
    if (labels.dims[0] != count) {
      return invalid_argument(labels_path, ": ", labels.dims[0], " labels for the ", count,
                              " images of ", images_path);
    }
    const auto* values =
        reinterpret_cast<const unsigned char*>(labels.bytes.data() + labels.offset);
    dataset.labels.assign(values, values + count);
  }
  return dataset;
}

}  // namespace int8rt
