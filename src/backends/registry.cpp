// The backend registry: one entry per backend this build has, from the list CMake writes into
// backends/registry.inc (INT8RT_BACKEND(<namespace>) lines, src/CMakeLists.txt). Each backend's
// folder defines int8rt::<namespace>::backend().
#include <algorithm>
#include <vector>

#include "backends/backend.h"

namespace int8rt {

#define INT8RT_BACKEND(ns)  \
  namespace ns {            \
  const Backend& backend(); \
  }
#include "backends/registry.inc"
#undef INT8RT_BACKEND

namespace {
std::vector<const Backend*>& backend_list() {
  static std::vector<const Backend*> backends = {
#define INT8RT_BACKEND(ns) &ns::backend(),
#include "backends/registry.inc"
#undef INT8RT_BACKEND
  };
  return backends;
}
}  // namespace

std::span<const Backend* const> registered_backends() {
  return backend_list();
}

Status register_backend(const Backend& backend) {
  if (find_backend(backend.name()) != nullptr) {
    return invalid_argument("backend \"", backend.name(), "\" is registered already");
  }
  backend_list().push_back(&backend);
  return Status::ok();
}

const Backend* find_backend(std::string_view name) {
  for (const Backend* backend : registered_backends()) {
    if (backend->name() == name) return backend;
  }
  return nullptr;
}

namespace {
std::string registered_list() {
  std::string list;
  for (const Backend* backend : registered_backends()) {
    if (!list.empty()) list += ", ";
    list += backend->name();
  }
  return list;
}
}  // namespace

Result<const Backend*> require_backend(std::string_view name) {
  const Backend* backend = find_backend(name);
  if (backend == nullptr) {
    return not_found("backend \"", name, "\" is not one this int8rt has (", registered_list(), ")");
  }
  if (!backend->available()) {
    return unsupported("backend \"", name, "\" can't run here: ", backend->info().reason);
  }
  return backend;
}

std::vector<std::string> backend_names() {
  std::vector<std::string> names;
  for (const Backend* backend : registered_backends())
    names.emplace_back(backend->name());
  return names;
}

Result<BackendInfo> get_backend_info(std::string_view name) {
  const Backend* backend = find_backend(name);
  if (backend == nullptr) {
    return not_found("backend \"", name, "\" is not one this int8rt has (", registered_list(), ")");
  }
  return backend->info();
}

}  // namespace int8rt
