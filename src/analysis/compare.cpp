// compare_engines: an FP32 and an INT8 engine of one network, tensor by tensor.
//
// Per batch, the FP32 engine runs first and its observer keeps a copy of every tensor it computes
// (one batch of activations); the INT8 engine runs next and its observer folds each tensor both
// engines have into running sums, so memory does not grow with the number of samples. With
// r = FP32 value, q = INT8 value (dequantized), e = q − r, summed in double over every value:
//
//   SQNR = 10·log10(Σr² / Σe²)     cosine = Σrq / sqrt(Σr² · Σq²)     rel L2 = sqrt(Σe² / Σr²)
//
// A last batch with fewer samples runs at its own batch size where both engines can (a context
// takes any batch up to the built one); an engine whose graph fixed its batch runs it zero-padded,
// and then the padding rows are left out of tensors whose axis 0 is the batch (a tensor that lost
// its batch axis, e.g. to a Reshape to [N·K], still counts them).
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "analysis/evaluate_util.h"
#include "analysis/progress_phase.h"
#include "int8rt/analysis.h"

namespace int8rt {

namespace {

struct TensorSums {
  std::string layer;
  DataType precision = DataType::kFloat;
  Dims dims;
  int64_t count = 0;
  int64_t nonfinite = 0;
  double ref2 = 0, int2 = 0, dot = 0, err2 = 0, max_abs = 0;
};

// The values of a tensor that belong to the batch's first `rows` samples.
size_t counted_values(const Dims& dims, int64_t batch, int64_t rows, size_t total) {
  if (dims.rank() == 0 || dims[0] != batch || rows >= batch) return total;
  return total / static_cast<size_t>(batch) * static_cast<size_t>(rows);
}

struct Sums {
  double ref2 = 0, int2 = 0, dot = 0, err2 = 0, max_abs = 0;
  int64_t nonfinite = 0;
};

// Pairs where either value is NaN or ±Inf are counted apart: one of them would make every sum
// NaN or infinite and hide what the other values say.
Sums error_sums(const float* r, const float* q, size_t n) {
  Sums sums;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(r[i]) || !std::isfinite(q[i])) {
      ++sums.nonfinite;
      continue;
    }
    const double rv = r[i], qv = q[i], e = qv - rv;
    sums.ref2 += rv * rv;
    sums.int2 += qv * qv;
    sums.dot += rv * qv;
    sums.err2 += e * e;
    sums.max_abs = std::max(sums.max_abs, std::abs(e));
  }
  return sums;
}

class Fp32Recorder final : public TensorObserver {
 public:
  void on_tensor(const ObservedTensor& tensor) override {
    Recorded& r = tensors_[tensor.name];
    r.dims = tensor.dims;
    r.values.assign(tensor.values.begin(), tensor.values.end());
  }
  struct Recorded {
    Dims dims;
    std::vector<float> values;
  };
  const Recorded* find(const std::string& name) const {
    auto it = tensors_.find(name);
    return it == tensors_.end() ? nullptr : &it->second;
  }

 private:
  std::map<std::string, Recorded, std::less<>> tensors_;
};

class Int8Accumulator final : public TensorObserver {
 public:
  Int8Accumulator(const Fp32Recorder& fp32, int64_t batch) : fp32_(fp32), batch_(batch) {}
  void start_batch(int64_t rows) { rows_ = rows; }
  const Status& status() const { return status_; }
  std::map<std::string, TensorSums>& sums() { return sums_; }

  void on_tensor(const ObservedTensor& tensor) override {
    const Fp32Recorder::Recorded* ref = fp32_.find(tensor.name);
    if (ref == nullptr || !status_.is_ok()) return;
    if (ref->dims != tensor.dims) {
      status_ = invalid_argument("tensor \"", tensor.name, "\" is ", ref->dims.to_string(),
                                 " in the FP32 engine but ", tensor.dims.to_string(),
                                 " in the INT8 engine (layer \"", tensor.layer,
                                 "\"): are they built from one network?");
      return;
    }
    TensorSums& s = sums_[tensor.name];
    if (s.count == 0) {
      s.layer = tensor.layer;
      s.precision = tensor.precision;
      s.dims = tensor.dims;
      if (s.dims.rank() > 0 && s.dims[0] == batch_) s.dims[0] = 1;
    }
    const size_t n = counted_values(tensor.dims, batch_, rows_, tensor.values.size());
    const Sums sums = error_sums(ref->values.data(), tensor.values.data(), n);
    s.ref2 += sums.ref2;
    s.int2 += sums.int2;
    s.dot += sums.dot;
    s.err2 += sums.err2;
    s.max_abs = std::max(s.max_abs, sums.max_abs);
    s.nonfinite += sums.nonfinite;
    s.count += static_cast<int64_t>(n);
  }

 private:
  const Fp32Recorder& fp32_;
  int64_t batch_;
  int64_t rows_ = 0;
  Status status_;
  std::map<std::string, TensorSums> sums_;
};

TensorComparison finish(const std::string& name, const TensorSums& s) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  TensorComparison t;
  t.name = name;
  t.layer = s.layer;
  t.precision = s.precision;
  t.dims = s.dims;
  t.count = s.count;
  t.nonfinite = s.nonfinite;
  t.max_abs_error = s.max_abs;
  if (s.err2 == 0) {
    t.sqnr_db = kInf;
    t.relative_l2 = 0;
  } else {
    t.sqnr_db = s.ref2 == 0 ? -kInf : 10.0 * std::log10(s.ref2 / s.err2);
    t.relative_l2 = s.ref2 == 0 ? kInf : std::sqrt(s.err2 / s.ref2);
  }
  if (s.ref2 == 0 && s.int2 == 0) {
    t.cosine = 1;
  } else if (s.ref2 == 0 || s.int2 == 0) {
    t.cosine = 0;
  } else {
    t.cosine = s.dot / std::sqrt(s.ref2 * s.int2);
  }
  return t;
}

Status check_same_input(const Engine& fp32, const Engine& int8) {
  const IoTensor& a = fp32.input(0);
  const IoTensor& b = int8.input(0);
  bool same = a.name == b.name && a.dtype == b.dtype && a.dims.rank() == b.dims.rank();
  for (int axis = 1; same && axis < a.dims.rank(); ++axis)
    same = a.dims[axis] == b.dims[axis];
  if (!same) {
    return invalid_argument("the engines' inputs differ: FP32 \"", a.name, "\" ",
                            to_string(a.dtype), " ", a.dims.to_string(), ", INT8 \"", b.name, "\" ",
                            to_string(b.dtype), " ", b.dims.to_string(),
                            " (expected one network's input, batch aside)");
  }
  return Status::ok();
}

// Sets both contexts to run `rows` samples when both engines can; leaves them at the full batch
// (the input zero-padded) otherwise.
void run_short_batch(ExecutionContext& fp32, ExecutionContext& int8, const std::string& name,
                     int64_t rows) {
  const Dims full = fp32.input_shape(0);
  Dims dims = full;
  dims[0] = rows;
  const bool fits = fp32.set_input_shape(name, dims).is_ok() && fp32.output_shape(0).is_ok() &&
                    int8.set_input_shape(name, dims).is_ok() && int8.output_shape(0).is_ok();
  if (!fits) {
    (void)fp32.set_input_shape(name, full);
    (void)int8.set_input_shape(name, full);
  }
}

}  // namespace

Result<Comparison> compare_engines(const Engine& fp32, const Engine& int8, DataSource& data,
                                   const CompareOptions& options) {
  INT8RT_RETURN_IF_ERROR(analysis::check_input_fits(fp32, data, "FP32 engine"));
  INT8RT_RETURN_IF_ERROR(analysis::check_input_fits(int8, data, "INT8 engine"));
  INT8RT_RETURN_IF_ERROR(check_same_input(fp32, int8));
  INT8RT_ASSIGN_OR_RETURN(int64_t batch, analysis::run_batch(fp32, options.batch_size));
  INT8RT_ASSIGN_OR_RETURN(batch, analysis::run_batch(int8, batch));
  INT8RT_ASSIGN_OR_RETURN(analysis::ClassifierRun fp32_run,
                          analysis::classifier_run(fp32, data, batch, "FP32 engine"));
  INT8RT_ASSIGN_OR_RETURN(analysis::ClassifierRun int8_run,
                          analysis::classifier_run(int8, data, batch, "INT8 engine"));
  if (fp32_run.classes != int8_run.classes) {
    return invalid_argument("output \"", fp32_run.output_name, "\" has ", fp32_run.classes,
                            " values per sample in the FP32 engine, output \"",
                            int8_run.output_name, "\" ", int8_run.classes, " in the INT8 engine");
  }
  const int64_t classes = fp32_run.classes;
  BatchStream stream(data, batch, options.max_samples);
  if (stream.size() == 0) return invalid_argument("data \"", data.name(), "\": no samples");

  Fp32Recorder recorder;
  Int8Accumulator accumulator(recorder, batch);
  fp32_run.context->set_tensor_observer(&recorder);
  int8_run.context->set_tensor_observer(&accumulator);
  std::vector<float> fp32_scores(static_cast<size_t>(batch * classes));
  std::vector<float> int8_scores(fp32_scores.size());
  Comparison result;
  result.labelled = data.has_labels();
  analysis::ProgressPhase phase(options.progress, "comparison", stream.num_batches());
  Batch input;
  int64_t batches = 0;
  for (;;) {
    INT8RT_ASSIGN_OR_RETURN(bool more, stream.next(input));
    if (!more) break;
    if (input.count < batch) {
      run_short_batch(*fp32_run.context, *int8_run.context, fp32.input(0).name, input.count);
    }
    const void* inputs[] = {input.data.data()};
    void* fp32_out[] = {fp32_scores.data()};
    void* int8_out[] = {int8_scores.data()};
    INT8RT_RETURN_IF_ERROR(fp32_run.context->execute(inputs, fp32_out).with_context("FP32 engine"));
    accumulator.start_batch(input.count);
    INT8RT_RETURN_IF_ERROR(int8_run.context->execute(inputs, int8_out).with_context("INT8 engine"));
    INT8RT_RETURN_IF_ERROR(accumulator.status());
    for (int64_t i = 0; i < input.count; ++i) {
      const int64_t a = analysis::argmax(fp32_scores.data() + i * classes, classes);
      const int64_t b = analysis::argmax(int8_scores.data() + i * classes, classes);
      result.top1_agreement += a == b;
      if (!result.labelled) continue;
      INT8RT_ASSIGN_OR_RETURN(
          int64_t label, analysis::checked_label(data, input, i, classes, fp32_run.output_name));
      result.fp32_accuracy.correct += a == label;
      result.int8_accuracy.correct += b == label;
    }
    result.samples += input.count;
    ++batches;
    if (!phase.step(batches, result.samples)) {
      return invalid_argument("comparison cancelled after ", batches, " batches");
    }
  }
  if (result.labelled) {
    result.fp32_accuracy.total = result.samples;
    result.int8_accuracy.total = result.samples;
  }
  for (const auto& [name, sums] : accumulator.sums())
    result.tensors.push_back(finish(name, sums));
  std::sort(result.tensors.begin(), result.tensors.end(),
            [](const TensorComparison& a, const TensorComparison& b) {
              if ((a.nonfinite > 0) != (b.nonfinite > 0)) return a.nonfinite > 0;
              if (a.sqnr_db != b.sqnr_db) return a.sqnr_db < b.sqnr_db;
              return a.name < b.name;
            });
  return result;
}

}  // namespace int8rt
