// JSON text for the HTML report: strings safe inside a <script> element, numbers that survive
// JSON (non-finite values as strings the page converts back with Number()).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace int8rt::report {

// `text` as a quoted JSON string. Escapes '"', '\\', control characters, and '<', '>', '&' as
// \u003c, \u003e, \u0026 (so "</script>" or "<!--" never appears in the page), U+2028 and U+2029;
// a byte sequence that is not valid UTF-8 becomes U+FFFD (one per maximal invalid subpart).
std::string json_string(std::string_view text);

// A JSON number with `digits` significant digits (9 round-trips a float, 17 a double); +inf, -inf
// and NaN as the strings "Infinity", "-Infinity", "NaN".
std::string json_number(double value, int digits = 9);

// `text` for HTML text and attribute values: & < > " ' as entities, invalid UTF-8 as U+FFFD.
std::string html_escape(std::string_view text);

// `text` with every byte sequence that is not valid UTF-8 replaced by U+FFFD.
std::string valid_utf8(std::string_view text);

}  // namespace int8rt::report
