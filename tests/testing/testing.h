// Helpers for int8rt's tests.
#pragma once

#include <string>

namespace int8rt::testing {

inline std::string source_path(const std::string& relative) {
  return std::string(INT8RT_SOURCE_DIR) + "/" + relative;
}

}  // namespace int8rt::testing
