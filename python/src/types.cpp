// types.h: DataType, Dims (as tuples) and Weights (as numpy arrays).
#include "int8rt/types.h"

#include <bit>
#include <cstring>

#include "bindings.h"

namespace int8rt::python {

py::dtype to_numpy_dtype(DataType type) {
  switch (type) {
    case DataType::kFloat:
      return py::dtype::of<float>();
    case DataType::kInt8:
      return py::dtype::of<int8_t>();
    case DataType::kUInt8:
      return py::dtype::of<uint8_t>();
    case DataType::kInt32:
      return py::dtype::of<int32_t>();
    case DataType::kInt64:
      return py::dtype::of<int64_t>();
    case DataType::kBool:
      return py::dtype::of<bool>();
  }
  return py::dtype::of<float>();
}

DataType from_numpy_dtype(const py::dtype& dtype, const std::string& what) {
  const char kind = dtype.kind();
  const auto size = dtype.itemsize();
  // '=' native, '|' not applicable (one byte); '<' or '>' may be the other byte order.
  const char order = dtype.byteorder();
  const char native = std::endian::native == std::endian::little ? '<' : '>';
  if (order != '=' && order != '|' && order != native) {
    raise_error(invalid_argument(what, ": numpy dtype ",
                                 std::string(py::str(static_cast<const py::handle&>(dtype))),
                                 " is not in this machine's byte order (convert it with "
                                 "array.astype(array.dtype.newbyteorder('=')))"));
  }
  if (kind == 'f' && size == 4) return DataType::kFloat;
  if (kind == 'i' && size == 1) return DataType::kInt8;
  if (kind == 'u' && size == 1) return DataType::kUInt8;
  if (kind == 'i' && size == 4) return DataType::kInt32;
  if (kind == 'i' && size == 8) return DataType::kInt64;
  if (kind == 'b') return DataType::kBool;
  raise_error(invalid_argument(
      what, ": numpy dtype ", std::string(py::str(static_cast<const py::handle&>(dtype))),
      " has no int8rt DataType (float32, int8, uint8, int32, int64, bool)"));
}

py::tuple dims_to_tuple(const Dims& dims) {
  py::tuple result(static_cast<size_t>(dims.rank()));
  for (int i = 0; i < dims.rank(); ++i)
    result[static_cast<size_t>(i)] = py::int_(dims[i]);
  return result;
}

Dims dims_from_sequence(const py::handle& sequence) {
  std::vector<int64_t> extents;
  for (const py::handle item : py::iter(sequence))
    extents.push_back(item.cast<int64_t>());
  return Dims(std::move(extents));
}

py::array weights_to_array(const Weights& weights) {
  std::vector<py::ssize_t> shape(weights.dims().extents().begin(), weights.dims().extents().end());
  py::array array(to_numpy_dtype(weights.dtype()), shape);
  if (weights.byte_size() > 0) {
    std::memcpy(array.mutable_data(), weights.data(), weights.byte_size());
  }
  return array;
}

Weights weights_from_array(const py::array& array, const std::string& what) {
  const DataType type = from_numpy_dtype(array.dtype(), what);
  // Any strides in, C order out (a copy only when the array is not C-contiguous already).
  py::array dense = py::array::ensure(array, py::array::c_style);
  std::vector<int64_t> extents(dense.shape(), dense.shape() + dense.ndim());
  return Weights(type, Dims(std::move(extents)), dense.data());
}

void init_types(py::module_& m) {
  py::enum_<DataType>(m, "DataType",
                      "Element types (numpy: float32, int8, uint8, int32, int64, bool).")
      .value("FLOAT", DataType::kFloat)
      .value("INT8", DataType::kInt8)
      .value("UINT8", DataType::kUInt8)
      .value("INT32", DataType::kInt32)
      .value("INT64", DataType::kInt64)
      .value("BOOL", DataType::kBool)
      .def_property_readonly("itemsize", [](DataType t) { return element_size(t); })
      .def_property_readonly("numpy_dtype", &to_numpy_dtype)
      .def(
          "__str__", [](DataType t) { return std::string(to_string(t)); }, py::prepend());
  m.attr("float32") = m.attr("DataType").attr("FLOAT");
  m.attr("int8") = m.attr("DataType").attr("INT8");
  m.attr("int32") = m.attr("DataType").attr("INT32");

  m.def(
      "nptype", [](DataType t) { return to_numpy_dtype(t).attr("type"); }, py::arg("dtype"),
      "The numpy scalar type of a DataType (TensorRT's trt.nptype).");

  // Shapes are tuples of ints; -1 (DYNAMIC) is an axis resolved at build time.
  m.attr("DYNAMIC") = Dims::kDynamic;
}

}  // namespace int8rt::python
