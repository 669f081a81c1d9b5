// The extension module int8rt._int8rt; python/int8rt/__init__.py re-exports it.
#include "bindings.h"

PYBIND11_MODULE(_int8rt, m) {
  namespace python = int8rt::python;
  m.doc() = "int8rt: INT8 post-training quantization and inference";
  python::init_status(m);
  python::init_types(m);
  python::init_backends(m);
  python::init_logger(m);
  python::init_progress(m);
  python::init_attrs(m);
  python::init_network(m);
  python::init_engine(m);
  python::init_data(m);
  python::init_calibrator(m);
  python::init_builder(m);
  python::init_onnx_parser(m);
  python::init_analysis(m);
  python::init_repair(m);
  python::init_report(m);
}
