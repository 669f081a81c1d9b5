// The backend-consistency suite: every op case (op_cases_*.cpp) on every registered backend that
// is not the reference, against the reference backend on the same inputs. INT8 results must be
// equal bit for bit (docs/int8.md), float results within the case's tolerance; every layer must
// run on the backend under test itself (not on a fallback in another memory space) unless the case
// allows it, and a layer the reference runs INT8 must run INT8 there too.
//
// A backend that can't run on this machine (no GPU) skips its cases with the reason; CTest runs
// the GPU backend's cases under the label "gpu" (tests/CMakeLists.txt).
#include <gtest/gtest.h>

#include <cctype>
#include <set>

#include "backends/backend.h"
#include "case_runner.h"

namespace int8rt::consistency {
namespace {

std::vector<OpCase> all_cases() {
  std::vector<OpCase> cases = int8_cases();
  for (OpCase& c : float_cases())
    cases.push_back(std::move(c));
  return cases;
}

std::vector<std::string> backends_under_test() {
  std::vector<std::string> names;
  for (const std::string& name : backend_names()) {
    if (name != "reference") names.push_back(name);
  }
  return names;
}

using Param = std::tuple<std::string, OpCase>;

std::string precision_name(Precision p) {
  switch (p) {
    case Precision::kInt8:
      return "int8";
    case Precision::kFp16:
      return "fp16";
    case Precision::kFp32:
      break;
  }
  return "fp32";
}

// "<backend>_<precision>_<case>", e.g. cuda_int8_conv3x3_relu_int8_out.
std::string param_name(const ::testing::TestParamInfo<Param>& info) {
  const OpCase& c = std::get<1>(info.param);
  return std::get<0>(info.param) + "_" + precision_name(c.precision) + "_" + c.name;
}

class Consistency : public ::testing::TestWithParam<Param> {};

TEST_P(Consistency, MatchesReference) {
  const auto& [backend, c] = GetParam();
  const BackendInfo info = get_backend_info(backend).value();
  if (!info.available) GTEST_SKIP() << "backend " << backend << " can't run here: " << info.reason;
  SCOPED_TRACE("case " + c.name + ", seed " + std::to_string(c.seed) + ", backend " + backend);

  auto net = make_network(c);
  ASSERT_TRUE(net.is_ok()) << net.status().to_string();
  float output_scale = 1.0f;
  if (c.precision == Precision::kInt8) {
    auto scale = set_int8_ranges(*net);
    ASSERT_TRUE(scale.is_ok()) << scale.status().to_string();
    output_scale = *scale;
  }
  auto expected = run_case(*net, c, "reference");
  ASSERT_TRUE(expected.is_ok()) << expected.status().to_string();
  auto got = run_case(*net, c, backend);
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  const std::string layers = "layers on " + backend + ":\n" + describe_layers(got->layers) +
                             "on reference:\n" + describe_layers(expected->layers);

  // Where each layer ran, and at which precision.
  for (const LayerInfo& layer : got->layers) {
    if (layer.op == "Reorder") continue;
    if (!c.allow_fallback) {
      EXPECT_EQ(layer.location, info.location)
          << "layer \"" << layer.name << "\" left the backend's memory\n"
          << layers;
    }
    for (const LayerInfo& ref : expected->layers) {
      if (ref.name == layer.name) {
        EXPECT_EQ(layer.precision, ref.precision)
            << "layer \"" << layer.name << "\" runs " << to_string(layer.precision)
            << ", on the reference " << to_string(ref.precision) << "\n"
            << layers;
      }
    }
  }
  EXPECT_TRUE(outputs_match(c, *got, *expected, output_scale)) << layers;
}

INSTANTIATE_TEST_SUITE_P(Backends, Consistency,
                         ::testing::Combine(::testing::ValuesIn(backends_under_test()),
                                            ::testing::ValuesIn(all_cases())),
                         param_name);

// Every case name is unique within its precision and usable in a test name.
TEST(ConsistencyCases, NamesAreUnique) {
  std::set<std::string> seen;
  for (const OpCase& c : all_cases()) {
    EXPECT_TRUE(seen.insert(precision_name(c.precision) + c.name).second) << c.name;
    for (char ch : c.name)
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_') << c.name;
  }
}

}  // namespace
}  // namespace int8rt::consistency
