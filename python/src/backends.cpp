// backends.h: the registered backends, where tensors live, how fast INT8 and FP16 run.
#include "int8rt/backends.h"

#include "bindings.h"

namespace int8rt::python {

void init_backends(py::module_& m) {
  py::enum_<TensorLocation>(m, "TensorLocation", "Where a tensor's memory is (host or device).")
      .value("HOST", TensorLocation::kHost)
      .value("DEVICE", TensorLocation::kDevice);
  py::enum_<Int8Speed>(m, "Int8Speed")
      .value("NONE", Int8Speed::kNone)
      .value("SLOWER", Int8Speed::kSlower)
      .value("FAST", Int8Speed::kFast);
  py::class_<BackendInfo>(m, "BackendInfo", "What a backend is and whether it runs here.")
      .def_readonly("name", &BackendInfo::name)
      .def_readonly("available", &BackendInfo::available)
      .def_readonly("reason", &BackendInfo::reason)
      .def_readonly("device", &BackendInfo::device)
      .def_readonly("location", &BackendInfo::location)
      .def_readonly("int8", &BackendInfo::int8)
      .def_readonly("int8_path", &BackendInfo::int8_path)
      .def_readonly("fast_fp16", &BackendInfo::fast_fp16)
      .def("__repr__", [](const BackendInfo& i) {
        return "<BackendInfo " + i.name + ": " + (i.available ? i.device : i.reason) + ">";
      });
  m.def("backend_names", &backend_names, "The registered backends, in registry order.");
  m.def(
      "get_backend_info", [](const std::string& name) { return unwrap(get_backend_info(name)); },
      py::arg("name"));
  m.attr("DEFAULT_BACKEND") = std::string(kDefaultBackend);
}

}  // namespace int8rt::python
