// What int8rt's commands do to what is already at an output path (docs/cli.md, "Output files"):
// regular files are replaced whole with their mode kept, symbolic links written through, devices
// and pipes streamed to, everything else refused; and output that can't be written is an error.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "e2e/cli_runner.h"
#include "testing/testing.h"
#include "unit/data/data_test_util.h"

namespace int8rt {
namespace {

namespace fs = std::filesystem;
using testing::CliResult;
using testing::run_cli;
using testing::shell_quote;
using testing::slurp;
using testing::source_path;
using testing::TempDir;

class CliOutputFiles : public ::testing::Test {
 protected:
  CliResult build(const std::string& save_engine) {
    return run_cli({"build", "--onnx", lenet_, "--save-engine", save_engine}, 120);
  }
  // The plan the tool writes for LeNet-5, to compare what arrived elsewhere with.
  std::string reference_plan() {
    const std::string path = dir_.file("reference.plan");
    EXPECT_EQ(build(path).exit_code, 0);
    return slurp(path);
  }
  int entries() const {
    int count = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_.path()))
      ++count;
    return count;
  }

  const std::string lenet_ = source_path("models/lenet5_mnist.onnx");
  TempDir dir_;
};

TEST_F(CliOutputFiles, ReplacedPlanKeepsItsMode) {
  const std::string plan = dir_.write("lenet.plan", "an older plan");
  ASSERT_EQ(::chmod(plan.c_str(), 0600), 0);
  ASSERT_EQ(build(plan).exit_code, 0);
  struct stat info {};
  ASSERT_EQ(::stat(plan.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
  EXPECT_NE(slurp(plan), "an older plan");
  EXPECT_EQ(entries(), 1) << "no temporary left beside the plan";
}

TEST_F(CliOutputFiles, SymlinkIsWrittenThrough) {
  const std::string expected = reference_plan();
  fs::create_directories(dir_.file("store"));
  const std::string target = dir_.write("store/lenet.plan", "an older plan");
  fs::create_symlink(target, dir_.file("current.plan"));
  ASSERT_EQ(build(dir_.file("current.plan")).exit_code, 0);
  EXPECT_TRUE(fs::is_symlink(dir_.file("current.plan")));
  EXPECT_EQ(slurp(target), expected);
}

// A character device takes the plan as a stream. As root, a device node of our own (the same
// device as /dev/null) shows that the node is still a device afterwards; otherwise /dev/null
// itself, which a non-root user could not replace anyway.
TEST_F(CliOutputFiles, CharacterDeviceIsStreamedToNeverReplaced) {
  std::string device = dir_.file("null");
  if (::mknod(device.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) device = "/dev/null";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"build", "--onnx", lenet_, "--save-engine", device},
        std::vector<std::string>{"inspect", "--onnx", lenet_, "--write-tensors", device}}) {
    const CliResult result = run_cli(args, 120);
    EXPECT_EQ(result.exit_code, 0) << result.command << "\n" << result.err;
    struct stat info {};
    ASSERT_EQ(::stat(device.c_str(), &info), 0);
    EXPECT_TRUE(S_ISCHR(info.st_mode)) << device << " is no longer a character device";
  }
}

TEST_F(CliOutputFiles, NamedPipeGetsTheWholePlan) {
  const std::string expected = reference_plan();
  const std::string pipe = dir_.file("plan.fifo");
  ASSERT_EQ(::mkfifo(pipe.c_str(), 0600), 0);
  // Nobody reading: an error naming the pipe at once, not a hang.
  const CliResult unread = build(pipe);
  EXPECT_EQ(unread.exit_code, 1) << unread.err;
  EXPECT_NE(unread.err.find("nothing reads the named pipe"), std::string::npos) << unread.err;
  EXPECT_NE(unread.err.find(pipe), std::string::npos) << unread.err;
  // A reader waiting: the plan arrives through the pipe, which stays a pipe.
  std::string received;
  std::thread reader([&] { received = slurp(pipe); });
  CliResult streamed = unread;
  for (int attempt = 0; attempt < 50 && streamed.exit_code != 0; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    streamed = build(pipe);  // the reader's open may come after the first try
  }
  reader.join();
  EXPECT_EQ(streamed.exit_code, 0) << streamed.err;
  EXPECT_EQ(received, expected);
  struct stat info {};
  ASSERT_EQ(::stat(pipe.c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode));
}

TEST_F(CliOutputFiles, DirectoriesAndEmptyPathsAreRefused) {
  fs::create_directories(dir_.file("plans"));
  const CliResult directory = build(dir_.file("plans"));
  EXPECT_EQ(directory.exit_code, 1) << directory.err;
  EXPECT_NE(directory.err.find("is a directory"), std::string::npos) << directory.err;
  EXPECT_TRUE(fs::is_directory(dir_.file("plans")));
  const CliResult empty = build("");
  EXPECT_EQ(empty.exit_code, 1) << empty.err;
  EXPECT_NE(empty.err.find("empty path"), std::string::npos) << empty.err;
}

TEST_F(CliOutputFiles, StdoutThatCannotBeWrittenIsAnError) {
  const std::string err = dir_.file("err.txt");
  const std::string line = shell_quote(testing::cli_path()) + " inspect --onnx " +
                           shell_quote(lenet_) + " --json >/dev/full 2>" + shell_quote(err);
  const int status = std::system(line.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << line;
  EXPECT_EQ(WEXITSTATUS(status), 1) << slurp(err);
  EXPECT_NE(slurp(err).find("cannot write to standard output"), std::string::npos) << slurp(err);
}

// Readers bound what they take from a stream: an endless one is an error naming it, not a hang.
TEST_F(CliOutputFiles, EndlessInputsAreErrorsNotHangs) {
  const CliResult cache = run_cli({"cache", "show", "/dev/zero"}, 60);
  EXPECT_EQ(cache.exit_code, 1) << cache.err;
  EXPECT_NE(cache.err.find("/dev/zero"), std::string::npos) << cache.err;
  const CliResult plan = run_cli({"inspect", "--engine", "/dev/zero"}, 60);
  EXPECT_EQ(plan.exit_code, 1) << plan.err;
  EXPECT_NE(plan.err.find("/dev/zero"), std::string::npos) << plan.err;
}

}  // namespace
}  // namespace int8rt
