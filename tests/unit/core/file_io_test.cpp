#include "core/file_io.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace int8rt {
namespace {

TEST(FileIo, AtomicWriteReplacesAndLeavesNoTemporary) {
  auto dir =
      std::filesystem::temp_directory_path() / ("int8rt_file_io_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "cache").string();
  ASSERT_TRUE(write_file_atomic(path, "first").is_ok());
  ASSERT_TRUE(write_file_atomic(path, "second").is_ok());
  auto content = read_file(path);
  ASSERT_TRUE(content.is_ok());
  EXPECT_EQ(*content, "second");
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir))
    ++files;
  EXPECT_EQ(files, 1);
  // A directory that does not exist: an error, and nothing written.
  EXPECT_FALSE(write_file_atomic((dir / "missing" / "cache").string(), "x").is_ok());
  std::filesystem::remove_all(dir);
}

TEST(FileIo, ReadErrorsNameThePath) {
  auto missing = read_file("/nonexistent/int8rt/file");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("/nonexistent/int8rt/file"), std::string::npos);
  auto directory = read_file("/tmp");
  ASSERT_FALSE(directory.is_ok());
  EXPECT_NE(directory.status().message().find("directory"), std::string::npos);
}

}  // namespace
}  // namespace int8rt
