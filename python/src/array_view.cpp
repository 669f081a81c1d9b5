#include "array_view.h"

#include <dlpack/dlpack.h>

namespace int8rt::python {

namespace {

// int8rt's dtype of a numpy-style type string ("<f4", "|i1"); nullopt for others.
std::optional<DataType> dtype_of_typestr(const std::string& typestr) {
  if (typestr.size() < 3) return std::nullopt;
  const std::string kind = typestr.substr(1);
  if (kind == "f4") return DataType::kFloat;
  if (kind == "i1") return DataType::kInt8;
  if (kind == "u1") return DataType::kUInt8;
  if (kind == "i4") return DataType::kInt32;
  if (kind == "i8") return DataType::kInt64;
  if (kind == "b1") return DataType::kBool;
  return std::nullopt;
}

std::optional<DataType> dtype_of_dlpack(const DLDataType& t) {
  if (t.lanes != 1) return std::nullopt;
  if (t.code == kDLFloat && t.bits == 32) return DataType::kFloat;
  if (t.code == kDLInt && t.bits == 8) return DataType::kInt8;
  if (t.code == kDLUInt && t.bits == 8) return DataType::kUInt8;
  if (t.code == kDLInt && t.bits == 32) return DataType::kInt32;
  if (t.code == kDLInt && t.bits == 64) return DataType::kInt64;
  return std::nullopt;
}

// C-contiguous strides (in elements) for `shape`.
bool is_c_contiguous(const std::vector<int64_t>& shape, const int64_t* strides) {
  int64_t expected = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] != 1 && strides[i] != expected) return false;
    expected *= shape[i];
  }
  return true;
}

Result<ArrayView> cuda_array_interface(const py::handle& value, const std::string& what) {
  auto interface = value.attr("__cuda_array_interface__").cast<py::dict>();
  ArrayView view;
  view.location = TensorLocation::kDevice;
  auto data = interface["data"].cast<py::tuple>();
  view.data = reinterpret_cast<void*>(data[0].cast<uintptr_t>());
  std::vector<int64_t> shape;
  for (const auto& extent : interface["shape"].cast<py::tuple>())
    shape.push_back(extent.cast<int64_t>());
  view.dims = Dims(shape);
  view.dtype_name = interface["typestr"].cast<std::string>();
  view.dtype = dtype_of_typestr(view.dtype_name);
  if (interface.contains("strides") && !interface["strides"].is_none()) {
    const size_t item = view.dtype ? element_size(*view.dtype) : 1;
    std::vector<int64_t> strides;
    for (const auto& s : interface["strides"].cast<py::tuple>())
      strides.push_back(s.cast<int64_t>() / static_cast<int64_t>(item));
    view.contiguous = is_c_contiguous(shape, strides.data());
  }
  view.keep_alive = py::reinterpret_borrow<py::object>(value);
  (void)what;
  return view;
}

Result<ArrayView> dlpack(const py::handle& value, const std::string& what) {
  py::object capsule = value.attr("__dlpack__")();
  auto* managed = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule.ptr(), "dltensor"));
  if (managed == nullptr) {
    PyErr_Clear();
    return invalid_argument(what, ": __dlpack__() gave no DLPack tensor capsule");
  }
  const DLTensor& t = managed->dl_tensor;
  ArrayView view;
  switch (t.device.device_type) {
    case kDLCPU:
    case kDLCUDAHost:
      view.location = TensorLocation::kHost;
      break;
    case kDLCUDA:
    case kDLCUDAManaged:
      view.location = TensorLocation::kDevice;
      break;
    default:
      return invalid_argument(what, ": DLPack device type ", static_cast<int>(t.device.device_type),
                              " is neither host nor CUDA memory");
  }
  view.data = static_cast<char*>(t.data) + t.byte_offset;
  std::vector<int64_t> shape(t.shape, t.shape + t.ndim);
  view.dims = Dims(shape);
  view.dtype = dtype_of_dlpack(t.dtype);
  view.dtype_name =
      "DLPack code " + std::to_string(t.dtype.code) + ", " + std::to_string(t.dtype.bits) + " bits";
  view.contiguous = t.strides == nullptr || is_c_contiguous(shape, t.strides);
  // The capsule keeps the producer's memory alive until the view is dropped (its destructor
  // calls the producer's deleter: the capsule is not consumed).
  view.keep_alive = capsule;
  return view;
}

}  // namespace

Result<ArrayView> view_of(const py::handle& value, const std::string& what) {
  if (py::isinstance<py::int_>(value)) {
    ArrayView view;
    view.data = reinterpret_cast<void*>(value.cast<uintptr_t>());
    view.keep_alive = py::reinterpret_borrow<py::object>(value);
    return view;
  }
  if (py::hasattr(value, "__cuda_array_interface__")) return cuda_array_interface(value, what);
  if (py::isinstance<py::array>(value)) {
    auto array = py::reinterpret_borrow<py::array>(value);
    ArrayView view;
    view.location = TensorLocation::kHost;
    view.data = array.mutable_data();
    view.dims = Dims(std::vector<int64_t>(array.shape(), array.shape() + array.ndim()));
    view.dtype_name = py::str(array.dtype().attr("str"));
    view.dtype = dtype_of_typestr(view.dtype_name);
    view.contiguous = (array.flags() & py::array::c_style) != 0;
    view.keep_alive = array;
    return view;
  }
  if (py::hasattr(value, "__dlpack__")) return dlpack(value, what);
  return invalid_argument(what, ": got ", std::string(py::str(value.get_type().attr("__name__"))),
                          "; expected an array (numpy, or a device array with "
                          "__cuda_array_interface__ or __dlpack__) or an address (int)");
}

Status check_view(const ArrayView& view, const std::string& what, const Dims& dims, DataType dtype,
                  TensorLocation location) {
  if (view.location && *view.location != location) {
    return invalid_argument(what, ": the array is in ", to_string(*view.location),
                            " memory, the engine's inputs and outputs are in ", to_string(location),
                            " memory");
  }
  if (view.dims && *view.dims != dims) {
    return invalid_argument(what, ": the array has shape ", view.dims->to_string(), ", expected ",
                            dims.to_string());
  }
  if (view.dims && (!view.dtype || *view.dtype != dtype)) {
    return invalid_argument(what, ": the array is ", view.dtype_name, ", expected ",
                            to_string(dtype));
  }
  if (!view.contiguous) {
    return invalid_argument(what, ": the array is not C-contiguous (make a contiguous copy)");
  }
  return Status::ok();
}

}  // namespace int8rt::python
