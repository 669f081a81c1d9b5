// network.h: Network, Tensor and Layer. Tensors and layers belong to their network: the Python
// objects refer to them and keep the network alive.
#include "int8rt/network.h"

#include <string>
#include <vector>

#include "bindings.h"

namespace int8rt::python {

namespace {

// The attributes an op carries by default (its ops.inc struct, value-initialized).
Attrs default_attrs(OpType type) {
  switch (type) {
#define INT8RT_OP(name, attrs_type) \
  case OpType::k##name:             \
    return Attrs{attrs_type{}};
#include "int8rt/ops.inc"
#undef INT8RT_OP
  }
  return Attrs{NoAttrs{}};
}

// The attribute struct's index in Attrs an op expects, to reject attrs of the wrong kind.
size_t attrs_index(OpType type) {
  return default_attrs(type).index();
}

py::object tensor_or_none(Tensor* tensor, const py::handle& owner) {
  if (tensor == nullptr) return py::none();
  return py::cast(tensor, py::return_value_policy::reference_internal, owner);
}

}  // namespace

void init_network(py::module_& m) {
  py::enum_<OpType> op_type(m, "OpType", "Every op int8rt knows (the ONNX op type names).");
#define INT8RT_OP(name, attrs_type) op_type.value(#name, OpType::k##name);
#include "int8rt/ops.inc"
#undef INT8RT_OP
  op_type.def(
      "__str__", [](OpType t) { return std::string(to_string(t)); }, py::prepend());
  op_type.def_static(
      "from_string",
      [](const std::string& name) {
        auto type = op_type_from_string(name);
        if (!type) raise_error(not_found("no op type \"", name, "\""));
        return *type;
      },
      py::arg("name"));
  m.def("default_attrs", &default_attrs, py::arg("op"),
        "The attribute struct an op carries, with ONNX's defaults.");

  py::class_<Tensor>(m, "Tensor", "A named, typed, shaped value of a network.")
      .def_property_readonly("name", &Tensor::name)
      .def_property("dtype", &Tensor::dtype, [](Tensor& t, DataType type) { t.set_dtype(type); })
      .def_property(
          "shape", [](const Tensor& t) { return dims_to_tuple(t.dims()); },
          [](Tensor& t, const py::iterable& shape) { t.set_dims(dims_from_sequence(shape)); },
          "The shape as a tuple; -1 for an axis resolved at build time.")
      .def_property_readonly("dim_names", &Tensor::dim_names)
      .def_property_readonly("is_network_input", &Tensor::is_network_input)
      .def_property_readonly("is_network_output", &Tensor::is_network_output)
      .def_property_readonly("is_constant", &Tensor::is_constant)
      .def_property_readonly(
          "constant_value",
          [](const Tensor& t) -> py::object {
            if (!t.is_constant()) return py::none();
            return weights_to_array(t.constant_value());
          },
          "The value of a constant tensor as a numpy array (a copy); None otherwise.")
      .def_property_readonly(
          "producer", [](const Tensor& t) { return t.producer(); },
          py::return_value_policy::reference_internal,
          "The layer computing this tensor; None for inputs and constants.")
      .def_property(
          "dynamic_range",
          [](const Tensor& t) -> py::object {
            if (!t.dynamic_range_is_set()) return py::none();
            return py::make_tuple(t.dynamic_range_min(), t.dynamic_range_max());
          },
          [](Tensor& t, const py::object& range) {
            if (range.is_none()) {
              t.reset_dynamic_range();
              return;
            }
            std::pair<float, float> bounds;
            try {
              bounds = range.cast<std::pair<float, float>>();
            } catch (const py::cast_error&) {
              throw py::type_error("dynamic_range takes (min, max), two numbers, or None; got " +
                                   std::string(py::str(py::type::of(range).attr("__name__"))));
            }
            check(t.set_dynamic_range(bounds.first, bounds.second));
          },
          "(min, max) set by hand, or None. INT8 is symmetric: the range used is "
          "[-amax, amax] with amax = max(|min|, |max|). Assigning None removes it.")
      .def(
          "set_dynamic_range",
          [](Tensor& t, float lo, float hi) {
            check(t.set_dynamic_range(lo, hi));
            return true;
          },
          py::arg("min"), py::arg("max"))
      .def("reset_dynamic_range", &Tensor::reset_dynamic_range)
      .def_property_readonly("dynamic_range_amax", &Tensor::dynamic_range_amax)
      .def("__repr__", [](const Tensor& t) {
        return "Tensor(\"" + t.name() + "\", " + std::string(to_string(t.dtype())) + ", " +
               t.dims().to_string() + ")";
      });

  py::class_<Layer>(m, "Layer", "An op of a network with its inputs, outputs and attributes.")
      .def_property_readonly("type", &Layer::type)
      .def_property_readonly("name", &Layer::name)
      .def_property_readonly("num_inputs", &Layer::num_inputs)
      .def_property_readonly("num_outputs", &Layer::num_outputs)
      .def(
          "get_input",
          [](const Layer& l, int i) -> Tensor* {
            if (i < 0 || i >= l.num_inputs()) throw py::index_error("layer input out of range");
            return l.input(i);
          },
          py::arg("index"), py::return_value_policy::reference_internal)
      .def(
          "get_output",
          [](const Layer& l, int i) -> Tensor* {
            if (i < 0 || i >= l.num_outputs()) throw py::index_error("layer output out of range");
            return l.output(i);
          },
          py::arg("index"), py::return_value_policy::reference_internal)
      .def_property_readonly(
          "inputs",
          [](const Layer& l) {
            std::vector<Tensor*> result;
            for (int i = 0; i < l.num_inputs(); ++i)
              result.push_back(l.input(i));
            return result;
          },
          py::return_value_policy::reference_internal,
          "Input tensors (None for absent optional inputs).")
      .def_property_readonly(
          "outputs",
          [](const Layer& l) {
            std::vector<Tensor*> result;
            for (int i = 0; i < l.num_outputs(); ++i)
              result.push_back(l.output(i));
            return result;
          },
          py::return_value_policy::reference_internal)
      .def_property(
          "attrs", [](const Layer& l) { return l.attrs(); },
          [](Layer& l, const Attrs& attrs) {
            if (attrs.index() != attrs_index(l.type())) {
              raise_error(invalid_argument("layer \"", l.name(), "\" (", to_string(l.type()),
                                           ") takes other attributes than those given"));
            }
            l.mutable_attrs() = attrs;
          },
          "A copy of the attribute struct; assign a modified one to change it.")
      .def_property(
          "precision", &Layer::precision,
          [](Layer& l, const py::object& type) {
            if (type.is_none()) {
              l.reset_precision();
            } else {
              l.set_precision(type.cast<DataType>());
            }
          },
          "The precision requested for this layer (FLOAT unless set); None resets the request.")
      .def_property_readonly("precision_is_set", &Layer::precision_is_set)
      .def("reset_precision", &Layer::reset_precision)
      .def("__repr__", [](const Layer& l) {
        return "Layer(\"" + l.name() + "\", " + std::string(to_string(l.type())) + ")";
      });

  py::class_<Network>(m, "Network",
                      "Tensors and the layers connecting them. Tensor and Layer objects refer "
                      "into their network and keep it alive.")
      .def(py::init<>())
      .def_property("name", &Network::name, &Network::set_name)
      .def(
          "add_input",
          [](Network& n, std::string name, DataType dtype, const py::iterable& shape,
             std::vector<std::string> dim_names) {
            return unwrap(n.add_input(std::move(name), dtype, dims_from_sequence(shape),
                                      std::move(dim_names)));
          },
          py::arg("name"), py::arg("dtype"), py::arg("shape"),
          py::arg("dim_names") = std::vector<std::string>{},
          py::return_value_policy::reference_internal)
      .def(
          "add_constant",
          [](Network& n, std::string name, const py::array& value) {
            Weights weights = weights_from_array(value, "constant \"" + name + "\"");
            return unwrap(n.add_constant(std::move(name), std::move(weights)));
          },
          py::arg("name"), py::arg("value"), py::return_value_policy::reference_internal,
          "A constant tensor holding a copy of the numpy array (C order).")
      .def(
          "add_layer",
          [](Network& n, OpType type, std::string name, const std::vector<Tensor*>& inputs,
             const py::object& attrs, const py::object& outputs) {
            Attrs value = attrs.is_none() ? default_attrs(type) : attrs.cast<Attrs>();
            if (value.index() != attrs_index(type)) {
              raise_error(invalid_argument("layer \"", name, "\": ", to_string(type),
                                           " takes other attributes than those given"));
            }
            std::vector<std::string> names = outputs.is_none()
                                                 ? std::vector<std::string>{name}
                                                 : outputs.cast<std::vector<std::string>>();
            return unwrap(
                n.add_layer(type, std::move(name), inputs, std::move(value), std::move(names)));
          },
          py::arg("op"), py::arg("name"), py::arg("inputs"), py::arg("attrs") = py::none(),
          py::arg("outputs") = py::none(), py::return_value_policy::reference_internal,
          "A layer computing new tensors named `outputs` (default: one output named like the "
          "layer) from `inputs` (None for an absent optional input). attrs: the op's attribute "
          "struct (default_attrs(op) when None).")
      .def(
          "mark_output", [](Network& n, Tensor* t) { check(n.mark_output(t)); }, py::arg("tensor"))
      .def(
          "unmark_output", [](Network& n, Tensor* t) { check(n.unmark_output(t)); },
          py::arg("tensor"))
      .def_property_readonly("num_inputs", &Network::num_inputs)
      .def_property_readonly("num_outputs", &Network::num_outputs)
      .def_property_readonly("num_layers", &Network::num_layers)
      .def_property_readonly("num_tensors", &Network::num_tensors)
      .def(
          "get_input",
          [](const Network& n, int i) {
            if (i < 0 || i >= n.num_inputs()) throw py::index_error("network input out of range");
            return n.input(i);
          },
          py::arg("index"), py::return_value_policy::reference_internal)
      .def(
          "get_output",
          [](const Network& n, int i) {
            if (i < 0 || i >= n.num_outputs()) {
              throw py::index_error("network output out of range");
            }
            return n.output(i);
          },
          py::arg("index"), py::return_value_policy::reference_internal)
      .def(
          "get_layer",
          [](const Network& n, int i) {
            if (i < 0 || i >= n.num_layers()) throw py::index_error("network layer out of range");
            return n.layer(i);
          },
          py::arg("index"), py::return_value_policy::reference_internal)
      .def_property_readonly("inputs",
                             [](const py::object& self) {
                               const auto& n = self.cast<const Network&>();
                               py::list result;
                               for (int i = 0; i < n.num_inputs(); ++i)
                                 result.append(tensor_or_none(n.input(i), self));
                               return result;
                             })
      .def_property_readonly("outputs",
                             [](const py::object& self) {
                               const auto& n = self.cast<const Network&>();
                               py::list result;
                               for (int i = 0; i < n.num_outputs(); ++i)
                                 result.append(tensor_or_none(n.output(i), self));
                               return result;
                             })
      .def_property_readonly("tensors",
                             [](const py::object& self) {
                               const auto& n = self.cast<const Network&>();
                               py::list result;
                               for (int i = 0; i < n.num_tensors(); ++i)
                                 result.append(tensor_or_none(n.tensor(i), self));
                               return result;
                             })
      .def_property_readonly(
          "layers",
          [](const py::object& self) {
            const auto& n = self.cast<const Network&>();
            py::list result;
            for (int i = 0; i < n.num_layers(); ++i)
              result.append(
                  py::cast(n.layer(i), py::return_value_policy::reference_internal, self));
            return result;
          },
          "The layers in topological order.")
      .def(
          "find_tensor",
          [](const Network& n, const std::string& name) { return n.find_tensor(name); },
          py::arg("name"), py::return_value_policy::reference_internal, "The tensor or None.")
      .def(
          "find_layer",
          [](const Network& n, const std::string& name) { return n.find_layer(name); },
          py::arg("name"), py::return_value_policy::reference_internal, "The layer or None.")
      .def("clone", &Network::clone, "A deep copy.")
      .def("__repr__", [](const Network& n) {
        return "Network(\"" + n.name() + "\", " + std::to_string(n.num_layers()) + " layers)";
      });
}

}  // namespace int8rt::python
