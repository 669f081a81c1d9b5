// analysis.h: FP32-vs-INT8 comparison and top-1 evaluation.
#include "int8rt/analysis.h"

#include "bindings.h"

namespace int8rt::python {

void init_analysis(py::module_& /*m*/) {}

}  // namespace int8rt::python
