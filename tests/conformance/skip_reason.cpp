#include "conformance/skip_reason.h"

#include <algorithm>
#include <cctype>

#include "int8rt/network.h"

namespace int8rt::conformance {
namespace {

bool is_ident(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

char fold(char c, bool ignore_case) {
  return ignore_case ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
}

// Where `word` occurs as a token, or npos.
size_t find_token(std::string_view text, std::string_view word, bool ignore_case) {
  if (word.empty() || word.size() > text.size()) return std::string_view::npos;
  for (size_t at = 0; at + word.size() <= text.size(); ++at) {
    bool same = true;
    for (size_t k = 0; k < word.size() && same; ++k) {
      same = fold(text[at + k], ignore_case) == fold(word[k], ignore_case);
    }
    if (!same) continue;
    const bool left_ok = at == 0 || !is_ident(text[at - 1]);
    const bool right_ok = at + word.size() == text.size() || !is_ident(text[at + word.size()]);
    if (left_ok && right_ok) return at;
  }
  return std::string_view::npos;
}

// Quoted names of tensors, nodes and layers differ per test: `input "x"` -> `input "..."`. Other
// quoted text (attribute values such as `mode "cubic"`) says what is unsupported and stays.
std::string mask_names(std::string_view text) {
  static constexpr std::string_view kNameWords[] = {"tensor", "input", "output",
                                                    "node",   "layer", "initializer"};
  std::string out;
  size_t at = 0;
  while (at < text.size()) {
    const size_t open = text.find('"', at);
    if (open == std::string_view::npos) break;
    const size_t close = text.find('"', open + 1);
    if (close == std::string_view::npos) break;
    std::string_view before = text.substr(at, open - at);
    while (!before.empty() && before.back() == ' ')
      before.remove_suffix(1);
    const bool is_name =
        std::any_of(std::begin(kNameWords), std::end(kNameWords), [&](std::string_view word) {
          return before.size() >= word.size() &&
                 before.substr(before.size() - word.size()) == word &&
                 (before.size() == word.size() ||
                  !is_ident(before[before.size() - word.size() - 1]));
        });
    out.append(text.substr(at, open + 1 - at));
    out.append(is_name ? "..." : text.substr(open + 1, close - open - 1));
    out.push_back('"');
    at = close + 1;
  }
  out.append(text.substr(std::min(at, text.size())));
  return out;
}

// The message's last clause: what follows the last ": " (messages are "file: node: what").
std::string last_clause(std::string_view message) {
  while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back()))) {
    message.remove_suffix(1);
  }
  // "...; other unsupported ops: Mul": the first of several reasons is the one that counts.
  message = message.substr(0, message.find("; "));
  const size_t colon = message.rfind(": ");
  std::string_view tail = colon == std::string_view::npos ? message : message.substr(colon + 2);
  if (tail.empty()) tail = message;
  const std::string masked = mask_names(tail);
  constexpr size_t kMaxLength = 120;
  std::string out = masked.substr(0, kMaxLength);
  if (masked.size() > kMaxLength) out += "...";
  return out;
}

bool mentions_op(std::string_view message, const ModelOp& op) {
  return contains_token(message, op.op_type) ||
         (!op.default_domain() && contains_token(message, op.qualified()));
}

}  // namespace

bool contains_token(std::string_view text, std::string_view word, bool ignore_case) {
  return find_token(text, word, ignore_case) != std::string_view::npos;
}

std::string find_unsupported_dtype(std::string_view message) {
  // ONNX dtypes without an int8rt DataType; float64 is numpy's name for double.
  static constexpr std::string_view kNames[] = {"bfloat16",  "float16",    "float64", "double",
                                                "complex64", "complex128", "uint16",  "uint32",
                                                "uint64",    "int16"};
  for (std::string_view name : kNames) {
    if (contains_token(message, name, /*ignore_case=*/true)) {
      return name == "float64" ? "double" : std::string(name);
    }
  }
  // "string" is an ordinary word too: only the dtype spellings count.
  if (contains_token(message, "STRING") || message.find("dtype string") != std::string::npos ||
      message.find("type string") != std::string::npos) {
    return "string";
  }
  return "";
}

std::string skip_reason(std::string_view message, const std::vector<ModelOp>& model_ops) {
  // Ops int8rt has no OpType for (or of another domain), named in the message.
  for (const ModelOp& op : model_ops) {
    const bool known = op.default_domain() && op_type_from_string(op.op_type).has_value();
    if (!known && mentions_op(message, op)) return "op \"" + op.qualified() + "\"";
  }
  if (std::string dtype = find_unsupported_dtype(message); !dtype.empty()) return "dtype " + dtype;
  // Earliest-mentioned op of the model that int8rt knows: an attribute or form it lacks.
  size_t best_at = std::string_view::npos;
  const ModelOp* best = nullptr;
  for (const ModelOp& op : model_ops) {
    const size_t at = find_token(message, op.op_type, false);
    if (at < best_at) {
      best_at = at;
      best = &op;
    }
  }
  if (best != nullptr) return "op \"" + best->qualified() + "\": " + last_clause(message);
  return last_clause(message);
}

}  // namespace int8rt::conformance
