// Kills `int8rt build --int8` at random points (SIGKILL and SIGTERM, seeded) while it calibrates
// and writes its cache, fingerprint and plan, alternating between two data sets. After every kill
// each file is absent or byte-identical to a complete one, no temporary is left, and the next
// run never trusts a cache made from the other data (docs/cli.md, "Output files";
// docs/calibration.md, "Stale caches").
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "e2e/cli_runner.h"
#include "int8rt/data.h"
#include "testing/testing.h"
#include "unit/data/data_test_util.h"

extern char** environ;

namespace int8rt {
namespace {

namespace fs = std::filesystem;
using testing::CliResult;
using testing::run_cli;
using testing::slurp;
using testing::source_path;
using testing::TempDir;

constexpr int64_t kImages = 64;

class FaultInjection : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int set = 0; set < 2; ++set) {
      std::mt19937 rng(static_cast<unsigned>(set + 1));
      std::uniform_real_distribution<float> pixel(0.0f, set == 0 ? 1.0f : 2.0f);
      std::vector<float> images(static_cast<size_t>(kImages * 28 * 28));
      for (float& value : images)
        value = pixel(rng);
      data_[set] = data_dir_.file("set" + std::to_string(set) + ".npy");
      ASSERT_TRUE(
          write_npy(data_[set], DataType::kFloat, Dims{kImages, 1, 28, 28}, images.data()).is_ok());
    }
  }

  std::vector<std::string> args(int set) const {
    return {"build",   "--onnx", lenet_,    "--int8", "--data",        "npy:" + data_[set],
            "--batch", "32",     "--cache", cache(),  "--save-engine", plan()};
  }
  std::string cache() const { return work_.file("lenet.cache"); }
  std::string fingerprint() const { return cache() + ".fingerprint"; }
  std::string plan() const { return work_.file("lenet.plan"); }

  // Starts the tool with `argv` and `extra_env` ("NAME=value") added to the environment, its
  // output thrown away; the child's pid.
  pid_t spawn(const std::vector<std::string>& argv, std::vector<std::string> extra_env = {}) const {
    std::vector<std::string> all = {testing::cli_path()};
    all.insert(all.end(), argv.begin(), argv.end());
    std::vector<char*> pointers;
    for (std::string& arg : all)
      pointers.push_back(arg.data());
    pointers.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    std::vector<char*> env;
    for (std::string& variable : extra_env)
      env.push_back(variable.data());
    for (char** variable = environ; *variable != nullptr; ++variable)
      env.push_back(*variable);
    env.push_back(nullptr);
    pid_t pid = -1;
    const int error =
        posix_spawn(&pid, pointers[0], &actions, nullptr, pointers.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    return error == 0 ? pid : -1;
  }

  const std::string lenet_ = source_path("models/lenet5_mnist.onnx");
  TempDir data_dir_, work_;
  std::string data_[2];
};

TEST_F(FaultInjection, KilledBuildsLeaveWholeFilesAndNeverAStalePair) {
  // The complete files of an uninterrupted run on each data set.
  std::string whole_cache[2], whole_plan[2];
  for (int set = 0; set < 2; ++set) {
    const CliResult result = run_cli(args(set), 120);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    whole_cache[set] = slurp(cache());
    whole_plan[set] = slurp(plan());
    ASSERT_FALSE(whole_cache[set].empty());
  }
  ASSERT_NE(whole_cache[0], whole_cache[1]);
  // How long one run takes, for the kill times.
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(run_cli(args(0), 120).exit_code, 0);
  const auto run_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();

  std::mt19937 rng(2024);
  std::uniform_int_distribution<int64_t> delay(0, std::max<int64_t>(run_us, 1000));
  constexpr int kKills = 120;
  int killed_while_running = 0;
  for (int kill_number = 0; kill_number < kKills; ++kill_number) {
    const int set = static_cast<int>(rng() % 2);
    const int signal = rng() % 2 == 0 ? SIGKILL : SIGTERM;
    const int64_t after_us = delay(rng);
    SCOPED_TRACE("kill " + std::to_string(kill_number) + ": set " + std::to_string(set) + ", " +
                 (signal == SIGKILL ? "SIGKILL" : "SIGTERM") + " after " +
                 std::to_string(after_us) + " us (seed 2024)");
    const pid_t pid = spawn(args(set));
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::microseconds(after_us));
    ::kill(pid, signal);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    killed_while_running += WIFSIGNALED(status) ? 1 : 0;

    // Every file is absent or one of the complete ones; nothing else is in the directory.
    for (const auto& entry : fs::directory_iterator(work_.path())) {
      const std::string path = entry.path().string();
      if (path == cache()) {
        const std::string text = slurp(path);
        EXPECT_TRUE(text == whole_cache[0] || text == whole_cache[1]) << "partial cache";
      } else if (path == plan()) {
        const std::string bytes = slurp(path);
        EXPECT_TRUE(bytes == whole_plan[0] || bytes == whole_plan[1]) << "partial plan";
      } else {
        EXPECT_EQ(path, fingerprint()) << "left behind";
      }
    }
    // Every tenth kill, and at the end: a clean run on either set ends with that set's files,
    // whether it reused the cache or recalibrated.
    if (kill_number % 10 == 9) {
      const int check = static_cast<int>(rng() % 2);
      const CliResult result = run_cli(args(check), 120);
      ASSERT_EQ(result.exit_code, 0) << result.err;
      EXPECT_EQ(slurp(cache()), whole_cache[check]) << "a cache of the other data was trusted";
      EXPECT_EQ(slurp(plan()), whole_plan[check]);
    }
    if (HasFailure()) break;
  }
  // Most kills landed while the tool ran (the rest after it had finished).
  EXPECT_GT(killed_while_running, kKills / 2);
}

// Targeted kills: the tool stops itself right after the first of the cache and its fingerprint
// is renamed into place (a preloaded rename, tests/e2e/stop_after_rename.cpp) and is killed there,
// between the two writes, where a cache of one data set can sit beside the fingerprint of the
// other. The next run on the older data set must recalibrate, never trust that pair.
TEST_F(FaultInjection, KilledBetweenTheCacheAndItsFingerprintRecalibrates) {
  std::string whole_cache[2];
  for (int set = 0; set < 2; ++set) {
    ASSERT_EQ(run_cli(args(set), 120).exit_code, 0);
    whole_cache[set] = slurp(cache());
  }
  const std::vector<std::string> stop = {
      std::string("LD_PRELOAD=") + INT8RT_STOP_AFTER_RENAME_LIBRARY,
      "INT8RT_STOP_AFTER_RENAME=/lenet.cache:/lenet.cache.fingerprint"};
  for (int round = 0; round < 4; ++round) {
    const int older = round % 2;
    SCOPED_TRACE("round " + std::to_string(round));
    ASSERT_EQ(run_cli(args(older), 120).exit_code, 0);  // the files on disk are this set's
    const pid_t pid = spawn(args(1 - older), stop);
    ASSERT_GT(pid, 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, WUNTRACED), pid);
    ASSERT_TRUE(WIFSTOPPED(status)) << "the tool should stop after its first rename";
    ::kill(pid, SIGKILL);
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    // One of the pair is new, the other still the older set's.
    const CliResult result = run_cli(args(older), 120);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(slurp(cache()), whole_cache[older]) << "a cache of the other data was trusted";
    EXPECT_NE(result.err.find("recalibrating"), std::string::npos) << result.err;
  }
}

}  // namespace
}  // namespace int8rt
