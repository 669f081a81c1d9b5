// A 64-bit FNV-1a hash for fingerprints (not for security).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace int8rt {

class Fnv1a {
 public:
  Fnv1a& add(const void* data, size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < size; ++i) {
      state_ ^= bytes[i];
      state_ *= 0x100000001b3ull;
    }
    return *this;
  }
  Fnv1a& add(std::string_view text) {
    add(text.data(), text.size());
    return add_value(text.size());  // length-delimited, so ("ab","c") != ("a","bc")
  }
  template <typename T>
  Fnv1a& add_value(const T& value) {
    return add(&value, sizeof value);
  }
  uint64_t value() const { return state_; }
  std::string hex() const {
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(state_));
    return text;
  }

 private:
  uint64_t state_ = 0xcbf29ce484222325ull;
};

}  // namespace int8rt
