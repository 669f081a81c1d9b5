#include "calib/fingerprint.h"

#include <cstdio>

#include "core/hash.h"

namespace int8rt::calib {

namespace {
constexpr std::string_view kHeader = "int8rt calibration fingerprint 1";
}

std::string Fingerprint::text() const {
  std::string out = std::string(kHeader) + "\n";
  for (const auto& [key, value] : fields)
    out += key + ": " + value + "\n";
  return out;
}

Fingerprint Fingerprint::parse(std::string_view text) {
  Fingerprint fingerprint;
  size_t start = 0;
  bool first = true;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (first) {
      first = false;
      if (line != kHeader) return {};  // unknown format: no fields, so everything differs
      continue;
    }
    size_t colon = line.find(": ");
    if (colon == std::string_view::npos) continue;
    fingerprint.fields.emplace_back(std::string(line.substr(0, colon)),
                                    std::string(line.substr(colon + 2)));
  }
  return fingerprint;
}

const std::string* Fingerprint::find(std::string_view key) const {
  for (const auto& [k, v] : fields) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string network_hash(const Network& network) {
  Fnv1a hash;
  for (int i = 0; i < network.num_tensors(); ++i) {
    const Tensor* t = network.tensor(i);
    hash.add(t->name()).add_value(t->dtype()).add_value(t->dims().rank());
    for (int64_t extent : t->dims().extents())
      hash.add_value(extent);
    if (t->is_constant()) hash.add(t->constant_value().data(), t->constant_value().byte_size());
  }
  for (int i = 0; i < network.num_layers(); ++i) {
    const Layer* layer = network.layer(i);
    hash.add_value(layer->type()).add(layer->name());
    for (int j = 0; j < layer->num_inputs(); ++j) {
      hash.add(layer->input(j) ? std::string_view(layer->input(j)->name()) : "");
    }
    for (int j = 0; j < layer->num_outputs(); ++j)
      hash.add(layer->output(j)->name());
  }
  for (int i = 0; i < network.num_outputs(); ++i)
    hash.add(network.output(i)->name());
  return hash.hex();
}

Fingerprint make_fingerprint(const Network& network, Calibrator& calibrator,
                             ThresholdSearch search) {
  std::string algorithm(to_string(calibrator.algorithm()));
  char params[96];
  if (calibrator.algorithm() == CalibrationAlgorithm::kPercentile) {
    std::snprintf(params, sizeof params, " percentile=%.9g", calibrator.percentile());
    algorithm += params;
  } else if (calibrator.algorithm() == CalibrationAlgorithm::kLegacy) {
    std::snprintf(params, sizeof params, " quantile=%.9g regression_cutoff=%.9g",
                  calibrator.quantile(), calibrator.regression_cutoff());
    algorithm += params;
  }
  std::string data = calibrator.data_fingerprint();
  Fingerprint fingerprint{{{"network", network_hash(network)},
                           {"algorithm", algorithm},
                           {"batch_size", std::to_string(calibrator.batch_size())},
                           {"data", data.empty() ? "unknown" : data}}};
  if (search != ThresholdSearch::kCalibrator) {
    fingerprint.fields.emplace_back("thresholds", std::string(to_string(search)));
  }
  return fingerprint;
}

std::string cache_hash(std::string_view cache_text) {
  return Fnv1a().add(cache_text).hex();
}

std::vector<std::string> changed_fields(const Fingerprint& stored, const Fingerprint& current) {
  std::vector<std::string> changed;
  for (const auto& [key, value] : current.fields) {
    if (key == kCacheHashField) continue;
    const std::string* old = stored.find(key);
    if (key == "data" && (value == "unknown" || (old != nullptr && *old == "unknown"))) continue;
    if (old == nullptr || *old != value) changed.push_back(key);
  }
  for (const auto& [key, value] : stored.fields) {
    if (key != kCacheHashField && current.find(key) == nullptr) changed.push_back(key);
  }
  return changed;
}

}  // namespace int8rt::calib
