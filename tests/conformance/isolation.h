// Running each test case in a child process, so that a crash or a hang in one op fails that test
// and the run goes on.
#pragma once

#include <functional>

#include "conformance/test_case.h"

namespace int8rt::conformance {

// Forks, runs `body` in the child and returns its Outcome. A child killed by a signal (a crash)
// or still running after `timeout_seconds` gives a FAIL outcome saying so.
Outcome run_isolated(const std::function<Outcome()>& body, int timeout_seconds);

// The wire form of an Outcome between child and parent (length-prefixed fields).
std::string serialize(const Outcome& outcome);
bool deserialize(std::string_view bytes, Outcome& outcome);

}  // namespace int8rt::conformance
