#include "args.h"

#include <algorithm>
#include <charconv>

namespace int8rt::cli {

Result<Args> Args::parse(const std::vector<std::string>& argv, const std::vector<Flag>& flags) {
  Args args;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    const Flag* flag = nullptr;
    std::string value;
    bool has_inline_value = false;
    if (arg.size() > 2 && arg.starts_with("--")) {
      std::string_view body = std::string_view(arg).substr(2);
      const size_t eq = body.find('=');
      std::string_view name = body.substr(0, eq);
      if (eq != std::string_view::npos) {
        value = std::string(body.substr(eq + 1));
        has_inline_value = true;
      }
      for (const Flag& f : flags) {
        if (f.name == name) flag = &f;
      }
    } else if (arg.size() == 2 && arg[0] == '-' && arg[1] != '-') {
      for (const Flag& f : flags) {
        if (f.short_name != 0 && f.short_name == arg[1]) flag = &f;
      }
    } else {
      return invalid_argument("unexpected argument \"", arg, "\" (flags start with --)");
    }
    if (flag == nullptr) return invalid_argument("unknown flag ", arg.substr(0, arg.find('=')));
    const std::string shown = "--" + flag->name;
    if (flag->value_name.empty()) {
      if (has_inline_value) return invalid_argument(shown, " takes no value (got \"", value, "\")");
    } else if (!has_inline_value) {
      if (i + 1 >= argv.size()) {
        return invalid_argument(shown, " needs a value: ", shown, " ", flag->value_name);
      }
      value = argv[++i];
    }
    auto& list = args.values_[flag->name];
    if (!list.empty() && !flag->repeated && !flag->value_name.empty()) {
      return invalid_argument(shown, " given twice (\"", list.back(), "\" and \"", value, "\")");
    }
    list.push_back(std::move(value));
  }
  return args;
}

int Args::count(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? 0 : static_cast<int>(it->second.size());
}

std::string Args::get(std::string_view name, std::string_view fallback) const {
  auto it = values_.find(name);
  return it == values_.end() || it->second.empty() ? std::string(fallback) : it->second.back();
}

const std::vector<std::string>& Args::all(std::string_view name) const {
  static const std::vector<std::string> kNone;
  auto it = values_.find(name);
  return it == values_.end() ? kNone : it->second;
}

std::string flags_help(const std::vector<Flag>& flags) {
  std::vector<std::string> heads;
  size_t width = 0;
  for (const Flag& flag : flags) {
    std::string head = flag.short_name ? std::string("-") + flag.short_name + ", " : "    ";
    head += "--" + flag.name + (flag.value_name.empty() ? "" : " " + flag.value_name);
    width = std::max(width, head.size());
    heads.push_back(std::move(head));
  }
  std::string text;
  for (size_t i = 0; i < flags.size(); ++i) {
    text += "  " + heads[i] + std::string(width - heads[i].size() + 2, ' ');
    // Continuation lines of a multi-line help align under the first.
    for (char c : flags[i].help) {
      text += c;
      if (c == '\n') text += std::string(width + 4, ' ');
    }
    text += '\n';
  }
  return text;
}

bool wants_help(const std::vector<std::string>& argv) {
  return std::any_of(argv.begin(), argv.end(),
                     [](const std::string& arg) { return arg == "-h" || arg == "--help"; });
}

Result<int64_t> parse_count(std::string_view flag, std::string_view text) {
  int64_t value = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) {
    return invalid_argument("--", flag, " expects a non-negative integer, got \"", text, "\"");
  }
  return value;
}

}  // namespace int8rt::cli
