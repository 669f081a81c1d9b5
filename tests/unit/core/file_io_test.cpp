#include "core/file_io.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace int8rt {
namespace {

namespace fs = std::filesystem;

class FileIo : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("int8rt_file_io_" + std::to_string(::getpid()) + "_" +
                                     testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string file(const std::string& name) const { return (dir_ / name).string(); }
  int entries() const {
    int count = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_))
      ++count;
    return count;
  }

  fs::path dir_;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_F(FileIo, AtomicWriteReplacesAndLeavesNoTemporary) {
  const std::string path = file("cache");
  ASSERT_TRUE(write_file_atomic(path, "first").is_ok());
  ASSERT_TRUE(write_file_atomic(path, "second").is_ok());
  auto content = read_file(path);
  ASSERT_TRUE(content.is_ok());
  EXPECT_EQ(*content, "second");
  EXPECT_EQ(entries(), 1);
  // A directory that does not exist: an error, and nothing written.
  EXPECT_FALSE(write_file_atomic(file("missing/cache"), "x").is_ok());
  EXPECT_EQ(entries(), 1);
}

TEST_F(FileIo, ReplacedFileKeepsItsMode) {
  const std::string path = file("engine.plan");
  ASSERT_TRUE(write_file_atomic(path, "old").is_ok());
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  ASSERT_TRUE(write_file_atomic(path, "new").is_ok());
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
  EXPECT_EQ(slurp(path), "new");
}

TEST_F(FileIo, NewFileGetsTheUmasksMode) {
  const mode_t previous = ::umask(027);
  const Status written = write_file_atomic(file("ranges.txt"), "x");
  ::umask(previous);
  ASSERT_TRUE(written.is_ok()) << written.message();
  struct stat info {};
  ASSERT_EQ(::stat(file("ranges.txt").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0640u);
}

TEST_F(FileIo, SymlinkIsWrittenThroughAndStaysALink) {
  const std::string target = file("real.cache");
  ASSERT_TRUE(write_file_atomic(target, "old").is_ok());
  fs::create_symlink("real.cache", dir_ / "link.cache");  // relative, as `ln -s` makes them
  fs::create_symlink(dir_ / "link.cache", dir_ / "link2.cache");
  ASSERT_TRUE(write_file_atomic(file("link2.cache"), "new").is_ok());
  EXPECT_TRUE(fs::is_symlink(dir_ / "link.cache"));
  EXPECT_TRUE(fs::is_symlink(dir_ / "link2.cache"));
  EXPECT_EQ(slurp(target), "new");
  EXPECT_EQ(entries(), 3);
  // A dangling link creates the file it names.
  fs::create_symlink("later.cache", dir_ / "dangling.cache");
  ASSERT_TRUE(write_file_atomic(file("dangling.cache"), "made").is_ok());
  EXPECT_TRUE(fs::is_symlink(dir_ / "dangling.cache"));
  EXPECT_EQ(slurp(file("later.cache")), "made");
  // A loop is an error, not a hang.
  fs::create_symlink("loop_b", dir_ / "loop_a");
  fs::create_symlink("loop_a", dir_ / "loop_b");
  const Status loop = write_file_atomic(file("loop_a"), "x");
  ASSERT_FALSE(loop.is_ok());
  EXPECT_NE(loop.message().find("symbolic links"), std::string::npos) << loop.message();
}

TEST_F(FileIo, CharacterDeviceIsWrittenToNotReplaced) {
  ASSERT_TRUE(write_file_atomic("/dev/null", "bytes nobody keeps").is_ok());
  struct stat info {};
  ASSERT_EQ(::stat("/dev/null", &info), 0);
  EXPECT_TRUE(S_ISCHR(info.st_mode));
  // /dev/full refuses the bytes: an error, not a silent success.
  const Status full = write_file_atomic("/dev/full", "x");
  ASSERT_FALSE(full.is_ok());
  EXPECT_NE(full.message().find("/dev/full"), std::string::npos) << full.message();
}

TEST_F(FileIo, NamedPipeIsStreamedToItsReader) {
  const std::string pipe = file("fifo");
  ASSERT_EQ(::mkfifo(pipe.c_str(), 0600), 0);
  // Nobody reading: an error at once, never a hang, and the pipe stays.
  const Status unread = write_file_atomic(pipe, "x");
  ASSERT_FALSE(unread.is_ok());
  EXPECT_NE(unread.message().find("nothing reads"), std::string::npos) << unread.message();
  std::string received;
  std::thread reader([&] { received = slurp(pipe); });
  // The reader's open may come after the writer's first try.
  Status written = unread;
  for (int attempt = 0; attempt < 500 && !written.is_ok(); ++attempt) {
    written = write_file_atomic(pipe, std::string(100000, 'p'));
    if (!written.is_ok()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  reader.join();
  ASSERT_TRUE(written.is_ok()) << written.message();
  EXPECT_EQ(received, std::string(100000, 'p'));
  struct stat info {};
  ASSERT_EQ(::stat(pipe.c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode));
}

TEST_F(FileIo, DirectoriesAndEmptyPathsAreRefused) {
  fs::create_directories(dir_ / "plans");
  const Status directory = write_file_atomic(file("plans"), "x");
  ASSERT_FALSE(directory.is_ok());
  EXPECT_NE(directory.message().find("is a directory"), std::string::npos) << directory.message();
  EXPECT_TRUE(fs::is_directory(dir_ / "plans"));
  const Status empty = write_file_atomic("", "x");
  ASSERT_FALSE(empty.is_ok());
  EXPECT_NE(empty.message().find("empty path"), std::string::npos) << empty.message();
  EXPECT_EQ(entries(), 1);
}

TEST_F(FileIo, ReadErrorsNameThePath) {
  auto missing = read_file("/nonexistent/int8rt/file");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("/nonexistent/int8rt/file"), std::string::npos);
  auto directory = read_file("/tmp");
  ASSERT_FALSE(directory.is_ok());
  EXPECT_NE(directory.status().message().find("directory"), std::string::npos);
}

TEST_F(FileIo, EndlessStreamIsAnErrorNotAHang) {
  auto zero = read_file("/dev/zero", 1 << 20);
  ASSERT_FALSE(zero.is_ok());
  EXPECT_NE(zero.status().message().find("/dev/zero"), std::string::npos);
  EXPECT_NE(zero.status().message().find("more than 1048576 bytes"), std::string::npos)
      << zero.status().message();
  // A stream that ends within the bound is read whole.
  auto null = read_file("/dev/null");
  ASSERT_TRUE(null.is_ok()) << null.status().message();
  EXPECT_TRUE(null->empty());
  const std::string pipe = file("fifo");
  ASSERT_EQ(::mkfifo(pipe.c_str(), 0600), 0);
  std::thread writer([&] { std::ofstream(pipe) << std::string(200000, 'r'); });
  auto piped = read_file(pipe);
  writer.join();
  ASSERT_TRUE(piped.is_ok()) << piped.status().message();
  EXPECT_EQ(*piped, std::string(200000, 'r'));
}

}  // namespace
}  // namespace int8rt
