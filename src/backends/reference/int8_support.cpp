#include "backends/reference/reference.h"

namespace int8rt::reference {

bool supports_int8(const Layer& /*layer*/) {
  return false;
}

}  // namespace int8rt::reference
