// The fast CPU backend: oneDNN primitives for the layers where they pay, chosen for the ISA that
// oneDNN detects at run time (AVX-512 VNNI, AVX2, ...).
#pragma once

#include "backends/kernel.h"
#include "int8rt/network.h"
#include "int8rt/status.h"

namespace int8rt::cpu {

// A oneDNN kernel for `layer`, nullptr when this backend does not handle the layer's configuration
// (the builder then uses the reference kernel), or an error when creating a supported one failed.
Result<KernelPtr> create_kernel(const Layer& layer);

}  // namespace int8rt::cpu
