// Layer-precision files: `layer_name: int8|fp32` per line (include/int8rt/builder.h).
#include <cctype>
#include <map>
#include <string>

#include "core/file_io.h"
#include "int8rt/builder.h"

namespace int8rt {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<DataType> precision_from_string(std::string_view text) {
  const std::string word = lower(text);
  if (word == "int8") return DataType::kInt8;
  if (word == "fp32" || word == "float32") return DataType::kFloat;
  return std::nullopt;
}

}  // namespace

Result<std::vector<LayerPrecision>> parse_layer_precisions(std::string_view text,
                                                           std::string_view source) {
  std::vector<LayerPrecision> result;
  std::map<std::string, int, std::less<>> first_line;
  int number = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    const std::string_view line = trim(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++number;
    if (line.empty() || line.front() == '#') continue;
    const size_t colon = line.rfind(':');
    const std::string_view name =
        colon == std::string_view::npos ? "" : trim(line.substr(0, colon));
    if (name.empty()) {
      return parse_error(source, ":", number, ": expected \"<layer name>: int8|fp32\", got \"",
                         line, "\"");
    }
    const std::string_view word = trim(line.substr(colon + 1));
    const std::optional<DataType> precision = precision_from_string(word);
    if (!precision) {
      return parse_error(source, ":", number, ": layer \"", name, "\": unknown precision \"", word,
                         "\" (expected int8 or fp32)");
    }
    auto [it, inserted] = first_line.emplace(std::string(name), number);
    if (!inserted) {
      return parse_error(source, ":", number, ": layer \"", name, "\" is already given on line ",
                         it->second);
    }
    result.emplace_back(std::string(name), *precision);
  }
  return result;
}

Result<std::vector<LayerPrecision>> read_layer_precisions(const std::string& path) {
  INT8RT_ASSIGN_OR_RETURN(std::string text, read_file(path));
  return parse_layer_precisions(text, path);
}

Status set_layer_precisions(Network& network, const std::vector<LayerPrecision>& precisions) {
  for (const auto& [name, precision] : precisions) {
    if (network.find_layer(name) == nullptr) {
      return not_found("layer precisions: the network has no layer \"", name, "\"");
    }
    if (precision != DataType::kInt8 && precision != DataType::kFloat) {
      return invalid_argument("layer precisions: layer \"", name, "\": precision ",
                              to_string(precision), " is not supported (expected int8 or float32)");
    }
  }
  for (const auto& [name, precision] : precisions)
    network.find_layer(name)->set_precision(precision);
  return Status::ok();
}

}  // namespace int8rt
