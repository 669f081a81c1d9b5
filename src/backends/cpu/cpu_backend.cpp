#include "backends/cpu/cpu_backend.h"

namespace int8rt::cpu {

Result<KernelPtr> create_kernel(const Layer& /*layer*/) {
  return KernelPtr();
}

}  // namespace int8rt::cpu
