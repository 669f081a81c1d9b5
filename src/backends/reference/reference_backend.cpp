// The reference backend as a registered Backend: host memory, plain layouts, every op.
#include "backends/backend.h"
#include "backends/reference/reference.h"

namespace int8rt::reference {

namespace {

class ReferenceBackend final : public Backend {
 public:
  std::string_view name() const override { return "reference"; }

  const BackendInfo& info() const override {
    static const BackendInfo info = [] {
      BackendInfo i;
      i.name = "reference";
      i.available = true;
      i.device = "plain C++ kernels on the host";
      i.location = TensorLocation::kHost;
      i.int8 = Int8Speed::kNone;
      i.int8_path = "reference kernels (plain C++, exact, not fast)";
      return i;
    }();
    return info;
  }

  bool supports(const Layer& layer, DataType precision) const override {
    return precision != DataType::kInt8 || supports_int8(layer);
  }

  Result<KernelPtr> create_kernel(const KernelRequest& request) const override {
    return reference::create_kernel(request.layer);
  }
};

}  // namespace

const Backend& backend() {
  static const ReferenceBackend instance;
  return instance;
}

}  // namespace int8rt::reference

namespace int8rt {

Result<std::vector<Weights>> evaluate_constant_layer(const Layer& layer,
                                                     const std::vector<Weights>& inputs) {
  return reference::evaluate(layer, inputs);
}

}  // namespace int8rt
