#include "backends/cpu/cpu_kernels.h"
namespace int8rt::cpu {
Result<KernelPtr> make_batchnorm(const Layer&, std::span<const Layout>) {
  return KernelPtr();
}
Result<KernelPtr> make_int8_add(const Layer&, std::span<const Layout>) {
  return KernelPtr();
}
Result<KernelPtr> make_int8_concat(const Layer&, std::span<const Layout>) {
  return KernelPtr();
}
Result<KernelPtr> make_quantize(const Layer&, std::span<const Layout>) {
  return KernelPtr();
}
Result<KernelPtr> make_dequantize(const Layer&, std::span<const Layout>) {
  return KernelPtr();
}
}  // namespace int8rt::cpu
