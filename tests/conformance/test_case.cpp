#include "conformance/test_case.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstddef>
#include <exception>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include "conformance/compare.h"
#include "conformance/skip_reason.h"
#include "conformance/tensor_proto.h"
#include "int8rt/engine.h"
#include "int8rt/logger.h"
#include "int8rt/network.h"
#include "int8rt/onnx_parser.h"

namespace int8rt::conformance {
namespace {

namespace fs = std::filesystem;

// Drops everything, or forwards warnings and errors to stderr with --verbose.
class CaseLogger : public Logger {
 public:
  explicit CaseLogger(bool verbose) : verbose_(verbose) {}
  void log(Severity severity, std::string_view message) noexcept override {
    if (verbose_ && severity <= Severity::kWarning) {
      std::cerr << "  [" << to_string(severity) << "] " << message << "\n";
    }
  }

 private:
  bool verbose_;
};

struct GraphValue {
  std::string name;
  onnx::TypeProto::ValueCase kind = onnx::TypeProto::kTensorType;
};

// What the runner itself reads from model.onnx: the names that pair test files with inputs, and
// the ops, to name skip reasons and group failures.
struct ModelInfo {
  std::vector<GraphValue> inputs;  // graph inputs that no initializer feeds, in order
  std::vector<GraphValue> outputs;
  std::vector<ModelOp> ops;  // distinct, in order of first use, subgraphs included
};

void collect_ops(const onnx::GraphProto& graph, std::vector<ModelOp>& ops) {
  for (const onnx::NodeProto& node : graph.node()) {
    const bool seen = std::any_of(ops.begin(), ops.end(), [&](const ModelOp& op) {
      return op.op_type == node.op_type() && op.domain == node.domain();
    });
    if (!seen) ops.push_back({node.domain(), node.op_type()});
    for (const onnx::AttributeProto& attr : node.attribute()) {
      if (attr.has_g()) collect_ops(attr.g(), ops);
      for (const onnx::GraphProto& g : attr.graphs())
        collect_ops(g, ops);
    }
  }
}

ModelInfo read_model_info(const fs::path& path) {
  ModelInfo info;
  onnx::ModelProto model;
  std::ifstream in(path, std::ios::binary);
  if (!in || !model.ParseFromIstream(&in)) return info;  // the importer will say what is wrong
  const onnx::GraphProto& graph = model.graph();
  std::vector<std::string> initializers;
  for (const onnx::TensorProto& init : graph.initializer())
    initializers.push_back(init.name());
  for (const onnx::ValueInfoProto& value : graph.input()) {
    if (std::find(initializers.begin(), initializers.end(), value.name()) != initializers.end()) {
      continue;
    }
    info.inputs.push_back({value.name(), value.type().value_case()});
  }
  for (const onnx::ValueInfoProto& value : graph.output()) {
    info.outputs.push_back({value.name(), value.type().value_case()});
  }
  collect_ops(graph, info.ops);
  return info;
}

std::string_view kind_name(onnx::TypeProto::ValueCase kind) {
  switch (kind) {
    case onnx::TypeProto::kTensorType:
      return "tensor";
    case onnx::TypeProto::kSequenceType:
      return "sequence";
    case onnx::TypeProto::kMapType:
      return "map";
    case onnx::TypeProto::kOptionalType:
      return "optional";
    case onnx::TypeProto::kSparseTensorType:
      return "sparse tensor";
    default:
      return "untyped";
  }
}

// input_0.pb, input_1.pb, ... in numeric order (input_10 after input_9).
std::vector<fs::path> numbered_files(const fs::path& dir, std::string_view prefix) {
  std::vector<std::pair<long, fs::path>> found;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= prefix.size() + 3 || name.compare(0, prefix.size(), prefix) != 0 ||
        entry.path().extension() != ".pb") {
      continue;
    }
    const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - 3);
    if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit)) continue;
    found.emplace_back(std::stol(digits), entry.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> paths;
  for (auto& [index, path] : found)
    paths.push_back(path);
  return paths;
}

struct DataSet {
  std::string name;
  std::vector<fs::path> inputs;
  std::vector<fs::path> outputs;
};

std::vector<DataSet> find_data_sets(const fs::path& dir) {
  std::vector<DataSet> sets;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || name.rfind("test_data_set_", 0) != 0) continue;
    sets.push_back(
        {name, numbered_files(entry.path(), "input_"), numbered_files(entry.path(), "output_")});
  }
  std::sort(sets.begin(), sets.end(),
            [](const DataSet& a, const DataSet& b) { return a.name < b.name; });
  return sets;
}

std::string strip_all(std::string text, const std::string& what) {
  for (size_t at; !what.empty() && (at = text.find(what)) != std::string::npos;) {
    text.erase(at, what.size());
  }
  return text;
}

class CaseRunner {
 public:
  CaseRunner(const fs::path& dir, const CaseOptions& options)
      : dir_(dir), options_(options), logger_(options.verbose) {}

  Outcome run();
  const ModelInfo& info() const { return info_; }
  // What the runner was doing ("import", "build", ...), to place an exception.
  std::string_view stage() const { return stage_; }

 private:
  Outcome fail(std::string reason) const {
    return {Verdict::kFail, strip_all(std::move(reason), dir_.string() + "/"), "", {}};
  }
  Outcome skip(std::string reason, std::string detail = "") const {
    return {
        Verdict::kSkip, std::move(reason), strip_all(std::move(detail), dir_.string() + "/"), {}};
  }
  // A Status from int8rt: kUnsupported skips, anything else fails.
  Outcome from_status(std::string_view stage, const Status& status) const {
    if (status.code() == StatusCode::kUnsupported) {
      return skip(skip_reason(status.message(), info_.ops), status.message());
    }
    return fail(std::string(stage) + ": " + status.to_string());
  }

  // Reads one data set's files; nullopt with `outcome` set when the test can't go on.
  std::optional<std::vector<HostTensor>> load(const std::vector<fs::path>& files,
                                              const std::vector<GraphValue>& values,
                                              Outcome& outcome) const;
  std::optional<Outcome> run_data_set(const DataSet& set);

  fs::path dir_;
  CaseOptions options_;
  CaseLogger logger_;
  ModelInfo info_;
  std::unique_ptr<Network> network_;
  std::unique_ptr<Engine> engine_;
  std::map<std::string, std::vector<int64_t>> built_shapes_;
  std::string_view stage_ = "reading the test";
};

Outcome CaseRunner::run() {
  info_ = read_model_info(dir_ / "model.onnx");
  const std::vector<DataSet> sets = find_data_sets(dir_);
  if (sets.empty()) return skip("no test_data_set_* directory");
  for (const DataSet& set : sets) {
    uintmax_t bytes = 0;
    for (const fs::path& p : set.inputs)
      bytes += fs::file_size(p);
    if (bytes > static_cast<uintmax_t>(options_.max_input_bytes)) {
      return skip("inputs over " + std::to_string(options_.max_input_bytes >> 20) + " MB");
    }
  }

  network_ = std::make_unique<Network>();
  OnnxParser parser(*network_, logger_);
  stage_ = "import";
  if (Status status = parser.parse_from_file((dir_ / "model.onnx").string()); !status.is_ok()) {
    return from_status("import", status);
  }
  for (const auto* values : {&info_.inputs, &info_.outputs}) {
    for (const GraphValue& value : *values) {
      if (value.kind != onnx::TypeProto::kTensorType) {
        return skip(std::string(values == &info_.inputs ? "input" : "output") + " type " +
                        std::string(kind_name(value.kind)),
                    "graph value \"" + value.name + "\"");
      }
    }
  }
  for (const DataSet& set : sets) {
    stage_ = "reading the test data";
    if (std::optional<Outcome> outcome = run_data_set(set)) {
      if (outcome->verdict == Verdict::kFail && sets.size() > 1) {
        outcome->reason = set.name + ": " + outcome->reason;
      }
      return *outcome;
    }
  }
  return Outcome::pass();
}

std::optional<std::vector<HostTensor>> CaseRunner::load(const std::vector<fs::path>& files,
                                                        const std::vector<GraphValue>& values,
                                                        Outcome& outcome) const {
  std::vector<HostTensor> tensors;
  for (size_t k = 0; k < files.size(); ++k) {
    Result<HostTensor> tensor = read_tensor_file(files[k].string());
    if (!tensor.is_ok()) {
      const std::string dtype = find_unsupported_dtype(tensor.status().message());
      outcome =
          tensor.status().code() == StatusCode::kUnsupported
              ? skip(dtype.empty() ? "test data: " + tensor.status().message() : "dtype " + dtype,
                     tensor.status().message())
              : fail("test data: " + tensor.status().to_string());
      return std::nullopt;
    }
    if (!to_int8rt_dtype(tensor->onnx_dtype)) {
      outcome = skip("dtype " + onnx_dtype_name(tensor->onnx_dtype),
                     files[k].string() + " holds " + onnx_dtype_name(tensor->onnx_dtype));
      return std::nullopt;
    }
    // Test files usually carry the graph value's name; pair by position when they don't.
    if (tensor->name.empty() && k < values.size()) tensor->name = values[k].name;
    tensors.push_back(std::move(tensor).value());
  }
  return tensors;
}

std::optional<Outcome> CaseRunner::run_data_set(const DataSet& set) {
  Outcome outcome;
  std::optional<std::vector<HostTensor>> inputs = load(set.inputs, info_.inputs, outcome);
  if (!inputs) return outcome;
  std::optional<std::vector<HostTensor>> expected = load(set.outputs, info_.outputs, outcome);
  if (!expected) return outcome;

  std::map<std::string, const HostTensor*> by_name;
  for (const HostTensor& t : *inputs)
    by_name[t.name] = &t;
  std::map<std::string, std::vector<int64_t>> shapes;
  for (int i = 0; i < network_->num_inputs(); ++i) {
    const std::string& name = network_->input(i)->name();
    auto it = by_name.find(name);
    if (it == by_name.end()) return fail("network input \"" + name + "\" has no test data");
    shapes[name] = it->second->dims;
  }
  for (const HostTensor& t : *inputs) {
    if (!shapes.count(t.name)) return fail("test input \"" + t.name + "\" is no network input");
  }

  if (!engine_ || shapes != built_shapes_) {
    Builder builder(logger_);
    BuilderConfig config;
    config.set_backend(options_.backend);
    for (const auto& [name, dims] : shapes)
      config.set_input_shape(name, Dims(dims));
    stage_ = "build";
    Result<std::unique_ptr<Engine>> engine = builder.build(*network_, config);
    if (!engine.is_ok()) return from_status("build", engine.status());
    engine_ = std::move(engine).value();
    built_shapes_ = shapes;
  }

  std::vector<std::vector<std::byte>> input_bytes;
  std::vector<const void*> input_ptrs;
  for (int i = 0; i < engine_->num_inputs(); ++i) {
    const IoTensor& io = engine_->input(i);
    auto it = by_name.find(io.name);
    if (it == by_name.end()) return fail("engine input \"" + io.name + "\" has no test data");
    if (io.dims.extents() != it->second->dims) {
      return fail("engine input \"" + io.name + "\" is " + io.dims.to_string() + ", test data is " +
                  Dims(it->second->dims).to_string());
    }
    input_bytes.push_back(encode_as(*it->second, io.dtype));
  }
  for (const auto& bytes : input_bytes)
    input_ptrs.push_back(bytes.data());

  if (engine_->num_outputs() != static_cast<int>(expected->size())) {
    return fail("engine has " + std::to_string(engine_->num_outputs()) + " outputs, test has " +
                std::to_string(expected->size()));
  }
  std::vector<std::vector<std::byte>> output_bytes;
  std::vector<void*> output_ptrs;
  for (int i = 0; i < engine_->num_outputs(); ++i) {
    const IoTensor& io = engine_->output(i);
    if (!io.dims.is_static()) {
      return fail("engine output \"" + io.name + "\" has dynamic shape " + io.dims.to_string());
    }
    // One spare element so a zero-sized output still has a valid pointer.
    output_bytes.emplace_back((static_cast<size_t>(io.dims.volume()) + 1) * element_size(io.dtype));
  }
  for (auto& bytes : output_bytes)
    output_ptrs.push_back(bytes.data());

  std::unique_ptr<ExecutionContext> context = engine_->create_execution_context();
  stage_ = "execute";
  if (Status status = context->execute(input_ptrs, output_ptrs); !status.is_ok()) {
    return fail("execute: " + status.to_string());
  }
  for (int i = 0; i < engine_->num_outputs(); ++i) {
    const IoTensor& io = engine_->output(i);
    const Comparison cmp =
        compare_tensor((*expected)[static_cast<size_t>(i)], io.dtype, io.dims, output_ptrs[i]);
    if (!cmp.match) {
      return fail("output " + std::to_string(i) + " \"" + io.name + "\": " + cmp.detail);
    }
  }
  return std::nullopt;
}

}  // namespace

Outcome run_test_case(const std::filesystem::path& dir, const CaseOptions& options) {
  Outcome outcome;
  std::optional<CaseRunner> runner;
  try {
    runner.emplace(dir, options);
    outcome = runner->run();
  } catch (const std::exception& e) {
    const std::string stage(runner ? runner->stage() : "setup");
    outcome = {Verdict::kFail, stage + ": exception: " + e.what(), "", {}};
  } catch (...) {
    const std::string stage(runner ? runner->stage() : "setup");
    outcome = {Verdict::kFail, stage + ": exception of unknown type", "", {}};
  }
  if (runner) {
    for (const ModelOp& op : runner->info().ops) {
      if (op.op_type != "Constant") outcome.ops.push_back(op.qualified());
    }
  }
  return outcome;
}

}  // namespace int8rt::conformance
