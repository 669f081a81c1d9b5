// Record-level constants of the plan payload shared by its writer and reader.
#pragma once

#include <cstdint>

namespace int8rt::serialize {

// How a tensor record gets its value.
enum class TensorKind : uint8_t {
  kInput,     // a network input: dim names follow
  kConstant,  // constant data follows
  kComputed,  // written by exactly one layer
};

}  // namespace int8rt::serialize
