// A backend whose "device" is host memory it tracks: lowering, transfers, per-location arenas,
// set_tensor_address/enqueue and the tensor observer run through it without a GPU. Its kernels
// (Relu only; every other layer falls back to the CPU backend) and its copies check where each
// pointer comes from, so a host buffer handed to a device step, or the reverse, fails the run
// with an error naming the step instead of passing unnoticed.
#pragma once

#include <cstddef>
#include <string>

#include "backends/backend.h"

namespace int8rt::testing {

// The backend, registered under "fake_device" on first use.
const Backend& fake_device();

// Whether [p, p + bytes) lies in memory the fake device allocated and has not freed.
bool is_fake_device_memory(const void* p, size_t bytes);

// Runs the fake device's stream states have begun (enqueue and execute calls), across contexts.
int fake_device_runs();

}  // namespace int8rt::testing
