// Turning an importer/builder kUnsupported message into a short reason that groups across tests.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace int8rt::conformance {

// A node of the model under test (top-level graph and subgraphs).
struct ModelOp {
  std::string domain;  // "" or "ai.onnx" for the default domain
  std::string op_type;

  bool default_domain() const { return domain.empty() || domain == "ai.onnx"; }
  // "Conv", or "com.microsoft:Gelu" outside the default domain.
  std::string qualified() const { return default_domain() ? op_type : domain + ":" + op_type; }
};

// The reason, most specific first:
//   op "Foo"           the message names an op int8rt has no OpType for, or any op of another
//   domain dtype float16      the message names a dtype int8rt lacks op "Conv": <what>  the message
//   names an op int8rt has; <what> is the message's last clause <what>             otherwise
// The file path and node names of the message are left out (they differ per test).
std::string skip_reason(std::string_view message, const std::vector<ModelOp>& model_ops);

// The first ONNX dtype name int8rt lacks that `message` mentions ("float16", "double", ...), or "".
std::string find_unsupported_dtype(std::string_view message);

// True when `word` occurs in `text` with no identifier character ([A-Za-z0-9_]) on either side.
bool contains_token(std::string_view text, std::string_view word, bool ignore_case = false);

}  // namespace int8rt::conformance
