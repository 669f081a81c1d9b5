// OnnxParser: fills a Network from an ONNX model (opsets 7-17).
//
// Old opsets are upgraded to int8rt's canonical op forms (see ops.inc); Constant nodes become
// constant tensors; an op int8rt does not know is an error naming the op type, the node and the
// opset. Symbolic dimensions stay dynamic until the builder resolves them from
// BuilderConfig::set_input_shape.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "int8rt/logger.h"
#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt {

class OnnxParser {
 public:
  OnnxParser(Network& network, Logger& logger = default_logger())
      : network_(&network), logger_(&logger) {}

  // Parses the model at `path` into the network. On failure the network is left unchanged
  // and the Status names the file and the node at fault.
  Status parse_from_file(const std::string& path);
  // Parses a serialized ModelProto; `source` names it in messages.
  Status parse(const void* data, size_t size, std::string_view source = "<memory>");

 private:
  Status parse_file(const std::string& path);
  Status parse_model(const void* data, size_t size, std::string_view source);

  Network* network_;
  Logger* logger_;
};

}  // namespace int8rt
