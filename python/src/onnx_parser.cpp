// onnx_parser.h: OnnxParser. Errors raise int8rt.Error naming the file and the node.
#include "int8rt/onnx_parser.h"

#include <string>

#include "bindings.h"

namespace int8rt::python {

namespace {

// The parser with the network and logger it fills and logs to (kept alive by the Python object).
struct Parser {
  Network* network;
  Logger* logger;
};

}  // namespace

void init_onnx_parser(py::module_& m) {
  py::class_<Parser>(m, "OnnxParser", "Fills a Network from an ONNX model (opsets 7-17).")
      .def(py::init([](Network& network, const py::object& logger) {
             Logger* log = logger.is_none() ? &default_logger() : &logger.cast<Logger&>();
             return Parser{&network, log};
           }),
           py::arg("network"), py::arg("logger") = py::none(), py::keep_alive<1, 2>(),
           py::keep_alive<1, 3>())
      .def(
          "parse",
          [](const Parser& p, const py::bytes& model, const std::string& source) {
            std::string_view bytes = model;
            check(without_gil([&] {
              return OnnxParser(*p.network, *p.logger).parse(bytes.data(), bytes.size(), source);
            }));
            return true;
          },
          py::arg("model"), py::arg("source") = "<memory>",
          "Parses a serialized ModelProto; returns True or raises int8rt.Error.")
      .def(
          "parse_from_file",
          [](const Parser& p, const std::string& path) {
            check(without_gil(
                [&] { return OnnxParser(*p.network, *p.logger).parse_from_file(path); }));
            return true;
          },
          py::arg("path"));
}

}  // namespace int8rt::python
