// The memory a Python object describes, wherever it is: a numpy array (host memory), an object
// with __cuda_array_interface__ (CuPy, PyTorch, Numba: device memory), a DLPack producer
// (__dlpack__: host or CUDA memory, any framework), or an int (an address, TensorRT's Python
// convention; where it points is the caller's word). What set_tensor_address and device-memory
// calibrators read.
#pragma once

#include <optional>
#include <string>

#include "bindings.h"
#include "int8rt/backends.h"
#include "int8rt/types.h"

namespace int8rt::python {

struct ArrayView {
  void* data = nullptr;
  std::optional<TensorLocation> location;  // unknown for an int
  std::optional<Dims> dims;                // unknown for an int
  std::optional<DataType> dtype;           // unknown for an int (or a dtype int8rt lacks)
  std::string dtype_name;                  // as the producer spells it, for messages
  bool contiguous = true;
  py::object keep_alive;  // the object (or DLPack capsule) owning the memory
};

// The view of `value`; `what` names it in errors ("input \"x\"").
Result<ArrayView> view_of(const py::handle& value, const std::string& what);

// Checks `view` can be tensor `what` of `dims`/`dtype` in `location`: same shape and dtype,
// contiguous, in that memory. Ints pass unchecked.
Status check_view(const ArrayView& view, const std::string& what, const Dims& dims, DataType dtype,
                  TensorLocation location);

}  // namespace int8rt::python
