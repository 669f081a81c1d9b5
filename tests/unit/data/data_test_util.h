// Temporary files for the data tests, and the check of a rejected SPEC.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "int8rt/data.h"

namespace int8rt::testing {

// A fresh directory under the system temp dir, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "int8rt_data_XXXXXX").string();
    path_ = mkdtemp(pattern.data()) ? pattern : std::string();
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

  // Writes `bytes` to `name` in the directory and returns its path.
  std::string write(std::string_view name, std::string_view bytes) const {
    const std::string file_path = file(name);
    std::FILE* f = std::fopen(file_path.c_str(), "wb");
    if (f != nullptr) {
      std::fwrite(bytes.data(), 1, bytes.size(), f);
      std::fclose(f);
    }
    return file_path;
  }

 private:
  std::string path_;
};

// Expects open_data_source(spec) to fail with a user error whose message names `file` and contains
// `message_part`.
inline void expect_spec_rejected(const std::string& spec, const std::string& file,
                                 const std::string& message_part) {
  auto source = open_data_source(spec);
  ASSERT_FALSE(source.is_ok()) << spec;
  EXPECT_TRUE(source.status().is_user_error()) << source.status().to_string();
  EXPECT_NE(source.status().message().find(file), std::string::npos)
      << spec << ": " << source.status().message();
  EXPECT_NE(source.status().message().find(message_part), std::string::npos)
      << spec << ": " << source.status().message();
}

}  // namespace int8rt::testing
