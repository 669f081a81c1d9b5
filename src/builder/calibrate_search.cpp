// Per-tensor threshold choice (ThresholdSearch::kPerTensor, docs/calibration.md).
//
// Which tensors: those whose range an INT8 build uses to quantize the input of a computing INT8
// layer of the fused graph (Conv, Gemm, MatMul, Add, AveragePool, GlobalAveragePool, ...). An INT8
// data-movement layer (Reshape, Flatten, Transpose, Squeeze, Unsqueeze, MaxPool) gives its output
// its input's range, so the range of a Conv input read through `relu -> MaxPool -> Flatten` is the
// range of the ReLU output: that is the tensor chosen for, and the Conv after the chain is its
// consumer. Fake quantization is monotone and elementwise, so it commutes with those layers: the
// consumer's input, fake-quantized at a candidate threshold of the chain's source, is exactly what
// the INT8 engine feeds it. Concat (which requantizes) ends a chain.
//
// How: for each consumer, a one-layer FP32 network (the fused layer, its constants) is built twice,
// with its weights as they are and fake-quantized per output channel as the INT8 kernels quantize
// them (quant::quantize_per_channel). The score of a threshold is the cosine similarity, over the
// kept calibration batches, of the quantized layer's output on the input fake-quantized at it
// (the layer's other inputs in float32) to the float32 layer's output on the float32 input; with
// several consumers, their mean. The winner is the best of: the calibrator's own threshold first
// (it wins ties), then Entropy2, MinMax, Percentile, MSE and Legacy on the tensor's histogram, and
// Entropy2's threshold times 0.6, 0.7, ..., 1.6 (at most the largest |x| seen).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>

#include "backends/backend.h"
#include "backends/quant.h"
#include "builder/calibrate_internal.h"
#include "calib/thresholds.h"
#include "core/log.h"
#include "ir/quantization.h"
#include "passes/passes.h"

namespace int8rt::detail {

namespace {

bool is_data(const Tensor* t) {
  return t != nullptr && !t->is_constant();
}

// Per-output-channel fake quantization of a weight matrix stored channel-major
// ([channels][per_channel]), in place: w = q · s_c with the INT8 kernels' q and s_c.
void fake_quantize_channels(float* w, int64_t channels, int64_t per_channel) {
  const quant::PerChannelWeights q = quant::quantize_per_channel(w, channels, per_channel);
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t i = 0; i < per_channel; ++i) {
      const auto k = static_cast<size_t>(c * per_channel + i);
      w[k] = quant::dequantize(q.values[k], q.scales[static_cast<size_t>(c)]);
    }
  }
}

// The weights an INT8 kernel of `layer` computes with, as float32 (input 1 of Conv, Gemm,
// MatMul); the weights unchanged for any other layer or input.
Weights fake_quantized_weights(const Layer& layer, int input, const Weights& w) {
  const bool conv = layer.type() == OpType::kConv && input == 1;
  const bool gemm = layer.type() == OpType::kGemm && input == 1;
  const bool matmul = layer.type() == OpType::kMatMul && input == 1;
  if (!(conv || gemm || matmul) || w.dtype() != DataType::kFloat || w.count() == 0) return w;
  std::vector<float> values(w.data_as<float>(), w.data_as<float>() + w.count());
  const Dims& dims = w.dims();
  if (conv) {  // [M, C/group, k...]: channel-major already
    fake_quantize_channels(values.data(), dims[0], w.count() / dims[0]);
  } else if (dims.rank() == 2) {
    const bool trans_b = gemm && layer.attrs_as<GemmAttrs>().trans_b;
    if (trans_b) {  // [N, K]: channel-major already
      fake_quantize_channels(values.data(), dims[0], dims[1]);
    } else {  // [K, N]: by column
      const int64_t k = dims[0], n = dims[1];
      std::vector<float> columns = quant::gemm_weights_by_column(values.data(), k, n, false, 1.0f);
      fake_quantize_channels(columns.data(), n, k);
      for (int64_t r = 0; r < k; ++r) {
        for (int64_t j = 0; j < n; ++j)
          values[static_cast<size_t>(r * n + j)] = columns[static_cast<size_t>(j * k + r)];
      }
    }
  }
  return Weights::from_vector(DataType::kFloat, dims, values);
}

// One consumer, ready to evaluate: its layer as two FP32 engines (weights as they are and
// fake-quantized) and the float32 reference outputs on the kept batches.
class LayerEvaluator {
 public:
  static Result<std::unique_ptr<LayerEvaluator>> create(const Layer& layer, const KeptValues& kept,
                                                        std::string_view backend) {
    auto eval = std::make_unique<LayerEvaluator>();
    eval->layer_ = &layer;
    for (int j = 0; j < layer.num_inputs(); ++j) {
      const Tensor* t = layer.input(j);
      if (!is_data(t)) continue;
      auto it = kept.values.find(t->name());
      if (it == kept.values.end() || it->second.empty()) return std::unique_ptr<LayerEvaluator>();
      for (const auto& batch : it->second) {
        if (static_cast<int64_t>(batch.size()) != t->dims().volume())
          return std::unique_ptr<LayerEvaluator>();
      }
      eval->inputs_[t->name()] = &it->second;
    }
    INT8RT_ASSIGN_OR_RETURN(eval->float_engine_, one_layer_engine(layer, false, backend));
    INT8RT_ASSIGN_OR_RETURN(eval->quant_engine_, one_layer_engine(layer, true, backend));
    const size_t batches = eval->inputs_.begin()->second->size();
    auto context = eval->float_engine_->create_execution_context();
    for (size_t b = 0; b < batches; ++b) {
      INT8RT_ASSIGN_OR_RETURN(std::vector<float> out,
                              eval->run(*eval->float_engine_, *context, b, "", 0.0f));
      for (float v : out)
        eval->reference_norm_ += static_cast<double>(v) * v;
      eval->reference_.push_back(std::move(out));
    }
    eval->quant_context_ = eval->quant_engine_->create_execution_context();
    return eval;
  }

  // Mean over the kept batches (pooled) of cos(quantized layer on input `name` fake-quantized at
  // amax, float layer on float input).
  Result<double> score(const std::string& name, float amax) {
    double dot = 0.0, norm_a = 0.0;
    for (size_t b = 0; b < reference_.size(); ++b) {
      INT8RT_ASSIGN_OR_RETURN(std::vector<float> out,
                              run(*quant_engine_, *quant_context_, b, name, amax));
      const float* ref = reference_[b].data();
      const float* got = out.data();
      const auto n = static_cast<int64_t>(out.size());
#pragma omp parallel for reduction(+ : dot, norm_a) schedule(static)
      for (int64_t i = 0; i < n; ++i) {
        dot += static_cast<double>(got[i]) * ref[i];
        norm_a += static_cast<double>(got[i]) * got[i];
      }
    }
    if (norm_a == 0.0 || reference_norm_ == 0.0) return norm_a == reference_norm_ ? 1.0 : 0.0;
    return dot / std::sqrt(norm_a * reference_norm_);
  }

 private:
  static Result<std::unique_ptr<Engine>> one_layer_engine(const Layer& layer, bool quantize_weights,
                                                          std::string_view backend) {
    Network net;
    std::vector<Tensor*> inputs;
    std::map<std::string, Tensor*, std::less<>> made;
    for (int j = 0; j < layer.num_inputs(); ++j) {
      const Tensor* t = layer.input(j);
      if (t == nullptr) {
        inputs.push_back(nullptr);
        continue;
      }
      if (auto it = made.find(t->name()); it != made.end()) {
        inputs.push_back(it->second);
        continue;
      }
      Tensor* copy = nullptr;
      if (t->is_constant()) {
        Weights w = quantize_weights ? fake_quantized_weights(layer, j, t->constant_value())
                                     : t->constant_value();
        INT8RT_ASSIGN_OR_RETURN(copy, net.add_constant(t->name(), std::move(w)));
      } else {
        INT8RT_ASSIGN_OR_RETURN(copy, net.add_input(t->name(), t->dtype(), t->dims()));
      }
      made[t->name()] = copy;
      inputs.push_back(copy);
    }
    std::vector<std::string> outputs;
    for (int j = 0; j < layer.num_outputs(); ++j)
      outputs.push_back(layer.output(j) ? layer.output(j)->name() : "");
    INT8RT_ASSIGN_OR_RETURN(
        Layer * copy, net.add_layer(layer.type(), layer.name(), inputs, layer.attrs(), outputs));
    INT8RT_RETURN_IF_ERROR(net.mark_output(copy->output(0)));
    BuilderConfig config;
    config.set_backend(backend);
    return Builder(silent_logger()).build(net, config);
  }

  // The layer's output 0 on kept batch `b`, with input `quantized` fake-quantized at amax.
  Result<std::vector<float>> run(const Engine& engine, ExecutionContext& context, size_t b,
                                 const std::string& quantized, float amax) {
    std::vector<const void*> bindings;
    for (int i = 0; i < engine.num_inputs(); ++i) {
      const std::string& name = engine.input(i).name;
      const std::vector<float>& values = (*inputs_.at(name))[b];
      if (name != quantized) {
        bindings.push_back(values.data());
        continue;
      }
      const float scale = amax / quant::kQMax;
      buffer_.resize(values.size());
      const float* in = values.data();
      float* fq = buffer_.data();
      const auto n = static_cast<int64_t>(values.size());
#pragma omp parallel for schedule(static)
      for (int64_t k = 0; k < n; ++k)
        fq[k] = quant::dequantize(quant::quantize(in[k], scale), scale);
      bindings.push_back(buffer_.data());
    }
    std::vector<float> out(static_cast<size_t>(engine.output(0).dims.volume()));
    void* out_ptr = out.data();
    INT8RT_RETURN_IF_ERROR(context.execute(bindings, std::span<void* const>(&out_ptr, 1)));
    return out;
  }

  const Layer* layer_ = nullptr;
  std::map<std::string, const std::vector<std::vector<float>>*, std::less<>> inputs_;
  std::unique_ptr<Engine> float_engine_, quant_engine_;
  std::unique_ptr<ExecutionContext> quant_context_;
  std::vector<std::vector<float>> reference_;
  double reference_norm_ = 0.0;  // Σ ref² over the kept batches
  std::vector<float> buffer_;

 public:
  LayerEvaluator() = default;
};

struct Candidate {
  float amax;
  std::string label;
};

std::vector<Candidate> candidates(const calib::Histogram& h, float base,
                                  const AlgorithmParameters& parameters) {
  std::vector<Candidate> list;
  auto add = [&](float amax, std::string label) {
    if (!(amax > 0.0f) || !std::isfinite(amax)) return;
    for (const Candidate& c : list) {
      if (c.amax == amax) return;
    }
    list.push_back({amax, std::move(label)});
  };
  add(base, std::string(to_string(parameters.algorithm)));
  const float entropy = calib::threshold_entropy(h);
  add(entropy, "entropy2");
  add(calib::threshold_minmax(h), "minmax");
  add(calib::threshold_percentile(h, parameters.percentile), "percentile");
  add(calib::threshold_mse(h), "mse");
  add(calib::threshold_legacy(h, parameters.quantile, parameters.regression_cutoff), "legacy");
  for (int tenth = 6; tenth <= 16; ++tenth) {
    if (tenth == 10) continue;
    const float amax = entropy * static_cast<float>(tenth) / 10.0f;
    if (amax > h.amax()) continue;
    char label[32];
    std::snprintf(label, sizeof label, "entropy2 x %.1f", tenth / 10.0);
    add(amax, label);
  }
  return list;
}

}  // namespace

Result<std::unique_ptr<ThresholdSearchPlan>> plan_threshold_search(const Network& calibration_graph,
                                                                   const Calibrator& calibrator,
                                                                   std::string_view backend) {
  auto plan = std::make_unique<ThresholdSearchPlan>();
  Logger& silent = silent_logger();
  plan->fused = calibration_graph.clone();
  if (!calibrates_after_fusion(calibrator.algorithm())) {
    INT8RT_RETURN_IF_ERROR(passes::optimize(*plan->fused, silent));
  }
  // Which layers run INT8 depends on ranges only through their being set and non-zero: a
  // placeholder range on every unranged activation gives the assignment of the build.
  auto assigned = plan->fused->clone();
  for (const Tensor* t : activations(*assigned)) {
    Tensor* mutable_t = assigned->find_tensor(t->name());
    if (!mutable_t->dynamic_range_is_set()) {
      INT8RT_RETURN_IF_ERROR(mutable_t->set_dynamic_range(-1.0f, 1.0f));
    }
  }
  INT8RT_ASSIGN_OR_RETURN(const Backend* target, require_backend(backend));
  passes::PrecisionOptions options;
  options.supports_int8 = [target](const Layer& layer) { return runs_int8(*target, layer); };
  INT8RT_ASSIGN_OR_RETURN(passes::PrecisionAssignment assignment,
                          passes::assign_precision(*assigned, options, silent));
  std::map<std::string, size_t, std::less<>> index;
  for (int i = 0; i < assigned->num_layers(); ++i) {
    const Layer& layer = *assigned->layer(i);
    if (!assignment.is_int8(layer) || ir::moves_int8_values(layer.type()) ||
        layer.type() == OpType::kConcat) {
      continue;
    }
    const Layer* consumer = plan->fused->layer(i);  // same layers, same order
    for (int j = 0; j < layer.num_inputs(); ++j) {
      const Tensor* t = layer.input(j);
      if (!is_data(t)) continue;
      // Up the INT8 data-movement chain to the tensor whose range this input carries.
      while (t->producer() != nullptr && ir::moves_int8_values(t->producer()->type()) &&
             assignment.is_int8(*t->producer())) {
        const Layer* mover = t->producer();
        const Tensor* source = nullptr;
        for (int k = 0; k < mover->num_inputs() && source == nullptr; ++k) {
          if (is_data(mover->input(k))) source = mover->input(k);
        }
        if (source == nullptr) break;
        t = source;
      }
      // An INT8 Concat gives its output the widest input range: nothing to choose there.
      if (t->producer() != nullptr && t->producer()->type() == OpType::kConcat &&
          assignment.is_int8(*t->producer())) {
        continue;
      }
      const Tensor* original = calibration_graph.find_tensor(t->name());
      if (original == nullptr || original->dynamic_range_is_set()) continue;  // set by hand
      auto [it, added] = index.emplace(t->name(), plan->tensors.size());
      if (added) plan->tensors.emplace_back(t->name(), std::vector<ThresholdSearchPlan::Use>{});
      plan->tensors[it->second].second.push_back({consumer, j});
      for (int k = 0; k < consumer->num_inputs(); ++k) {
        if (is_data(consumer->input(k))) plan->kept.names.insert(consumer->input(k)->name());
      }
    }
  }
  // About kSearchSamples samples, fewer batches where a batch of what the search holds exceeds
  // kSearchBytes, never fewer than one batch. It holds the kept inputs and, per consumer, its
  // FP32 outputs on them (the reference its candidates are scored against).
  const int64_t batch = std::max<int64_t>(1, calibrator.batch_size());
  int64_t bytes_per_batch = 0;
  for (const std::string& name : plan->kept.names) {
    const Tensor* t = calibration_graph.find_tensor(name);
    if (t != nullptr) bytes_per_batch += t->dims().volume() * static_cast<int64_t>(sizeof(float));
  }
  std::set<const Layer*> consumers;
  for (const auto& [name, uses] : plan->tensors) {
    for (const ThresholdSearchPlan::Use& use : uses)
      consumers.insert(use.layer);
  }
  for (const Layer* consumer : consumers) {
    for (int k = 0; k < consumer->num_outputs(); ++k) {
      const Tensor* out = consumer->output(k);
      if (out != nullptr && out->dims().is_static()) {
        bytes_per_batch += out->dims().volume() * static_cast<int64_t>(sizeof(float));
      }
    }
  }
  const int64_t by_samples = (kSearchSamples + batch - 1) / batch;
  const int64_t by_bytes = bytes_per_batch > 0 ? kSearchBytes / bytes_per_batch : by_samples;
  plan->kept.max_batches = static_cast<int>(std::max<int64_t>(1, std::min(by_samples, by_bytes)));
  return plan;
}

Status search_thresholds(const ThresholdSearchPlan& plan, const Collected& collected,
                         const Calibrator& calibrator, std::string_view backend,
                         std::vector<float>& amax, Logger& logger) {
  std::map<std::string, size_t, std::less<>> index;
  for (size_t i = 0; i < collected.names.size(); ++i)
    index[collected.names[i]] = i;
  const auto start = std::chrono::steady_clock::now();
  // An evaluator (its one-layer engines and reference outputs) lives from the first tensor that
  // needs it to the last, so at most the layers of neighbouring tensors are held at once.
  std::map<const Layer*, size_t> last_use;
  for (size_t i = 0; i < plan.tensors.size(); ++i) {
    for (const ThresholdSearchPlan::Use& use : plan.tensors[i].second)
      last_use[use.layer] = i;
  }
  std::map<const Layer*, std::unique_ptr<LayerEvaluator>> evaluators;
  int changed = 0, searched = 0;
  for (size_t position = 0; position < plan.tensors.size(); ++position) {
    const std::string& name = plan.tensors[position].first;
    const std::vector<ThresholdSearchPlan::Use>& uses = plan.tensors[position].second;
    // However this iteration ends, the evaluators whose last tensor this is go with it.
    struct Release {
      std::map<const Layer*, std::unique_ptr<LayerEvaluator>>& evaluators;
      const std::map<const Layer*, size_t>& last_use;
      const std::vector<ThresholdSearchPlan::Use>& uses;
      size_t position;
      ~Release() {
        for (const ThresholdSearchPlan::Use& use : uses) {
          if (last_use.at(use.layer) == position) evaluators.erase(use.layer);
        }
      }
    } release{evaluators, last_use, uses, position};
    auto found = index.find(name);
    if (found == index.end()) continue;
    const size_t k = found->second;
    std::vector<std::pair<LayerEvaluator*, std::string>> consumers;
    for (const ThresholdSearchPlan::Use& use : uses) {
      auto [it, added] = evaluators.try_emplace(use.layer);
      if (added) {
        auto created = LayerEvaluator::create(*use.layer, plan.kept, backend);
        if (created.is_ok()) {
          it->second = std::move(created).value();
        } else {
          log_warning(logger, "per-tensor thresholds: layer \"", use.layer->name(),
                      "\" cannot run alone (", created.status().message(),
                      "); its inputs keep the calibrator's thresholds");
        }
      }
      if (it->second) consumers.emplace_back(it->second.get(), use.layer->input(use.input)->name());
    }
    if (consumers.empty()) continue;
    ++searched;
    const std::vector<Candidate> list =
        candidates(collected.histograms[k], amax[k], AlgorithmParameters::of(calibrator));
    double best_score = -2.0, base_score = 0.0;
    const Candidate* best = nullptr;
    for (const Candidate& c : list) {
      double score = 0.0;
      for (auto& [eval, input] : consumers) {
        INT8RT_ASSIGN_OR_RETURN(double s, eval->score(input, c.amax));
        score += s / static_cast<double>(consumers.size());
      }
      if (&c == &list.front()) base_score = score;
      if (score > best_score) best_score = score, best = &c;
    }
    if (best == nullptr) continue;
    log_verbose(logger, "tensor \"", name, "\": threshold ", best->amax, " (", best->label,
                ", cosine ", best_score, " at the consuming layer \"", uses.front().layer->name(),
                "\"", uses.size() > 1 ? " and others" : "", "; ", list.front().label, ": ",
                list.front().amax, ", cosine ", base_score, ")");
    changed += best->amax != amax[k];
    amax[k] = best->amax;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  log_info(logger, "per-tensor thresholds: ", searched, " tensors searched, ", changed,
           " changed from ", to_string(calibrator.algorithm()), " in ", seconds, " s");
  return Status::ok();
}

}  // namespace int8rt::detail
