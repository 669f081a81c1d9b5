// calibrator.h: calibrator base classes that Python subclasses (IInt8EntropyCalibrator2, ...),
// StreamCalibrator, caches and ranges files, and the calibration report.
//
// A Python calibrator is called back from the builder's C++ with the GIL taken. Whatever it raises
// (or returns that does not fit) is turned into an error Status that stops the build; the Python
// exception is kept, and the builder binding raises int8rt.Error with the traceback in its message
// and the exception as __cause__. Later calls into the calibrator fail at once with the same error,
// so a failure in a method without a Status (get_batch_size, read_calibration_cache) still stops
// the build.
#include "int8rt/calibrator.h"

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "array_view.h"
#include "bindings.h"
#include "int8rt/data.h"

namespace int8rt::python {

namespace {

// The bytes of a bytes, bytearray or memoryview object.
std::string bytes_of(const py::handle& object) {
  auto bytes = py::reinterpret_steal<py::bytes>(PyBytes_FromObject(object.ptr()));
  if (!bytes) throw py::error_already_set();
  return bytes.cast<std::string>();
}

// What every Python calibrator keeps besides its C++ base.
class PythonCalibratorState {
 public:
  virtual ~PythonCalibratorState() = default;

  // The exception raised in a callback (None when there was none) and the error made of it;
  // both are forgotten.
  std::pair<py::object, Status> take_exception() {
    py::object e = std::move(exception_);
    exception_ = py::object();
    Status failure = std::move(failure_);
    failure_ = Status::ok();
    return {e ? e : py::none(), failure};
  }

 protected:
  // Calls `call` (a Python callback) and turns what it raises into an error Status naming the
  // method; the exception is remembered. Needs the GIL.
  template <typename F>
  Status guarded(const char* method, F&& call) {
    if (!failure_.is_ok()) return failure_;
    try {
      return call();
    } catch (py::error_already_set& error) {
      return remember(method, error);
    } catch (const py::cast_error& error) {
      PyErr_SetString(PyExc_TypeError, error.what());
      py::error_already_set converted;
      return remember(method, converted);
    } catch (const std::exception& error) {
      PyErr_SetString(PyExc_RuntimeError, error.what());
      py::error_already_set converted;
      return remember(method, converted);
    }
  }

  // An error about the returned value (not an exception in Python): raised as a TypeError or
  // ValueError from the calibrator so that it, too, reaches the caller.
  Status bad_value(const char* method, PyObject* type, const std::string& message) {
    PyErr_SetString(type, message.c_str());
    py::error_already_set error;
    exception_ = error.value();
    const std::string cls = py::str(self().get_type().attr("__name__"));
    failure_ = invalid_argument("Python calibrator ", cls, ".", method, "(): ", message);
    return failure_;
  }

  // The object whose methods are called: the Python subclass instance.
  virtual py::object self() const = 0;
  py::function method(const char* name) const;

  std::vector<IoTensor> inputs_;   // from prepare(): what get_batch must provide
  std::vector<py::object> batch_;  // the arrays of the current batch, kept alive

 private:
  Status remember(const char* method, py::error_already_set& error) {
    exception_ = error.value();
    const std::string cls = py::str(self().get_type().attr("__name__"));
    failure_ = invalid_argument("Python calibrator ", cls, ".", method, "() raised ",
                                describe_python_error(error));
    return failure_;
  }

  py::object exception_;
  Status failure_;
};

// Why an array returned by get_batch can't be used: the Python exception type to raise and the
// message.
struct BatchProblem {
  PyObject* type = nullptr;
  std::string message;
};

// The array for input `io`, float32 and C-contiguous; a null object with `problem` set when the
// value can't be used.
py::object batch_array(const py::handle& value, const IoTensor& io, BatchProblem& problem) {
  const std::string input = "input \"" + io.name + "\"";
  if (py::isinstance<py::int_>(value)) {
    problem = {PyExc_TypeError,
               input +
                   " is an int (a device pointer?); this calibrator hands host memory: return "
                   "numpy arrays, or set batch_location = int8rt.TensorLocation.DEVICE and "
                   "calibrate on a GPU backend"};
    return {};
  }
  if (!py::isinstance<py::array>(value)) {
    problem = {PyExc_TypeError, input + " is a " +
                                    std::string(py::str(value.get_type().attr("__name__"))) +
                                    ", expected a numpy array"};
    return {};
  }
  auto array = py::reinterpret_borrow<py::array>(value);
  const py::dtype dtype = array.dtype();
  // Calibration data is float32. Other float dtypes (float64 from numpy arithmetic, float16) are
  // converted; integer data is refused, since it usually still needs normalizing (u8 / 255).
  if (dtype.kind() != 'f') {
    problem = {PyExc_TypeError, input + " has dtype " +
                                    std::string(py::str(static_cast<const py::handle&>(dtype))) +
                                    ", expected float32 (convert and normalize it first)"};
    return {};
  }
  if (dtype.itemsize() != 4) array = py::array(array.attr("astype")(py::dtype::of<float>()));
  // Strided or Fortran-order arrays are copied into C order.
  array = py::array::ensure(array, py::array::c_style);
  // The shape must be the input's exactly: an array of the same size in another shape (flat,
  // NHWC) would otherwise be read as something it is not.
  const Dims dims(std::vector<int64_t>(array.shape(), array.shape() + array.ndim()));
  if (dims != io.dims) {
    problem = {PyExc_ValueError, input + " has shape " + dims.to_string() + ", expected " +
                                     io.dims.to_string() + " (get_batch_size() samples)"};
    return {};
  }
  return array;
}

// The C++ Calibrator of a Python subclass of base B (one of the fixed-algorithm calibrators).
template <typename B>
class PythonCalibrator : public B, public PythonCalibratorState {
 public:
  int64_t batch_size() const override {
    py::gil_scoped_acquire gil;
    int64_t size = 0;
    // const: the failure is remembered through a mutable path.
    auto* self_mutable = const_cast<PythonCalibrator*>(this);
    Status status = self_mutable->guarded("get_batch_size", [&] {
      size = method("get_batch_size")().template cast<int64_t>();
      return Status::ok();
    });
    return status.is_ok() ? size : 0;
  }

  int64_t num_batches() const override {
    py::gil_scoped_acquire gil;
    py::function f = py::get_override(static_cast<const B*>(this), "get_num_batches");
    if (!f) return -1;
    try {
      return f().template cast<int64_t>();
    } catch (...) {
      return -1;
    }
  }

  // A Python calibrator says where its batches are with a `batch_location` attribute
  // (int8rt.TensorLocation; HOST when absent).
  TensorLocation batch_location() const override {
    py::gil_scoped_acquire gil;
    try {
      py::object location = py::getattr(self(), "batch_location", py::none());
      if (!location.is_none()) return location.cast<TensorLocation>();
    } catch (const std::exception&) {
    }
    return TensorLocation::kHost;
  }

  Status prepare(std::span<const IoTensor> inputs) override {
    py::gil_scoped_acquire gil;
    inputs_.assign(inputs.begin(), inputs.end());
    return guarded("prepare", [] { return Status::ok(); });
  }

  Result<bool> get_batch(std::span<const std::string> names,
                         std::span<const void*> bindings) override {
    py::gil_scoped_acquire gil;
    bool more = false;
    Status status = guarded("get_batch", [&]() -> Status {
      batch_.clear();
      py::list py_names;
      for (const std::string& name : names)
        py_names.append(name);
      py::object result = method("get_batch")(py_names);
      if (result.is_none()) return Status::ok();
      std::vector<py::handle> values(names.size());
      if (py::isinstance<py::dict>(result)) {
        auto dict = result.cast<py::dict>();
        for (const auto& [key, value] : dict) {
          const std::string name = py::str(key);
          size_t i = 0;
          while (i < names.size() && names[i] != name)
            ++i;
          if (i == names.size()) {
            return bad_value("get_batch", PyExc_KeyError,
                             "returned an array for \"" + name +
                                 "\", which is not a network input (inputs: " + joined(names) +
                                 ")");
          }
          values[i] = value;
        }
        for (size_t i = 0; i < names.size(); ++i) {
          if (!values[i]) {
            return bad_value("get_batch", PyExc_KeyError,
                             "returned no array for input \"" + names[i] + "\"");
          }
        }
      } else if (py::isinstance<py::list>(result) || py::isinstance<py::tuple>(result)) {
        auto seq = result.cast<py::sequence>();
        if (seq.size() == 0) return Status::ok();  // TensorRT's "no more batches" as well
        if (seq.size() != names.size()) {
          return bad_value("get_batch", PyExc_ValueError,
                           "returned " + std::to_string(seq.size()) + " arrays for " +
                               std::to_string(names.size()) + " inputs (" + joined(names) + ")");
        }
        for (size_t i = 0; i < names.size(); ++i)
          values[i] = seq[i];
      } else {
        return bad_value("get_batch", PyExc_TypeError,
                         "returned a " + std::string(py::str(result.get_type().attr("__name__"))) +
                             ", expected a list of numpy arrays (one per input: " + joined(names) +
                             "), a dict {name: array} or None");
      }
      for (size_t i = 0; i < names.size(); ++i) {
        const IoTensor* io = find_input(names[i]);
        if (io == nullptr) return internal_error("no input \"", names[i], "\" from prepare()");
        if (batch_location() == TensorLocation::kDevice) {
          // Device memory (TensorRT's convention): ints, or device arrays checked like
          // set_tensor_address's.
          const std::string what = "input \"" + io->name + "\"";
          auto view = view_of(values[i], what);
          Status usable = view.is_ok() ? check_view(*view, what, io->dims, DataType::kFloat,
                                                    TensorLocation::kDevice)
                                       : view.status();
          if (!usable.is_ok()) return bad_value("get_batch", PyExc_ValueError, usable.message());
          bindings[i] = view->data;
          batch_.push_back(view->keep_alive);
          continue;
        }
        BatchProblem problem;
        py::object array = batch_array(values[i], *io, problem);
        if (!array) return bad_value("get_batch", problem.type, problem.message);
        bindings[i] = py::reinterpret_borrow<py::array>(array).data();
        batch_.push_back(array);
      }
      more = true;
      return Status::ok();
    });
    if (!status.is_ok()) return status;
    return more;
  }

  std::string read_calibration_cache() override {
    py::gil_scoped_acquire gil;
    std::string cache;
    (void)guarded("read_calibration_cache", [&]() -> Status {
      py::function f = py::get_override(static_cast<const B*>(this), "read_calibration_cache");
      if (!f) return Status::ok();
      py::object result = f();
      if (result.is_none()) return Status::ok();
      if (py::isinstance<py::str>(result)) {
        cache = result.cast<std::string>();
      } else if (py::isinstance<py::bytes>(result) || py::isinstance<py::bytearray>(result) ||
                 py::isinstance<py::memoryview>(result)) {
        cache = bytes_of(result);
      } else {
        return bad_value("read_calibration_cache", PyExc_TypeError,
                         "returned a " + std::string(py::str(result.get_type().attr("__name__"))) +
                             ", expected bytes, str or None");
      }
      return Status::ok();
    });
    return cache;
  }

  Status write_calibration_cache(std::string_view cache) override {
    py::gil_scoped_acquire gil;
    return guarded("write_calibration_cache", [&] {
      py::function f = py::get_override(static_cast<const B*>(this), "write_calibration_cache");
      if (f) f(py::bytes(cache.data(), cache.size()));
      return Status::ok();
    });
  }

  double percentile() const override { return parameter("get_percentile", B::percentile()); }
  double quantile() const override { return parameter("get_quantile", B::quantile()); }
  double regression_cutoff() const override {
    return parameter("get_regression_cutoff", B::regression_cutoff());
  }

 protected:
  py::object self() const override {
    // The Python instance wrapping this C++ object.
    return py::cast(static_cast<const B*>(this), py::return_value_policy::reference);
  }

 private:
  double parameter(const char* name, double fallback) const {
    py::gil_scoped_acquire gil;
    double value = fallback;
    auto* self_mutable = const_cast<PythonCalibrator*>(this);
    (void)self_mutable->guarded(name, [&] {
      py::function f = py::get_override(static_cast<const B*>(this), name);
      if (f) value = f().template cast<double>();
      return Status::ok();
    });
    return value;
  }

  const IoTensor* find_input(const std::string& name) const {
    for (const IoTensor& io : inputs_)
      if (io.name == name) return &io;
    return nullptr;
  }

  static std::string joined(std::span<const std::string> names) {
    std::string text;
    for (const std::string& n : names)
      text += (text.empty() ? "\"" : ", \"") + n + "\"";
    return text;
  }
};

}  // namespace

py::function PythonCalibratorState::method(const char* name) const {
  py::object instance = self();
  py::object attr = py::getattr(instance, name, py::none());
  if (attr.is_none()) {
    const std::string cls = py::str(instance.get_type().attr("__name__"));
    PyErr_SetString(PyExc_NotImplementedError, (cls + " must define " + name + "()").c_str());
    throw py::error_already_set();
  }
  return attr;
}

std::pair<py::object, Status> take_python_exception(Calibrator* calibrator) {
  auto* state = dynamic_cast<PythonCalibratorState*>(calibrator);
  if (state == nullptr) return {py::none(), Status::ok()};
  return state->take_exception();
}

namespace {

template <typename B>
void bind_python_calibrator(py::module_& m, const char* name, const char* doc) {
  py::class_<B, Calibrator, PythonCalibrator<B>>(m, name, doc)
      .def(py::init_alias<>())
      .def("read_calibration_cache", [](B&) -> py::object { return py::none(); })
      .def(
          "write_calibration_cache", [](B&, const py::object&) {}, py::arg("cache"));
}

}  // namespace

void init_calibrator(py::module_& m) {
  py::enum_<CalibrationAlgorithm>(m, "CalibrationAlgoType",
                                  "How calibration turns observed values into a range.")
      .value("ENTROPY_CALIBRATION_2", CalibrationAlgorithm::kEntropy2)
      .value("ENTROPY_CALIBRATION", CalibrationAlgorithm::kEntropy)
      .value("MINMAX_CALIBRATION", CalibrationAlgorithm::kMinMax)
      .value("LEGACY_CALIBRATION", CalibrationAlgorithm::kLegacy)
      .value("PERCENTILE_CALIBRATION", CalibrationAlgorithm::kPercentile)
      .value("MSE_CALIBRATION", CalibrationAlgorithm::kMse)
      .def(
          "__str__", [](CalibrationAlgorithm a) { return std::string(to_string(a)); },
          py::prepend())
      .def_property_readonly(
          "cache_name", [](CalibrationAlgorithm a) { return std::string(cache_algorithm_name(a)); })
      .def_static(
          "from_string",
          [](const std::string& name) {
            auto a = calibration_algorithm_from_string(name);
            if (!a) {
              raise_error(
                  invalid_argument("unknown calibration algorithm \"", name,
                                   "\" (entropy2, entropy, minmax, legacy, percentile, mse)"));
            }
            return *a;
          },
          py::arg("name"));
  m.attr("CalibrationAlgorithm") = m.attr("CalibrationAlgoType");

  py::class_<Calibrator>(m, "IInt8Calibrator",
                         "The calibrator interface; subclass one of the IInt8*Calibrator classes.")
      .def_property_readonly("algorithm", &Calibrator::algorithm)
      .def("get_algorithm", &Calibrator::algorithm);

  bind_python_calibrator<EntropyCalibrator2>(
      m, "IInt8EntropyCalibrator2", "Entropy (KL) calibration before fusion; the CNN default.");
  bind_python_calibrator<EntropyCalibrator>(m, "IInt8EntropyCalibrator",
                                            "Entropy calibration after fusion (legacy).");
  bind_python_calibrator<MinMaxCalibrator>(m, "IInt8MinMaxCalibrator", "The largest |x| seen.");
  bind_python_calibrator<LegacyCalibrator>(
      m, "IInt8LegacyCalibrator",
      "A quantile of |x| times a regression cutoff (define get_quantile(), "
      "get_regression_cutoff() to change 0.9999 and 1.0).");
  bind_python_calibrator<PercentileCalibrator>(
      m, "IInt8PercentileCalibrator", "A percentile of |x| (define get_percentile(); 99.99).");
  bind_python_calibrator<MseCalibrator>(m, "IInt8MseCalibrator",
                                        "The threshold minimizing the squared quantization error.");

  py::class_<StreamCalibrator, Calibrator>(
      m, "StreamCalibrator",
      "The ready calibrator over a single-input network: full batches of a data source in "
      "order, its cache (and fingerprint) kept in cache_path.")
      .def(py::init([](const py::object& source, CalibrationAlgorithm algorithm, int64_t batch_size,
                       int64_t max_batches, std::string cache_path, double percentile,
                       double quantile, double regression_cutoff) {
             return std::make_unique<StreamCalibrator>(
                 data_source_from(source),
                 StreamCalibratorOptions{.algorithm = algorithm,
                                         .batch_size = batch_size,
                                         .max_batches = max_batches,
                                         .cache_path = std::move(cache_path),
                                         .percentile = percentile,
                                         .quantile = quantile,
                                         .regression_cutoff = regression_cutoff});
           }),
           py::arg("source"), py::arg("algorithm") = CalibrationAlgorithm::kEntropy2,
           py::arg("batch_size") = 32, py::arg("max_batches") = -1, py::arg("cache_path") = "",
           py::arg("percentile") = 99.99, py::arg("quantile") = 0.9999,
           py::arg("regression_cutoff") = 1.0,
           "source: a data SPEC string (open_data_source), a DataSource, or a numpy array "
           "[N, sample...].")
      .def_property_readonly("batch_size", &StreamCalibrator::batch_size)
      .def_property_readonly("num_batches", &StreamCalibrator::num_batches)
      .def_property_readonly("batches_served", &StreamCalibrator::batches_served);

  // ---------------------------------------------------------------- caches and ranges files
  py::class_<TensorRange>(m, "TensorRange")
      .def(py::init([](std::string name, float amax) {
             return TensorRange{std::move(name), amax};
           }),
           py::arg("name"), py::arg("amax"))
      .def_readwrite("name", &TensorRange::name)
      .def_readwrite("amax", &TensorRange::amax)
      .def("__repr__", [](const TensorRange& r) {
        return "TensorRange(\"" + r.name + "\", " + std::to_string(r.amax) + ")";
      });
  py::class_<CacheEntry>(m, "CacheEntry")
      .def(py::init([](std::string name, float scale) {
             return CacheEntry{std::move(name), scale};
           }),
           py::arg("name"), py::arg("scale"))
      .def_readwrite("name", &CacheEntry::name)
      .def_readwrite("scale", &CacheEntry::scale)
      .def_property_readonly("amax", &CacheEntry::amax)
      .def_static("from_amax", &CacheEntry::from_amax, py::arg("name"), py::arg("amax"));
  py::class_<LegacyParameters>(m, "LegacyParameters",
                               "The parameters a Legacy calibrator's cache starts with.")
      .def(py::init([](double regression_cutoff, double quantile) {
             return LegacyParameters{regression_cutoff, quantile};
           }),
           py::arg("regression_cutoff") = 1.0, py::arg("quantile") = 0.9999)
      .def_readwrite("regression_cutoff", &LegacyParameters::regression_cutoff)
      .def_readwrite("quantile", &LegacyParameters::quantile);
  py::class_<CalibrationTable>(m, "CalibrationTable", "A calibration cache (TensorRT's format).")
      .def(py::init<>())
      .def_readwrite("version", &CalibrationTable::version)
      .def_readwrite("algorithm", &CalibrationTable::algorithm)
      .def_readwrite("entries", &CalibrationTable::entries)
      .def_readwrite("legacy", &CalibrationTable::legacy)
      .def("__str__", &format_calibration_cache);

  m.def("format_calibration_cache", &format_calibration_cache, py::arg("table"));
  m.def(
      "parse_calibration_cache",
      [](const py::object& text, const std::string& source) {
        const std::string data =
            py::isinstance<py::str>(text) ? text.cast<std::string>() : bytes_of(text);
        return unwrap(parse_calibration_cache(data, source));
      },
      py::arg("text"), py::arg("source") = "<memory>");
  m.def(
      "read_calibration_cache_file",
      [](const std::string& path) { return unwrap(read_calibration_cache_file(path)); },
      py::arg("path"));
  m.def("format_ranges", &format_ranges, py::arg("ranges"));
  m.def(
      "parse_ranges",
      [](const std::string& text, const std::string& source) {
        return unwrap(parse_ranges(text, source));
      },
      py::arg("text"), py::arg("source") = "<memory>");
  m.def(
      "read_ranges_file", [](const std::string& path) { return unwrap(read_ranges_file(path)); },
      py::arg("path"));
  m.def(
      "write_ranges_file",
      [](const std::string& path, const std::vector<TensorRange>& ranges) {
        check(write_ranges_file(path, ranges));
      },
      py::arg("path"), py::arg("ranges"));
  m.def(
      "set_dynamic_ranges",
      [](Network& network, const py::object& ranges) {
        std::vector<TensorRange> list;
        if (py::isinstance<py::dict>(ranges)) {
          for (const auto& [name, amax] : ranges.cast<py::dict>())
            list.push_back({py::str(name), amax.cast<float>()});
        } else {
          list = ranges.cast<std::vector<TensorRange>>();
        }
        check(set_dynamic_ranges(network, list));
      },
      py::arg("network"), py::arg("ranges"),
      "Sets each named tensor's range to [-amax, amax]; ranges: [TensorRange] or {name: amax}.");

  // ------------------------------------------------------------------- calibration results
  py::enum_<RangeSource>(m, "RangeSource")
      .value("MANUAL", RangeSource::kManual)
      .value("CACHE", RangeSource::kCache)
      .value("CALIBRATION", RangeSource::kCalibration);
  py::class_<TensorRangeInfo>(m, "TensorRangeInfo")
      .def_readonly("name", &TensorRangeInfo::name)
      .def_readonly("amax", &TensorRangeInfo::amax)
      .def_readonly("scale", &TensorRangeInfo::scale)
      .def_readonly("source", &TensorRangeInfo::source)
      .def_readonly("nan_count", &TensorRangeInfo::nan_count)
      .def_readonly("inf_count", &TensorRangeInfo::inf_count)
      .def("__repr__", [](const TensorRangeInfo& t) {
        return "TensorRangeInfo(\"" + t.name + "\", amax=" + std::to_string(t.amax) + ", " +
               std::string(to_string(t.source)) + ")";
      });
  py::class_<CalibrationReport>(m, "CalibrationReport", "What Builder.calibrate found.")
      .def_readonly("algorithm", &CalibrationReport::algorithm)
      .def_readonly("from_cache", &CalibrationReport::from_cache)
      .def_readonly("batches", &CalibrationReport::batches)
      .def_readonly("samples", &CalibrationReport::samples)
      .def_readonly("seconds", &CalibrationReport::seconds)
      .def_readonly("tensors", &CalibrationReport::tensors)
      .def_readonly("missing", &CalibrationReport::missing)
      .def_property_readonly("cache",
                             [](const CalibrationReport& r) { return py::bytes(r.cache); });
  py::class_<ThresholdCandidate>(m, "ThresholdCandidate")
      .def_readonly("algorithm", &ThresholdCandidate::algorithm)
      .def_readonly("amax", &ThresholdCandidate::amax);
  py::class_<TensorHistogram>(m, "TensorHistogram")
      .def_readonly("name", &TensorHistogram::name)
      .def_readonly("bin_width", &TensorHistogram::bin_width)
      .def_property_readonly("counts",
                             [](const TensorHistogram& h) {
                               return py::array_t<uint64_t>(
                                   static_cast<py::ssize_t>(h.counts.size()), h.counts.data());
                             })
      .def_readonly("zero_count", &TensorHistogram::zero_count)
      .def_readonly("nan_count", &TensorHistogram::nan_count)
      .def_readonly("inf_count", &TensorHistogram::inf_count)
      .def_readonly("max_abs", &TensorHistogram::max_abs)
      .def_readonly("thresholds", &TensorHistogram::thresholds)
      .def_readonly("entropy_amax", &TensorHistogram::entropy_amax)
      .def_readonly("entropy_divergence", &TensorHistogram::entropy_divergence)
      .def_readonly("amax", &TensorHistogram::amax);
  py::class_<CalibrationAnalysis>(m, "CalibrationAnalysis")
      .def_readonly("algorithm", &CalibrationAnalysis::algorithm)
      .def_readonly("batches", &CalibrationAnalysis::batches)
      .def_readonly("samples", &CalibrationAnalysis::samples)
      .def_readonly("tensors", &CalibrationAnalysis::tensors);
}

}  // namespace int8rt::python
