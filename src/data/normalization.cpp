#include "data/normalization.h"

#include <cmath>

namespace int8rt {

Status check_normalization(const Normalization& normalization, int channels,
                           std::string_view what) {
  if (!std::isfinite(normalization.scale) || normalization.scale == 0) {
    return invalid_argument(what, ": scale ", normalization.scale,
                            " must be a finite, non-zero number");
  }
  auto check_count = [&](const std::vector<float>& values, std::string_view name) -> Status {
    if (values.size() > 1 && values.size() != static_cast<size_t>(channels)) {
      if (channels == 1) {
        return invalid_argument(what, ": ", name, " has ", values.size(),
                                " values, expected 1 (the samples have one channel)");
      }
      return invalid_argument(what, ": ", name, " has ", values.size(), " values, expected 1 or ",
                              channels, " (one per channel)");
    }
    for (float value : values) {
      if (!std::isfinite(value)) {
        return invalid_argument(what, ": ", name, " value ", value, " is not finite");
      }
    }
    return Status::ok();
  };
  INT8RT_RETURN_IF_ERROR(check_count(normalization.mean, "mean"));
  INT8RT_RETURN_IF_ERROR(check_count(normalization.stddev, "std"));
  for (float value : normalization.stddev) {
    if (!(value > 0)) return invalid_argument(what, ": std value ", value, " must be > 0");
  }
  return Status::ok();
}

}  // namespace int8rt
