// Turns exceptions (std::bad_alloc, std::length_error from the standard library, ...) into a
// Status at the public API's entry points: no exception crosses the API.
#pragma once

#include <exception>
#include <new>
#include <string_view>

#include "int8rt/status.h"

namespace int8rt {

// Runs fn() (returning a Status or Result<T>) and converts any exception it throws into an
// error naming `where`: out of memory (kResourceExhausted: the machine's limit, not a bug), or an
// internal error.
template <typename Fn>
auto catch_exceptions(std::string_view where, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return resource_exhausted(where, ": out of memory");
  } catch (const std::exception& e) {
    return internal_error(where, ": ", e.what());
  } catch (...) {
    return internal_error(where, ": unknown exception");
  }
}

}  // namespace int8rt
