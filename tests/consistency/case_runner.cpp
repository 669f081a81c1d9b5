#include <gtest/gtest.h>

#include "case_runner.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <sstream>

namespace int8rt::consistency {

namespace {

// Float32 results may differ from the reference's by a few roundings per term summed; FP16 ones
// by half's precision (2^-11) compounded over the layer, relative to the output's scale.
constexpr float kFp32UlpsPerTerm = 4.0f;
constexpr float kFp16Relative = 1e-2f;

Weights random_weights(const Dims& dims, float lo, float hi, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> values(static_cast<size_t>(dims.volume()));
  for (float& v : values)
    v = dist(rng);
  return Weights::from_vector(DataType::kFloat, dims, values);
}

}  // namespace

Result<CaseNetwork> make_network(const OpCase& c) {
  CaseNetwork out;
  out.network = std::make_unique<Network>();
  Network& net = *out.network;
  net.set_name(c.name);
  std::mt19937 rng(c.seed);
  Tensor* previous_output = nullptr;
  for (size_t s = 0; s < c.steps.size(); ++s) {
    const Step& step = c.steps[s];
    std::vector<Tensor*> inputs;
    for (size_t j = 0; j < step.inputs.size(); ++j) {
      const InputSpec& in = step.inputs[j];
      const std::string name = "s" + std::to_string(s) + "_in" + std::to_string(j);
      switch (in.kind) {
        case InputSpec::Kind::kData: {
          INT8RT_ASSIGN_OR_RETURN(Tensor * t, net.add_input(name, DataType::kFloat, in.dims));
          Weights w = random_weights(in.dims, in.lo, in.hi, rng);
          const float* v = w.data_as<float>();
          out.inputs.emplace_back(v, v + in.dims.volume());
          inputs.push_back(t);
          break;
        }
        case InputSpec::Kind::kPrevious:
          if (previous_output == nullptr) {
            return invalid_argument("case ", c.name, ": step 0 reads a previous step");
          }
          inputs.push_back(previous_output);
          break;
        case InputSpec::Kind::kWeight: {
          INT8RT_ASSIGN_OR_RETURN(
              Tensor * t, net.add_constant(name, random_weights(in.dims, in.lo, in.hi, rng)));
          inputs.push_back(t);
          break;
        }
        case InputSpec::Kind::kParam: {
          INT8RT_ASSIGN_OR_RETURN(
              Tensor * t,
              net.add_constant(name, Weights::from_vector(DataType::kInt64, in.dims, in.param)));
          inputs.push_back(t);
          break;
        }
        case InputSpec::Kind::kValues: {
          INT8RT_ASSIGN_OR_RETURN(
              Tensor * t,
              net.add_constant(name, Weights::from_vector(DataType::kFloat, in.dims, in.values)));
          inputs.push_back(t);
          break;
        }
        case InputSpec::Kind::kAbsent:
          inputs.push_back(nullptr);
          break;
      }
    }
    INT8RT_ASSIGN_OR_RETURN(Layer * layer,
                            net.add_layer(step.op, "step" + std::to_string(s), inputs, step.attrs,
                                          {"y" + std::to_string(s)}));
    previous_output = layer->output(0);
  }
  INT8RT_RETURN_IF_ERROR(net.mark_output(previous_output));
  return out;
}

Result<float> set_int8_ranges(CaseNetwork& net) {
  // Every float activation as an output of an FP32 reference engine.
  auto observed = net.network->clone();
  for (int i = 0; i < observed->num_tensors(); ++i) {
    Tensor* t = observed->tensor(i);
    if (t->is_constant() || t->dtype() != DataType::kFloat || t->is_network_output()) continue;
    INT8RT_RETURN_IF_ERROR(observed->mark_output(t));
  }
  BuilderConfig config;
  config.set_backend("reference");
  Builder builder;
  INT8RT_ASSIGN_OR_RETURN(auto engine, builder.build(*observed, config));
  std::vector<std::vector<float>> outputs(static_cast<size_t>(engine->num_outputs()));
  std::vector<void*> out_ptrs;
  for (int i = 0; i < engine->num_outputs(); ++i) {
    outputs[static_cast<size_t>(i)].resize(static_cast<size_t>(engine->output(i).dims.volume()));
    out_ptrs.push_back(outputs[static_cast<size_t>(i)].data());
  }
  std::vector<const void*> in_ptrs;
  for (const auto& v : net.inputs)
    in_ptrs.push_back(v.data());
  INT8RT_RETURN_IF_ERROR(engine->create_execution_context()->execute(in_ptrs, out_ptrs));
  std::map<std::string, float> amax;
  for (int i = 0; i < engine->num_outputs(); ++i) {
    float m = 0.0f;
    for (float v : outputs[static_cast<size_t>(i)])
      m = std::max(m, std::fabs(v));
    amax[engine->output(i).name] = m;
  }
  for (int i = 0; i < net.network->num_inputs(); ++i) {
    const Tensor* t = net.network->input(i);
    float m = 0.0f;
    for (float v : net.inputs[static_cast<size_t>(i)])
      m = std::max(m, std::fabs(v));
    amax[t->name()] = m;
  }
  float output_scale = 1.0f;
  for (int i = 0; i < net.network->num_tensors(); ++i) {
    Tensor* t = net.network->tensor(i);
    auto it = amax.find(t->name());
    if (it == amax.end()) continue;
    const float factor = t->is_network_input() ? 0.9f : 0.75f;
    const float range = it->second > 0.0f ? it->second * factor : 1.0f;
    INT8RT_RETURN_IF_ERROR(t->set_dynamic_range(-range, range));
    if (t->is_network_output()) output_scale = range / 127.0f;
  }
  return output_scale;
}

Result<CaseRun> run_case(const CaseNetwork& net, const OpCase& c, const std::string& backend) {
  BuilderConfig config;
  config.set_backend(backend);
  if (c.precision == Precision::kInt8) config.set_flag(BuilderFlag::kInt8);
  if (c.precision == Precision::kFp16) config.set_flag(BuilderFlag::kFp16);
  Builder builder;
  INT8RT_ASSIGN_OR_RETURN(auto engine, builder.build(*net.network, config));
  CaseRun run;
  run.layers = engine->layers();
  run.outputs.resize(static_cast<size_t>(engine->num_outputs()));
  std::vector<void*> out_ptrs;
  for (int i = 0; i < engine->num_outputs(); ++i) {
    auto& out = run.outputs[static_cast<size_t>(i)];
    out.assign(static_cast<size_t>(engine->output(i).dims.volume()), std::nanf(""));
    out_ptrs.push_back(out.data());
  }
  std::vector<const void*> in_ptrs;
  for (const auto& v : net.inputs)
    in_ptrs.push_back(v.data());
  auto context = engine->create_execution_context();
  INT8RT_RETURN_IF_ERROR(context->execute(in_ptrs, out_ptrs));
  return run;
}

::testing::AssertionResult outputs_match(const OpCase& c, const CaseRun& got,
                                         const CaseRun& expected, float int8_output_scale) {
  if (got.outputs.size() != expected.outputs.size()) {
    return ::testing::AssertionFailure()
           << got.outputs.size() << " outputs, the reference has " << expected.outputs.size();
  }
  for (size_t o = 0; o < got.outputs.size(); ++o) {
    const std::vector<float>& a = got.outputs[o];
    const std::vector<float>& b = expected.outputs[o];
    if (a.size() != b.size()) {
      return ::testing::AssertionFailure()
             << "output " << o << " has " << a.size() << " values, the reference " << b.size();
    }
    float scale = 1.0f;
    for (float v : b)
      scale = std::max(scale, std::fabs(v));
    float tolerance = 0.0f;
    const char* rule = "";
    switch (c.precision) {
      case Precision::kInt8:
        tolerance = static_cast<float>(c.int8_steps) * int8_output_scale * 1.0001f;
        rule = c.int8_steps == 0 ? "bit for bit" : "within the allowed INT8 steps";
        break;
      case Precision::kFp32:
        tolerance =
            kFp32UlpsPerTerm * std::ldexp(1.0f, -23) * static_cast<float>(c.reduction + 1) * scale;
        rule = "FP32: 4 ulps per term summed, of the output's scale";
        break;
      case Precision::kFp16:
        tolerance = kFp16Relative * scale;
        rule = "FP16: 1e-2 of the output's scale";
        break;
    }
    int64_t bad = 0;
    float worst = 0.0f;
    std::ostringstream first;
    for (size_t i = 0; i < a.size(); ++i) {
      const bool same_bits = std::memcmp(&a[i], &b[i], sizeof(float)) == 0;
      const float diff = std::fabs(a[i] - b[i]);
      const bool ok = c.precision == Precision::kInt8 && c.int8_steps == 0
                          ? same_bits
                          : same_bits || diff <= tolerance;
      if (ok) continue;
      if (bad < 6) first << " [" << i << "] " << a[i] << " vs " << b[i] << ";";
      worst = std::isnan(diff) ? diff : std::max(worst, diff);
      ++bad;
    }
    if (bad > 0) {
      return ::testing::AssertionFailure()
             << bad << " of " << a.size() << " values of output " << o << " differ (" << rule
             << ", tolerance " << tolerance << ", worst " << worst
             << "; got vs reference):" << first.str();
    }
  }
  return ::testing::AssertionSuccess();
}

std::string describe_layers(const std::vector<LayerInfo>& layers) {
  std::ostringstream out;
  for (const LayerInfo& l : layers) {
    out << "  " << l.name << ": " << l.kernel << " (" << to_string(l.precision) << ", "
        << to_string(l.location) << ")\n";
  }
  return out.str();
}

}  // namespace int8rt::consistency
