// OnnxParser: reads and parses the file, imports it into a scratch network, and only then moves
// the result into the caller's network, so that a failed parse leaves it unchanged.
#include "int8rt/onnx_parser.h"

#include <onnx/onnx_pb.h>

#include <google/protobuf/io/coded_stream.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "onnx/import_graph.h"

#include "core/guard.h"

namespace int8rt {

namespace {

// Copies everything from `from` (a freshly imported network) into `to`. Checks every name first,
// so that either all of it is added or nothing is.
Status merge_into(Network& from, Network& to) {
  for (int i = 0; i < from.num_tensors(); ++i) {
    const std::string& name = from.tensor(i)->name();
    if (to.find_tensor(name) != nullptr) {
      return invalid_argument("tensor \"", name, "\" of the model already exists in the network");
    }
  }
  if (to.name().empty()) to.set_name(from.name());
  for (int i = 0; i < from.num_inputs(); ++i) {
    const Tensor* input = from.input(i);
    INT8RT_RETURN_IF_ERROR(
        to.add_input(input->name(), input->dtype(), input->dims(), input->dim_names()).status());
  }
  for (int i = 0; i < from.num_tensors(); ++i) {
    const Tensor* tensor = from.tensor(i);
    if (!tensor->is_constant()) continue;
    INT8RT_RETURN_IF_ERROR(to.add_constant(tensor->name(), tensor->constant_value()).status());
  }
  for (int i = 0; i < from.num_layers(); ++i) {
    Layer* layer = from.layer(i);
    std::vector<Tensor*> inputs;
    for (int j = 0; j < layer->num_inputs(); ++j) {
      inputs.push_back(layer->input(j) ? to.find_tensor(layer->input(j)->name()) : nullptr);
    }
    std::vector<std::string> outputs;
    for (int j = 0; j < layer->num_outputs(); ++j)
      outputs.push_back(layer->output(j)->name());
    INT8RT_RETURN_IF_ERROR(to.add_layer(layer->type(), layer->name(), std::move(inputs),
                                        std::move(layer->mutable_attrs()), std::move(outputs))
                               .status());
  }
  for (int i = 0; i < from.num_outputs(); ++i) {
    INT8RT_RETURN_IF_ERROR(to.mark_output(to.find_tensor(from.output(i)->name())));
  }
  return Status::ok();
}

}  // namespace

Status OnnxParser::parse_from_file(const std::string& path) {
  return catch_exceptions(path, [&] { return parse_file(path); });
}

Status OnnxParser::parse_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::file_status status = fs::status(path, error);
  if (status.type() == fs::file_type::not_found) {
    return not_found(path, ": no such file");
  }
  if (error) return io_error(path, ": ", error.message());
  if (status.type() == fs::file_type::directory) {
    return io_error(path, ": is a directory, expected an ONNX model file");
  }
  if (status.type() != fs::file_type::regular) {
    return io_error(path, ": is not a regular file");
  }
  const std::uintmax_t size = fs::file_size(path, error);
  if (error) return io_error(path, ": ", error.message());
  if (size > static_cast<std::uintmax_t>(INT_MAX)) {
    return unsupported(path, ": ", size, " bytes is past protobuf's 2 GiB limit");
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) return io_error(path, ": cannot open: ", std::strerror(errno));
  std::string data(static_cast<size_t>(size), '\0');
  if (!file.read(data.data(), static_cast<std::streamsize>(size))) {
    return io_error(path, ": read failed after ", file.gcount(), " of ", size, " bytes");
  }
  return parse(data.data(), data.size(), path);
}

Status OnnxParser::parse(const void* data, size_t size, std::string_view source) {
  return catch_exceptions(source, [&] { return parse_model(data, size, source); });
}

Status OnnxParser::parse_model(const void* data, size_t size, std::string_view source) {
  if (size == 0) return parse_error(source, ": empty file, not an ONNX model");
  if (size > static_cast<size_t>(INT_MAX)) {
    return unsupported(source, ": ", size, " bytes is past protobuf's 2 GiB limit");
  }
  onnx::ModelProto model;
  google::protobuf::io::CodedInputStream stream(static_cast<const uint8_t*>(data),
                                                static_cast<int>(size));
  stream.SetTotalBytesLimit(INT_MAX);
  if (!model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage()) {
    return parse_error(source,
                       ": not a valid ONNX model (the protobuf does not parse; the file "
                       "is truncated, corrupt or not ONNX)");
  }
  Network scratch;
  Status status = onnx_import::import_model(model, scratch, *logger_);
  if (status.is_ok()) status = merge_into(scratch, *network_);
  return status.is_ok() ? status : status.with_context(source);
}

}  // namespace int8rt
