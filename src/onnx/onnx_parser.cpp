#include "int8rt/onnx_parser.h"

namespace int8rt {

Status OnnxParser::parse_from_file(const std::string& path) {
  return unsupported(path, ": the ONNX importer is not built yet");
}

Status OnnxParser::parse(const void*, size_t, std::string_view source) {
  return unsupported(source, ": the ONNX importer is not built yet");
}

}  // namespace int8rt
