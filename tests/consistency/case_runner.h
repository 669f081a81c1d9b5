// Turning an OpCase into engines and numbers: the network with its random inputs and weights, the
// INT8 ranges, a run on one backend, and the comparison with the reference backend's run.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "int8rt/builder.h"
#include "int8rt/engine.h"
#include "int8rt/network.h"
#include "op_cases.h"

namespace int8rt::consistency {

// A case's network and the data of its inputs (in network input order).
struct CaseNetwork {
  std::unique_ptr<Network> network;
  std::vector<std::vector<float>> inputs;
};
Result<CaseNetwork> make_network(const OpCase& c);

// For an INT8 case: a dynamic range on every float tensor computed at run time, from an FP32 run
// on the reference backend (inputs at 0.9 and the others at 0.75 of their largest |value|, so
// that values beyond the range clip). Returns the scale (amax / 127) of the network's output.
Result<float> set_int8_ranges(CaseNetwork& net);

// One engine of the case on `backend`, run on the case's inputs.
struct CaseRun {
  std::vector<std::vector<float>> outputs;
  std::vector<LayerInfo> layers;
};
Result<CaseRun> run_case(const CaseNetwork& net, const OpCase& c, const std::string& backend);

// Whether `got` matches `expected` as the case's precision requires; the failure message lists
// the first differences.
::testing::AssertionResult outputs_match(const OpCase& c, const CaseRun& got,
                                         const CaseRun& expected, float int8_output_scale);

// "name: kernel (precision, location)" lines, for failure messages.
std::string describe_layers(const std::vector<LayerInfo>& layers);

}  // namespace int8rt::consistency
